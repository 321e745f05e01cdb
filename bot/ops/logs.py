"""Logging: plain text or JSON lines, with personal data and secrets masked in every record.

The masking is a filter on the root handler, so it sees every record that reaches
the log, whichever library wrote it (httpx logs request URLs, which carry bot
tokens). It masks the message, string extra fields and the exception text: phone
numbers, CCCD/CMND numbers, e-mail addresses, the sequence part of receipt codes,
chat ids (last three characters kept) and tokens in URLs. Masking is by pattern: it
errs towards masking (a nine-digit order number looks like a CMND number).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
from typing import TYPE_CHECKING, Any, Literal, TextIO

from nlu.receipt_codes import CODE_RE

if TYPE_CHECKING:
    from bot.settings.ops import OpsSettings

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged as a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


# Extra fields that hold a chat or user id, whatever it looks like.
_ID_FIELDS = frozenset({"chat_id", "user_id", "user_key", "chat", "user", "sender_id", "recipient_id"})


def _keep_last(value: str, n: int = 3) -> str:
    return "*" * max(len(value) - n, 3) + value[-n:]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# Order matters: secrets and codes first (they contain digit runs), then the numbers.
_RULES: list[tuple[re.Pattern[str], Any]] = [
    # Telegram/Zalo bot tokens, in API URLs (/bot<token>/method) or alone (123456:AA…).
    (re.compile(r"(/bot)(?=[^/\s?#]*\d)[^/\s?#]+"), r"\1<token>"),
    (re.compile(r"(?<![\w:])\d{5,}:[A-Za-z0-9_-]{20,}"), "<token>"),
    # Secrets in query strings and headers: ?token=…, access_token=…, secret_key: …
    (re.compile(r"(?i)\b((?:access_|refresh_)?token|secret(?:_key)?|api_key|password)(=|:\s*)[^\s&\"',;]+"),
     r"\1\2<secret>"),
    # An e-mail starts only where a run of its characters starts: without the look-behind the
    # engine retried from every character of a long run (100 KB took 10 s).
    (re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
     lambda m: m.group(0)[0] + "***@" + m.group(0).split("@", 1)[1]),
    # Receipt codes: the agency and date stay, the day's sequence number goes (as in bot.features.dossiers.fields).
    (CODE_RE, lambda m: m.group(0)[: -len(m.group(3))] + "****"),
    # Chat ids (with a digit): "channel:id" keys and labelled ids keep their last three characters.
    (re.compile(r"\b(telegram|zalo_bot|zalo_oa|zalo|console):(?=[\w-]*\d)([\w-]{4,})"),
     lambda m: f"{m.group(1)}:{_keep_last(m.group(2))}"),
    (re.compile(r"(?i)\b(chat_id|chat|user_id|user_key|user|sender_id|recipient_id)([=:]\s*|\s+)"
                r"(?=[\w-]*\d)([\w-]{4,})"),
     lambda m: m.group(1) + m.group(2) + _keep_last(m.group(3))),
    # CCCD (12 digits) before phones: both may start with 0.
    (re.compile(r"(?<![\d*])\d{12}(?!\d)"), "<cccd>"),
    # Vietnamese phone numbers: 0 or +84/84, nine more digits, with or without separators.
    (re.compile(r"(?<![\w*+])(?:\+84|84|0)(?:[ .-]?\d){9}(?!\d)"),
     lambda m: "<phone …" + _digits(m.group(0))[-2:] + ">"),
    (re.compile(r"(?<![\d*])\d{9}(?!\d)"), "<cmnd>"),
    # Any other long number is most likely a chat or user id (Zalo ids have ~19 digits).
    (re.compile(r"(?<![\d*])\d{10,}(?!\d)"), lambda m: _keep_last(m.group(0))),
]


def mask(text: str) -> str:
    """``text`` with personal data and secrets masked."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


class MaskingFilter(logging.Filter):
    """Masks the formatted message, string extra fields and the exception text of each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        for key, value in list(vars(record).items()):
            if key in _ID_FIELDS and isinstance(value, str | int):
                setattr(record, key, _keep_last(str(value)))
            elif key not in _STANDARD and isinstance(value, str):
                setattr(record, key, mask(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, the extra fields, and exc when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format(configured: str = "text") -> LogFormat:
    """``TTHC_LOG_FORMAT`` (json|text) wins over config.yml ``ops.log_format``."""
    chosen = os.environ.get("TTHC_LOG_FORMAT", configured).strip().lower()
    return "json" if chosen == "json" else "text"


def setup_logging(
    level: int = logging.WARNING, fmt: str = "text", stream: TextIO | None = None, *, force: bool = True
) -> None:
    """One masked handler on ``stream`` (stderr by default) in place of the root's handlers.

    ``force=False`` is :func:`logging.basicConfig`'s manners: when someone else (a test
    runner, an embedding program) already set handlers, keep them, only masking what they write.
    """
    root = logging.getLogger()
    foreign = [h for h in root.handlers if not getattr(h, "_tthc", False)]
    if foreign and not force:
        for h in foreign:
            if not any(isinstance(f, MaskingFilter) for f in h.filters):
                h.addFilter(MaskingFilter())
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format(fmt) == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(MaskingFilter())
    handler._tthc = True  # type: ignore[attr-defined]
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def setup_process(ops: OpsSettings, verbose: bool = False) -> None:
    """A process's logging and alert thresholds from config.yml `ops:` (the CLI and each server worker)."""
    from bot.ops.metrics import configure_alerts

    setup_logging(logging.INFO if verbose else logging.WARNING, ops.log_format, force=False)
    alert = ops.failed_verifications_alert
    configure_alerts(alert.threshold, alert.window_minutes)
