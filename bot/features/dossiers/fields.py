"""Parsing what the one-stop system sends (file import and push): codes, statuses, dates, phones.

Every parser raises :class:`FieldError` with a message an operator can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from nlu.normalize import fold
from nlu.receipt_codes import iter_codes

# Vietnam has had no daylight saving time since 1975: a fixed offset is exact.
VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")

STATUS_LABELS: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
FINISHED = frozenset({9, 10})  # processing done: completion date and timeliness apply
CLOSED = frozenset({3, 7, 8, 10})  # nothing more will happen: no point in subscribing


class FieldError(ValueError):
    """A value that cannot be used; the message names what is wrong."""


def _fold(text: str) -> str:
    return " ".join(fold(text).split())


_FOLDED_LABELS = {_fold(label): number for number, label in STATUS_LABELS.items()}


def parse_code(value: object) -> str:
    """The canonical receipt code when ``value`` is exactly one whole code (nothing more, nothing less)."""
    text = str(value or "").strip()
    matches = list(iter_codes(text))
    if len(matches) != 1 or matches[0][0].start() != 0 or matches[0][0].end() != len(text):
        raise FieldError(f"not a complete receipt code: {text[:60]!r}")
    return matches[0][1]


def parse_status(value: object) -> int:
    """A status number 1–10, from the number or its Vietnamese label (tone marks optional)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | None):
        raise FieldError("status must be 1–10 or a status label")
    if isinstance(value, int | float):  # compared, never converted: a 4,000-digit number must not raise
        if 1 <= value <= 10 and value == int(value):
            return int(value)
        raise FieldError("status must be 1–10 or a status label")
    text = str(value or "").strip()
    if re.fullmatch(r"\d{1,2}(?:\.0)?", text) and 1 <= int(float(text)) <= 10:
        return int(float(text))
    if (number := _FOLDED_LABELS.get(_fold(text))) is not None:
        return number
    raise FieldError(f"status must be 1–10 or a status label, not {text[:60]!r}")


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def parse_datetime(value: object, *, required: bool = False) -> dt.datetime | None:
    """A Vietnam wall-clock time from ISO (with or without offset) or dd/mm/yyyy [hh:mm[:ss]]."""
    if isinstance(value, dt.datetime):
        return to_local(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value or "").strip()
    if not text:
        if required:
            raise FieldError("a date is required")
        return None
    try:
        if m := _ISO.fullmatch(text):
            y, mo, d, h, mi, s, tz = m.groups()
            parsed = _plausible(dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0)))
            if tz:
                offset = dt.datetime.fromisoformat("2000-01-01T00:00" + ("+00:00" if tz == "Z" else tz))
                return to_local(parsed.replace(tzinfo=offset.tzinfo))
            return parsed
        if m := _DMY.fullmatch(text):
            d, mo, y, h, mi, s = m.groups()
            return _plausible(dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0)))
    except (ValueError, OverflowError) as exc:
        raise FieldError(f"not a valid date: {text[:40]!r} ({exc})") from None
    raise FieldError(f"date must be ISO (2025-11-20) or dd/mm/yyyy, not {text[:40]!r}")


def _plausible(value: dt.datetime) -> dt.datetime:
    """Years 1900–2199 only: "0001-01-01" or "9999-12-31T23:59-05:00" overflow any time-zone arithmetic."""
    if not 1900 <= value.year <= 2199:
        raise ValueError(f"year {value.year} out of range 1900–2199")
    return value


def to_local(value: dt.datetime) -> dt.datetime:
    """Naive Vietnam wall-clock time; naive input is taken as already local."""
    if value.tzinfo is None:
        return value
    return value.astimezone(VN_TZ).replace(tzinfo=None)


def as_utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC; naive values are UTC already (SQLite returns stored UTC times without a zone)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def phone_last4(value: object) -> str:
    """The last four digits of a phone number as exported (spaces, dots, +84, lost leading zero)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value))
    text = str(value or "").strip()
    digits = re.sub(r"[\s.\-()]", "", text).removeprefix("+")
    if not digits.isdigit() or not 9 <= len(digits) <= 12:
        raise FieldError("phone must be a phone number of 9–12 digits")
    return digits[-4:]


def typed_last4(text: str) -> str | None:
    """The second factor as a citizen types it in chat: "6789", "67 89", "số cuối 6789 ạ"."""
    digits = re.sub(r"\D", "", text) if len(text) <= 40 else ""
    return digits if len(digits) == 4 else None


def mask_name(name: object) -> str | None:
    """'Nguyễn Văn An' → 'N****n V*n A': enough for the owner to recognise, not to identify."""
    # NFC first: a decomposed name would leak its tone marks as extra letters.
    words = unicodedata.normalize("NFC", str(name or "")).split()
    if not words:
        return None
    masked = [w[0] + "*" * max(len(w) - 2, 1) + (w[-1] if len(w) > 2 else "") for w in words[:-1]]
    return " ".join([*masked, words[-1][0]])[:120]


def mask_code(code: str) -> str:
    """A code fit for logs: the agency and date stay, the day's sequence number goes."""
    return re.sub(r"\d{4}$", "****", code)


def timeliness(appointment: dt.datetime | None, completed: dt.datetime | None) -> str | None:
    """early | on_time | late, by calendar day against the appointment."""
    if appointment is None or completed is None:
        return None
    if completed.date() < appointment.date():
        return "early"
    return "on_time" if completed.date() == appointment.date() else "late"
