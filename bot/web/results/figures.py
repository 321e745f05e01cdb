"""Published SIPAS figures per period: the same counting and index as /ketqua, withheld below the minimum.

Nothing personal leaves here: only counts and percentages of periods with at least
``surveys.min_published`` submitted responses, and of elements answered that often.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.surveys.service import SurveyService
from bot.features.surveys.stats import month_start, period_counts, quarter_label, quarter_start
from surveys.index import METHOD_LABELS, compute


@dataclass(frozen=True)
class Published:
    label: str
    start: dt.date
    end: dt.date
    responses: int
    published: bool  # False: fewer responses than the minimum, nothing else is shown
    elements: list[tuple[str, str, float | None]]  # (id, name, value or None when withheld)
    overall: float | None
    satisfaction: float | None  # QĐ 766 ratio

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "responses": self.responses if self.published else None, "published": self.published,
            "elements": [{"id": i, "name": n, "value": _r(v)} for i, n, v in self.elements],
            "overall": _r(self.overall), "satisfaction": _r(self.satisfaction),
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def months_back(today: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """The last ``count`` calendar months, oldest first; the current one ends today."""
    out: list[tuple[dt.date, dt.date]] = []
    start = month_start(today)
    end = today
    for _ in range(count):
        out.append((start, end))
        end = start - dt.timedelta(days=1)
        start = month_start(end)
    return out[::-1]


async def period(svc: SurveyService, session: AsyncSession, label: str, start: dt.date, end: dt.date) -> Published:
    form, minimum = svc.form, svc.settings.min_published
    counts = await period_counts(session, form, start, end)
    index = compute(form, counts.tally, svc.settings.index_method)
    if index.responses < minimum:
        return Published(label, start, end, index.responses, False, [], None, None)
    elements = [
        (e.id, e.name, index.elements[e.id].value if index.elements[e.id].n >= minimum else None)
        for e in form.elements
    ]
    return Published(label, start, end, index.responses, True, elements, index.overall.value, counts.ratio.percent)


async def monthly(svc: SurveyService, session: AsyncSession, months: int = 12) -> list[Published]:
    return [await period(svc, session, f"{s:%m/%Y}", s, e) for s, e in months_back(svc.today(), months)]


async def this_quarter(svc: SurveyService, session: AsyncSession) -> Published:
    """The period /ketqua answers for: this quarter up to today."""
    today = svc.today()
    return await period(svc, session, quarter_label(today), quarter_start(today), today)


def method_label(svc: SurveyService) -> str:
    return METHOD_LABELS[svc.settings.index_method]
