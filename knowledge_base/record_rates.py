"""Dated fee rates in the portal's notes: "25.000đ/tem (áp dụng đến hết ngày 31/12/2026 theo Thông tư
số 64/2025/TT-BTC)", "áp dụng mức phí 400.000 đồng/hồ sơ kể từ ngày 01/7/2025 đến hết ngày 31/12/2026".

A note names a temporary amount, the last day it applies, often its first day and its legal basis.
The row's stored amount is either the standing fee (the temporary one applies beside it) or the
temporary amount itself; then the standing fee is the note's other, undated amount, or unknown.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from knowledge_base.record_parsing import Issue, clip

_DATE = r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})|(\d{1,2}) tháng (\d{1,2}) năm (\d{4})"
_END = re.compile(r"đến hết(?: ngày)?\s*(?:" + _DATE + ")", re.IGNORECASE)
_START = re.compile(r"từ(?: ngày)?\s*(?:" + _DATE + ")", re.IGNORECASE)
_AMOUNT = re.compile(
    r"(\d{1,3}(?:[.,]\d{3})+)\s*(?:đồng|đ\b|vnđ|/)|(?<![\d/])(\d{4,})\s*(?:đồng|đ\b|vnđ)", re.IGNORECASE
)
_MILLIONS = re.compile(r"(?<![\d.,])(\d{1,3})\s*triệu đồng", re.IGNORECASE)  # "06 triệu đồng/Giấy chứng nhận"
_PERCENT = re.compile(r"(\d{1,3})\s*%")
_BASIS = re.compile(
    r"(Thông tư|Nghị định|Nghị quyết|Quyết định)(?: số)?\s*(\d+[\w.]*/\d{4}/[A-ZĐa-zđ0-9-]+)"
)


@dataclass
class NoteRates:
    """What a note says about dated rates, for one row."""

    rates: list[dict[str, Any]] = field(default_factory=list)
    standing: int | None = None  # the standing amount to store
    stored_was_temporary: bool = False  # the row stored the temporary amount as its fee
    standing_from_note: bool = False  # the cell gave no amount; the note's undated one is used
    issue: Issue | None = None


def _date(m: re.Match[str]) -> dt.date | None:
    groups = [g for g in m.groups() if g is not None][:3]
    try:
        day, month, year = (int(g) for g in groups)
        return dt.date(year, month, day)
    except ValueError:
        return None


def _amounts(text: str) -> list[tuple[int, int]]:
    """(position, amount) of every amount named in text."""
    found = [(m.start(), int(re.sub(r"\D", "", m.group(1) or m.group(2)))) for m in _AMOUNT.finditer(text)]
    found += [(m.start(), int(m.group(1)) * 1_000_000) for m in _MILLIONS.finditer(text)]
    return sorted(found)


def read_rates(note: str | None, stored: int | None) -> NoteRates:
    """The dated rates of a fee note, given the amount the row stored (None when unknown)."""
    out = NoteRates(standing=stored)
    ends = list(_END.finditer(note or ""))
    if not note or not ends:
        return out
    amounts = _amounts(note)
    dated: set[int] = set()
    previous_end = 0
    for m in ends:
        end = _date(m)
        window = note[previous_end : m.start()]
        # An amount followed by its own legal basis is another rate ("- 50.000đ (Thông tư 25/2021…).
        # - 25.000đ (áp dụng đến hết …)"): the dated rate's amounts come after the last such basis.
        cut = max((b.end() for b in _BASIS.finditer(window)), default=0)
        lo = previous_end + cut
        segment = [(pos, value) for pos, value in amounts if lo <= pos < m.start()]
        starts = list(_START.finditer(window))
        after: str | None = None
        gap = note[segment[-1][0] if segment else lo : previous_end + starts[-1].start()] if starts else ""
        if starts and (not segment or re.search(r"[.;]\s", gap)):
            # "70.000 đồng/thẻ. Kể từ ngày 01/01/2025 đến hết ngày 31/12/2025, mức thu … bằng 50%":
            # the period comes first and the amount or share after it.
            nxt = next((e.start() for e in ends if e.start() > m.end()), len(note))
            tail = note[m.end() : min(nxt, m.end() + 240)]
            named = [(pos, value) for pos, value in amounts if m.end() <= pos < m.end() + len(tail)]
            if named or _PERCENT.search(tail):
                after, segment = tail, named
        values = [value for _, value in segment]
        amount: int | None = stored if stored in values else (values[0] if values else None)
        dated.update(pos for pos, _ in segment)
        if amount is None and (pct := _PERCENT.search(after or window)) and stored:
            amount = stored * int(pct.group(1)) // 100
        wording = clip(re.sub(r"[\s(]*(?:áp dụng|kể từ|từ ngày).*$", "", note[lo : m.start()]).strip(" -+(.;"), 160)
        cases = wording if len(set(values)) > 1 else None
        start_m = starts
        # "(áp dụng đến hết … theo Thông tư …)", else the nearest one named before the period.
        basis_m = _BASIS.search(note, m.end(), m.end() + 160) or next(reversed(list(_BASIS.finditer(window))), None)
        previous_end = m.end()
        if end is None or amount is None:
            out.issue = Issue("fee", "dated rate not readable, left as see the source", clip(note, 140))
            continue
        out.rates.append(
            {
                "amount": amount,
                "text": cases,
                "start": _date(start_m[-1]) if start_m else None,
                "end": end,
                "basis": f"{basis_m.group(1)} {basis_m.group(2)}" if basis_m else None,
            }
        )
    temporary = {r["amount"] for r in out.rates}
    undated = {value for pos, value in amounts if pos not in dated and value not in temporary}
    if stored is None and out.rates and len(undated) == 1:
        # "Miễn phí(- Lệ phí: 135.000 đồng/lần. - Trực tuyến: kể từ … đến hết …, 115.000 đồng)":
        # the cell lost the amount; the note's one undated amount is the standing fee.
        out.standing = undated.pop()
        out.standing_from_note = True
    elif stored is not None and stored in temporary:
        out.stored_was_temporary = True
        out.standing = undated.pop() if len(undated) == 1 else None
    return out


def date_rows(channels: list[dict[str, Any]]) -> list[Issue]:
    """Give each parsed channel row the dated rates of its note (in place); the issues met."""
    issues: list[Issue] = []
    for row in channels:
        dated = read_rates(row.get("fee_note"), row.get("fee_amount"))
        row["fee_amount"], row["fee_rates"] = dated.standing, dated.rates
        if dated.rates:
            issues.append(Issue("fee", "dated rate read from the note", clip(row["fee_note"], 140), False))
        if dated.stored_was_temporary:
            kept = dated.standing is not None
            kind = "standing fee from the note" if kept else "standing fee left as see the source"
            issues.append(Issue("fee", f"stored a temporary rate; {kind}", clip(row["fee_note"], 140), not kept))
        if dated.standing_from_note:
            kind = "no amount in the cell; standing fee from the note"
            issues.append(Issue("fee", kind, clip(row["fee_note"], 140), False))
        if dated.issue:
            issues.append(dated.issue)
    return issues
