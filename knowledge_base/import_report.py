"""The import report: counts, the share of per-channel times and fees parsed, and per field the
values that could not be parsed, with a few examples. Deterministic, so it can be committed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from knowledge_base.record_parsing import Issue, clip
from knowledge_base.schema import Procedure

EXAMPLES = 3


def _share(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.1f}%)" if whole else str(part)


def _channel_lines(entries: list[Procedure]) -> list[str]:
    rows = [c for e in entries for c in e.channels]
    stated_time = [c for c in rows if c.time_text is not None]
    stated_fee = [c for c in rows if c.fee_text not in (None, "Không có thông tin")]
    time_ok = sum(1 for c in stated_time if c.time_days is not None and c.time_unit is not None)
    fee_ok = sum(1 for c in stated_fee if c.fee_amount is not None)
    free = sum(1 for c in rows if c.fee_amount == 0)
    return [
        f"per-channel rows:  {len(rows)} in {sum(1 for e in entries if e.channels)} entries",
        f"  time stated:     {len(stated_time)} (the rest say 'Không có thông tin')",
        f"    parsed (amount and unit): {_share(time_ok, len(stated_time))}"
        f" = {_share(time_ok, len(rows))} of all rows",
        f"  fee stated:      {len(stated_fee)} (the rest say 'Không có thông tin' → unknown)",
        f"    parsed (amount in đồng): {_share(fee_ok, len(stated_fee))}"
        f" = {_share(fee_ok, len(rows))} of all rows; free: {free}",
    ]


def _dated_lines(entries: list[Procedure], day: dt.date | None) -> list[str]:
    """The numbers behind "every fact as it stands today": dated rates and times with units."""
    rows = [c for e in entries for c in e.channels]
    dated = [c for c in rows if c.fee_rates]
    on = day or dt.date.today()
    current = sum(1 for c in dated if c.rate_on(on))
    ended = sum(1 for c in dated if any(r.end and r.end < on for r in c.fee_rates))
    unknown = [c for c in dated if c.fee_amount is None]
    timed = [c for c in rows if c.time_days is not None]
    return [
        f"dated fee rates (read from the portal's notes): {len(dated)} rows in "
        f"{sum(1 for e in entries if any(c.fee_rates for c in e.channels))} entries",
        f"  in force on {on.isoformat()}: {current}; ended before it (never shown as current): {ended}",
        f"  standing fee unknown after the rate ends (answered as 'see the source'): {len(unknown)}",
        f"time rows with an amount: {len(timed)}",
        f"  with a unit: {sum(1 for c in timed if c.time_unit)}; "
        f"in working days: {sum(1 for c in timed if c.time_unit == 'working_days')}",
        f"  no unit in any text (answered as 'not stated'): {sum(1 for c in timed if not c.time_unit)}",
    ]


def _issue_lines(issues: list[tuple[str, Issue]], failed: bool) -> list[str]:
    grouped: dict[str, dict[str, list[tuple[str, Issue]]]] = defaultdict(lambda: defaultdict(list))
    for code, issue in issues:
        if issue.failed == failed:
            grouped[issue.field][issue.kind].append((code, issue))
    lines = []
    for name in sorted(grouped):
        kinds = grouped[name]
        lines.append(f"  {name}: {sum(len(v) for v in kinds.values())}")
        for kind, items in sorted(kinds.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            lines.append(f"    {kind}: {len(items)}")
            shown: set[str] = set()
            for code, issue in items:
                if len(shown) < EXAMPLES and issue.text not in shown:
                    shown.add(issue.text)
                    lines.append(f"      {code}: {clip(issue.text, 140)}")
    return lines or ["  none"]


def render_report(
    read: int,
    entries: list[Procedure],
    skipped: list[tuple[str, str]],
    issues: list[tuple[str, Issue]],
    day: dt.date | None,
) -> str:
    lines = [
        f"National procedure import ({day.isoformat() if day else 'no date'})",
        f"records read:      {read}",
        f"entries written:   {len(entries)}",
        f"records skipped:   {len(skipped)}",
    ]
    lines += [f"  {name}: {reason}" for name, reason in sorted(skipped)]
    lines += _channel_lines(entries)
    lines += _dated_lines(entries, day)
    lines.append("values not parsed, by field (unknown in the output, or kept as found):")
    lines += _issue_lines(issues, failed=True)
    lines.append("values corrected while parsing:")
    lines += _issue_lines(issues, failed=False)
    return "\n".join(lines) + "\n"
