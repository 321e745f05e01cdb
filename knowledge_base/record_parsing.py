"""Pure parsers of the per-channel table of a national procedure record.

The portal's tables reach us flattened without separators, e.g.
``Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(...)...``.
A row is: channel name, time cell, fee cell, optional fee note in parentheses, description.
Every parser returns its value plus the issues it met, so the importer can report them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

NO_INFO = "Không có thông tin"
CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
CHANNELS = {"Trực tiếp": "in_person", "Trực tuyến": "online", "Dịch vụ bưu chính": "post"}
UNITS = {"Ngày làm việc": "working_days", "Ngày": "days", "Giờ": "hours", "Tháng": "months"}


@dataclass(frozen=True)
class Issue:
    """Something the importer could not parse (failed) or had to correct (not failed)."""

    field: str
    kind: str
    text: str
    failed: bool = True


def clip(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean(text: str | None) -> str | None:
    """Trimmed text, or None when the portal gave nothing."""
    if text is None:
        return None
    text = text.strip()
    return None if not text or text == NO_INFO else text


# Channel names glued to the time cell; descriptions mention channels too, but followed by a space
# or a colon, so requiring a non-space character keeps them out.
_ROW_START = re.compile("(" + "|".join(CHANNELS) + r")(?=[^\s:])")
_TIME = re.compile(r"(\d+(?:\.\d+)?) (" + "|".join(UNITS) + ")")
_CURRENCY = r"(Việt Nam Đồng|VNĐ|USD|Đồng)"
_GLUED_AMOUNT = re.compile(r"(\d[\d.,]*) ?" + _CURRENCY)
_FEE_WORD = r"(?=Miễn phí|Không có thông tin)"
_BARE_TIME = re.compile(r"(\d+)" + _FEE_WORD)
_TEXT_TIME = re.compile(r"([^\d()]{1,200}?)" + _FEE_WORD)
_FEE = re.compile(r"Miễn phí|Không có thông tin|(\d[\d.,]*) ?" + _CURRENCY)
_VALID_AMOUNT = re.compile(r"[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d{0,2}(?:\.\d{3})+")
# An amount named in a note, e.g. "20.000 đồng", "135.000đ/lần", "2.000.000/lần".
_NOTE_AMOUNT = re.compile(
    r"(\d{1,3}(?:[.,]\d{3})+)\s*(?:đồng|đ\b|vnđ|/)|(?<![\d/])(\d{4,})\s*(?:đồng|đ\b|vnđ)", re.IGNORECASE
)
_FREE_NOTE = re.compile(r"(không|chưa quy định|miễn|a$)", re.IGNORECASE)


@dataclass(frozen=True)
class Row:
    channel: str
    time_text: str | None
    fee_text: str | None
    fee_note: str | None
    description: str | None
    glued: str | None = None  # digits of a bare time glued to the amount, e.g. "120" in "120 VNĐ"


def _balanced(text: str) -> int:
    """Length of the parenthesised group at the start of text (all of it when unbalanced)."""
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return i + 1
    return len(text)


def _head(rest: str) -> tuple[str | None, str, bool] | None:
    """(time cell, text after it, time is glued to the amount) or None when no row starts here."""
    if m := _TIME.match(rest):
        return m.group(0), rest[m.end() :], False
    if rest.startswith(NO_INFO):
        return None, rest[len(NO_INFO) :], False
    if m := _GLUED_AMOUNT.match(rest):
        return "", rest, True
    if m := _BARE_TIME.match(rest) or _TEXT_TIME.match(rest):
        time = m.group(1).strip()
        if not _ROW_START.search(time) and (time[0].isdigit() or time[0].isupper()):
            return time, rest[m.end() :], False
    return None


def split_rows(text: str) -> list[Row]:
    """The rows of a flattened `Hình thức nộp…` table."""
    body = text.removeprefix(CHANNEL_HEADER)
    starts: list[tuple[int, str, str | None, str, bool]] = []
    for m in _ROW_START.finditer(body):
        if head := _head(body[m.end() :]):
            starts.append((m.start(), m.group(1), *head))
    rows = []
    for i, (_, name, time, after, glued) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(body)
        cell = after[: len(after) - (len(body) - end)]
        fee = _FEE.match(cell)
        fee_text = fee.group(0) if fee else None
        cell = cell[fee.end() :] if fee else cell
        note = None
        if cell.startswith("("):
            size = _balanced(cell)
            note, cell = cell[1 : size - 1 if cell[size - 1] == ")" else size], cell[size:]
        glued_digits = None
        if glued and fee and fee.group(1):
            glued_digits, time = fee.group(1), None
        rows.append(Row(CHANNELS[name], time, fee_text, clean(note), clean(cell), glued_digits))
    return rows


def _note_amounts(note: str | None) -> set[int]:
    return {int(re.sub(r"\D", "", m.group(1) or m.group(2))) for m in _NOTE_AMOUNT.finditer(note or "")}


def split_glued(digits: str, note: str | None) -> tuple[str, str, bool]:
    """Split a bare time glued to an amount ("120" → "1", "20"): (time, amount, sure).

    Only splits leaving a well-formed amount count; among several, the one the note confirms
    wins, else the shortest time (a bare "1" is by far the commonest bare time).
    """
    named = _note_amounts(note)
    options = [(digits[:k], digits[k:]) for k in range(1, len(digits)) if digits[:k].isdigit()]
    options = [o for o in options if _VALID_AMOUNT.fullmatch(o[1])]
    if not options:
        return "", digits, False
    for time, amount in options:
        value = int(re.sub(r"\D", "", amount))
        if value in named or value * 1000 in named:
            return time, amount, True
    return options[0][0], options[0][1], len(options) == 1


_WORKING_DAYS = re.compile(r"ngày làm việc", re.IGNORECASE)
_OTHER_UNITS = re.compile(r"\d\s*(?:giờ|tháng)\b|ngày(?! làm việc)\s+(?:kể từ|từ)", re.IGNORECASE)


def _unit_said(number: int, text: str) -> str | None:
    said = re.search(
        rf"(?<!\d)0*{number}(?:\s*\([^)]*\))?\s*(ngày làm việc|ngày|giờ|tháng)", text, re.IGNORECASE
    )
    return UNITS[said.group(1).capitalize()] if said else None


def parse_time(
    text: str | None, description: str | None, steps: str = ""
) -> tuple[float | None, str | None, Issue | None]:
    """(amount, unit, issue) of a time cell.

    A bare number takes its unit from the row's description, else from the record's steps; "Ngày"
    becomes working days where the row's own description says so. A bare number whose unit no text
    gives keeps no unit: answers then say the time is not stated instead of printing the number.
    """
    if text is None:
        return None, None, None
    if m := _TIME.fullmatch(text):
        unit = UNITS[m.group(2)]
        if unit == "days" and _unit_said(int(float(m.group(1))), description or "") == "working_days":
            return float(m.group(1)), "working_days", Issue("time", "days → working days, as the row says", text, False)
        return float(m.group(1)), unit, None
    if text.isdigit():
        number = int(text)
        if said_unit := _unit_said(number, description or ""):
            return float(number), said_unit, Issue("time", "unit from the row's description", text, False)
        if said_unit := _unit_said(number, steps):
            return float(number), said_unit, Issue("time", "unit from the record's steps", text, False)
        said = description or ""
        if _WORKING_DAYS.search(said) and not _OTHER_UNITS.search(said):
            return float(number), "working_days", Issue("time", "working days, as the row says", text, False)
        return float(number), None, Issue("time", "number without unit, answered as not stated", text)
    return None, None, Issue("time", "not a duration", text)


def _free(note: str | None) -> bool:
    """Whether the note of a "Miễn phí" cell agrees that nothing is charged."""
    if not note:
        return True
    bare = note.strip(" ()-+.*").casefold()
    if _note_amounts(note) or not _FREE_NOTE.match(bare):
        return False
    # "Miễn lệ phí … đối với trường hợp …" is free only in some cases.
    return not (bare.startswith("miễn") and re.search(r"đối với|trường hợp", bare))


def parse_fee(row: Row, amount_text: str | None = None) -> tuple[int | None, Issue | None]:
    """Amount in đồng (0 when free, None when unknown) of a row's fee cell."""
    text, note = row.fee_text, row.fee_note
    if text is None:
        return None, Issue("fee", "fee cell not recognised", row.description or "")
    if text == NO_INFO:
        return None, None
    if text == "Miễn phí":
        if _free(note):
            return 0, None
        kind = (
            "'Miễn phí' but the note names an amount"
            if _note_amounts(note)
            else "'Miễn phí' but the note names a fee rule"
        )
        return None, Issue("fee", kind, f"{text}({note})")
    m = _FEE.fullmatch(text)
    assert m is not None and m.group(1)
    value = int(re.sub(r"\D", "", amount_text or m.group(1)))
    shown = f"{text}({note})" if note else text
    if m.group(2) == "USD":
        return None, Issue("fee", "amount not in đồng", shown)
    if 0 < value < 1000:
        if re.search(rf"(?<!\d){value}\s*USD", note or ""):
            return None, Issue("fee", "currency contradicts the note (USD)", shown)
        if value * 1000 in _note_amounts(note):
            return value * 1000, Issue("fee", "lost thousands, corrected from the note", shown, False)
        return None, Issue("fee", "implausible amount below 1,000 đồng", shown)
    return value, None


def parse_channels(text: str, steps: str = "") -> tuple[list[dict[str, Any]], list[Issue]]:
    """ChannelTerms-shaped dicts of the channel table, with the issues met."""
    issues: list[Issue] = []
    if not text.startswith(CHANNEL_HEADER):
        return [], [Issue("channels", "no channel table", clip(text))]
    rows = split_rows(text)
    if not rows:
        issues.append(Issue("channels", "no channel row recognised", clip(text[len(CHANNEL_HEADER) :])))
    out = []
    for row in rows:
        time_text, amount_text = row.time_text, None
        fee_text = row.fee_text
        if row.glued:
            time_text, amount_text, sure = split_glued(row.glued, row.fee_note)
            fee_text = amount_text + (row.fee_text or "")[len(row.glued) :]
            if not sure:
                issues.append(Issue("time", "time glued to the amount, split guessed", row.fee_text or ""))
        days, unit, time_issue = parse_time(time_text or None, row.description, steps)
        fee, fee_issue = parse_fee(row, amount_text)
        issues += [i for i in (time_issue, fee_issue) if i]
        out.append(
            {
                "channel": row.channel,
                "time_text": time_text or None,
                "time_days": days,
                "time_unit": unit,
                "fee_text": fee_text,
                "fee_amount": fee,
                "fee_note": row.fee_note,
                "description": row.description,
            }
        )
    return out, issues
