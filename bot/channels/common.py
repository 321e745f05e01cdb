"""What the channel adapters share: reading a capped webhook body, storing an event, splitting text."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.inbox import InboundEvent, Inbox

log = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The raw body (signatures are computed over it), refused past ``max_bytes`` even when chunked."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so the response time does not reveal how much of a guess is right."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def ok() -> Response:
    return JSONResponse({"ok": True})


def refuse(status: int, reason: str) -> Response:
    return JSONResponse({"ok": False, "error": reason}, status_code=status)


class WebhookStore:
    """Stores an event before the webhook answers; a database failure answers 503 so the platform retries."""

    def __init__(self, inbox: Inbox, on_stored: Callable[[], None], timeout_s: float) -> None:
        self.inbox = inbox
        self._on_stored = on_stored
        self._timeout_s = timeout_s

    async def store(self, event: InboundEvent) -> bool | None:
        """True: new; False: a redelivery; None: not stored (the caller answers 503)."""
        try:
            async with asyncio.timeout(self._timeout_s):
                new = await self.inbox.accept(event)
        except Exception as exc:  # database down, locked or slow: the platform will resend
            log.error("inbox: could not store %s event: %r", event.channel, exc)
            return None
        if new:
            self._on_stored()
        return new


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Pieces of at most ``limit`` (by ``measure``), cut at a paragraph, line or word break if possible."""
    if measure(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while measure(rest) > limit:
        cut = _fit(rest, limit, measure)
        window = rest[:cut]
        for sep in ("\n\n", "\n", " "):
            at = window.rfind(sep)
            if at > cut // 2:
                cut = at
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return [p for p in parts if p]


def _fit(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """The longest prefix length whose measure is within ``limit`` (binary search)."""
    lo, hi = 1, min(len(text), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def numbered(labels: list[str], start: int = 1) -> str:
    return "\n".join(f"{i}. {label}" for i, label in enumerate(labels, start))
