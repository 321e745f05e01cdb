"""Realistic sample dossiers for trying the lookup in the terminal (`python -m bot dossiers demo`).

The codes and phone digits are documented in README.md ("Dossiers"). Receipt
dates are fixed (they are part of the codes); appointment dates follow the day
the demo is loaded, so "in progress" stays in progress and the late one is late.
Running it again resets the sample dossiers to this state (a change, like any import).
"""

from __future__ import annotations

import datetime as dt

from bot.features.dossiers.fields import mask_name
from bot.features.dossiers.importer import Record

PROVINCE = "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh"
BAI_CHAY = "Trung tâm Phục vụ hành chính công phường Bãi Cháy"
HONG_GAI = "Trung tâm Phục vụ hành chính công phường Hồng Gai"

# code, procedure, status, applicant, last 4 phone digits, received, unit,
# appointment (days from today, or a fixed date), completed (fixed date or None)
_SAMPLES: list[tuple[str, str, int, str, str, str, str, int | str | None, str | None]] = [
    ("000.00.27.H49-261120-0031", "1.012783", 4, "Nguyễn Văn An", "6789", "2026-11-20 08:15", PROVINCE, 6, None),
    ("000.00.27.H49-261110-0012", "1.013225", 4, "Trần Thị Bình", "2468", "2026-11-10 09:40", PROVINCE, -2, None),
    ("000.21.27.H49-261124-0007", "1.000894", 2, "Lê Minh Châu", "1357", "2026-11-24 14:05", BAI_CHAY, 3, None),
    ("000.21.27.H49-261125-0019", "1.004884", 5, "Phạm Quốc Dũng", "4321", "2026-11-25 10:30", BAI_CHAY, 8, None),
    ("000.00.27.H49-261118-0044", "1.013978", 6, "Hoàng Thị Giang", "8642", "2026-11-18 15:20", PROVINCE, 12, None),
    ("000.22.27.H49-261126-0003", "1.001193", 9, "Vũ Đức Hải", "9753", "2026-11-26 08:05", HONG_GAI,
     "2026-11-27 16:00", "2026-11-27 10:00"),
    ("000.00.27.H49-251120-0031", "1.004873", 10, "Đặng Thu Hà", "1122", "2025-11-20 08:30", HONG_GAI,
     "2025-11-27 16:00", "2025-11-26 15:00"),
    ("000.00.27.H49-261127-0101", "1.001612", 1, "Bùi Văn Khánh", "3344", "2026-11-27 21:12", PROVINCE, None, None),
    ("000.22.27.H49-261119-0021", "1.004859", 3, "Ngô Thị Lan", "5566", "2026-11-19 09:00", HONG_GAI, None, None),
    ("000.00.27.H49-261105-0077", "1.012784", 7, "Đỗ Văn Minh", "7788", "2026-11-05 13:45", PROVINCE, None, None),
    ("000.21.27.H49-261030-0150", "1.001266", 8, "Lý Thị Ngọc", "9900", "2026-10-30 10:10", BAI_CHAY, None, None),
    ("H49.27-261124-0145", "3.000333", 4, "Trịnh Văn Phúc", "2020", "2026-11-24 11:00", PROVINCE, 5, None),
]


def _when(value: int | str | None, today: dt.date) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, int):
        day = today + dt.timedelta(days=value)
        return dt.datetime(day.year, day.month, day.day, 16, 0)
    return dt.datetime.fromisoformat(value)


def records(today: dt.date) -> list[Record]:
    """The sample dossiers, with appointments relative to ``today``."""
    return [
        Record(
            code=code,
            procedure_code=procedure,
            status=status,
            applicant_masked=mask_name(name),
            last4=last4,
            received_at=dt.datetime.fromisoformat(received),
            appointment_at=_when(appointment, today),
            completed_at=_when(completed, today),
            unit=unit,
        )
        for code, procedure, status, name, last4, received, unit, appointment, completed in _SAMPLES
    ]


def table(today: dt.date) -> str:
    """What was loaded: code, phone digits, status — for the person trying the demo."""
    from bot.features.dossiers.fields import STATUS_LABELS

    lines = [f"{'code':<28} {'digits':<6} status"]
    for r in records(today):
        lines.append(f"{r.code:<28} {r.last4:<6} {r.status} {STATUS_LABELS[r.status]}")
    return "\n".join(lines)
