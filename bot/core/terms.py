"""A channel's fee and time in words, as they stand on the day asked.

A fee can have dated rates (a temporary reduction until a date, under a named circular): the one in
force that day is shown with its end, and a rate whose period has ended is never shown as current.
A time without a unit is never printed as a bare number.
"""

from __future__ import annotations

import datetime as dt
import re

from knowledge_base.schema import ChannelTerms, Procedure, Rate

UNIT_WORDS = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ", "months": "tháng"}
SEE_NOTE = "kèm ghi chú"  # an unclear fee's wording ends so: the note follows it on the same line
NOTE_LIMIT = 900  # a note longer than this is cut (the source line points to the whole page)
# A cell that is only an amount in đồng: unread means implausible ("800 Việt Nam Đồng" lost its thousands).
_BARE_AMOUNT = re.compile(r"[\d.,]+\s*(?:Việt Nam Đồng|VNĐ|Đồng|đồng)", re.IGNORECASE)
NO_FEE_INFO = "Không có thông tin"  # the portal's "nothing given"
TIME_NOT_STATED = "trang thủ tục chưa ghi rõ thời hạn (chỉ ghi số, không ghi đơn vị)"
# A cell that is only a duration ("5", "3 Ngày làm việc") is said from the parsed amount and unit.
_SIMPLE_TIME = re.compile(r"\d+(?:[.,]\d+)?(?:\s+(?:ngày làm việc|ngày|giờ|tháng))?", re.IGNORECASE)


def money(amount: int) -> str:
    return "miễn phí" if amount == 0 else f"{amount:,} đồng".replace(",", ".")


def day_text(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _standing(c: ChannelTerms) -> str | None:
    if c.fee_amount is not None:
        shown = money(c.fee_amount)
        # A curated wording that starts with the amount adds the cases ("…; cấp lại: 400.000 đồng").
        return c.fee_text if c.fee_text and c.fee_text.casefold().startswith(shown.removesuffix(" đồng")) else shown
    return _unclear(c)


def _unclear(c: ChannelTerms) -> str | None:
    """The record's own words for a fee the importer could not read as one amount: never an amount said
    as if it were sure ("800 Việt Nam Đồng" lost its thousands; "Miễn phí" beside a note naming a fee)."""
    text = (c.fee_text or "").strip()
    if not text:
        return None
    if text == NO_FEE_INFO:
        return "trang thủ tục không ghi mức thu" + (f", {SEE_NOTE}" if c.fee_note else "; Anh/Chị hỏi bộ phận một cửa")
    if text == "Miễn phí":
        return f"trang thủ tục ghi «Miễn phí», {SEE_NOTE}" if c.fee_note else "miễn phí"
    if not _BARE_AMOUNT.fullmatch(text):
        return text  # a foreign-currency amount, or a curated wording: said as the record says it
    return f"trang thủ tục ghi «{text}», con số này có thể bị lỗi; Anh/Chị xem trang thủ tục hoặc hỏi bộ phận một cửa"


def _rate_line(rate: Rate, c: ChannelTerms) -> str:
    shown = money(rate.amount) if rate.amount is not None else (rate.text or "")
    when = [f"áp dụng đến hết {day_text(rate.end)}" if rate.end else "", f"theo {rate.basis}" if rate.basis else ""]
    line = f"{shown} ({' '.join(w for w in when if w)})" if any(when) else shown
    if rate.text and rate.amount is not None:
        line += f"; {rate.text}"
    if rate.end is not None:
        after = money(c.fee_amount) if c.fee_amount is not None else _unclear(c)
        line += f". Từ {day_text(rate.end + dt.timedelta(days=1))}: {after}" if after else (
            f". Sau {day_text(rate.end)}: Anh/Chị xem trang thủ tục"
        )
    return line


def fee_phrase(c: ChannelTerms, day: dt.date) -> str | None:
    """The fee in force on day, in words, or None when the record says nothing."""
    if (rate := c.rate_on(day)) is not None:
        return _rate_line(rate, c)
    ended = [r for r in c.fee_rates if r.end is not None and r.end < day]
    line = _standing(c)
    if c.fee_amount is None and ended:  # the stored wording was the temporary rate itself
        last = max(ended, key=lambda r: r.end or dt.date.min)
        shown = money(last.amount) if last.amount is not None else "mức thu tạm thời"
        assert last.end is not None
        return _with_note(
            f"chưa rõ mức thu hiện hành ({shown} chỉ áp dụng đến hết {day_text(last.end)}); "
            f"Anh/Chị xem trang thủ tục hoặc hỏi bộ phận một cửa; trang thủ tục {SEE_NOTE}",
            c.fee_note,
        )
    if line is None:
        return None
    if c.fee_basis and c.fee_amount is not None:
        line += f" (theo {c.fee_basis})"
    upcoming = sorted((r for r in c.fee_rates if r.start and r.start > day), key=lambda r: r.start or day)
    if upcoming and upcoming[0].start and upcoming[0].amount is not None:
        line += f". Từ {day_text(upcoming[0].start)}: {money(upcoming[0].amount)}"
    # The portal's note carries rates by case and exemptions; dated rates already say what it said.
    if c.fee_note and not c.fee_rates and c.fee_note not in line:
        return _with_note(line, c.fee_note)
    return line


def shortened(text: str, limit: int) -> str:
    """text cut at a word end to fit limit characters, with "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _with_note(line: str, note: str | None) -> str:
    """line with the portal's note: a unit ("/giao dịch") joined to the amount, a note an unclear fee
    points to on the same line, any other note in brackets below."""
    if not note:
        return line.removesuffix(f"; trang thủ tục {SEE_NOTE}")
    note = shortened(note, NOTE_LIMIT)
    if note.startswith("/") and len(note) <= 30 and line.endswith(" đồng"):
        return line + note
    if line.endswith(SEE_NOTE):
        return f"{line}: {note}"
    return f"{line}\n   ({note})"


def time_phrase(c: ChannelTerms) -> str | None:
    """The processing time with its unit; a bare number is "not stated", never printed alone."""
    text = (c.time_text or "").strip()
    if c.time_days is not None and c.time_unit is not None and (not text or _SIMPLE_TIME.fullmatch(text)):
        return f"{c.time_days:g} {UNIT_WORDS[c.time_unit]}"
    if text and not re.fullmatch(r"[\d.,\s]+", text):
        return text
    if text or c.time_days is not None:
        return TIME_NOT_STATED
    return None


def source_line(p: Procedure) -> str:
    """Where the facts come from and when they were checked, in one short line."""
    decision = f", {p.source.decision}" if p.source.decision else ""
    url = p.source.url or (p.online.url if p.online else None) or "https://dichvucong.gov.vn"
    return (
        f"Nguồn: Cổng Dịch vụ công quốc gia, thủ tục {p.source.code}{decision}, "
        f"cập nhật {day_text(p.source.checked)}: {url}"
    )
