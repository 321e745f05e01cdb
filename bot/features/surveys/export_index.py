"""The SIPAS and QĐ 766 figures of an export, counted while its rows stream past.

Counted in bulk: each page of rows only adds a few keys to counters, and the tallies are
built once from the counts at the end (a Tally per row and per grouping was a fifth of the
export's time). The CSV and XLSX writers both read their rows through :func:`counted_rows`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.surveys.export_rows import PAGE, ExportRequest, Row, iter_rows
from surveys.definitions import SurveyForm
from surveys.index import Ratio766, Tally


@dataclass
class Aggregates:
    """Everything the SIPAS and QĐ 766 sheets need, accumulated while rows stream past."""

    overall: Tally = field(default_factory=Tally)
    by_procedure: dict[str, Tally] = field(default_factory=dict)
    by_month: dict[str, Tally] = field(default_factory=dict)
    ratio: Ratio766 = field(default_factory=Ratio766)


@dataclass(frozen=True)
class ExportResult:
    rows: int
    tickets: int
    path: Path
    aggregates: Aggregates


class RunningIndex:
    """Counts by kind (answers, responses, rating flags), keyed by procedure and month; folded into tallies once."""

    def __init__(self, form: SurveyForm) -> None:
        self._form = form
        self._closed = frozenset(q.id for q in form.questions if q.type == "scale")  # free text is never counted
        rating = form.rating_question
        self._rating = rating.id if rating is not None and rating.id in self._closed else None
        # question → ((procedure, month), value) → count; value None (not answered) is left out at the end
        self.answers: dict[str, Counter[tuple[tuple[str, str], str | None]]] = {q: Counter() for q in self._closed}
        self.responses: Counter[tuple[str, str]] = Counter()  # procedure, month
        self.rated: Counter[tuple[str, bool, bool]] = Counter()  # rating value, complaint, late

    def add(self, rows: list[Row]) -> None:
        """One page: a column of keys per question, counted by Counter.update in C rather than per answer."""
        groups = [(row.procedure_code or "", f"{row.submitted_at.year}-{row.submitted_at.month:02d}") for row in rows]
        self.responses.update(groups)
        for q in self._closed:
            self.answers[q].update(zip(groups, [row.answers.get(q) for row in rows], strict=True))
        if self._rating is not None:
            rating = self._rating
            self.rated.update((row.answers[rating], row.complaint, row.late) for row in rows if rating in row.answers)

    def into(self, agg: Aggregates) -> None:
        def tallies(proc: str, month: str) -> tuple[Tally, ...]:
            return (agg.overall, agg.by_procedure.setdefault(proc, Tally()), agg.by_month.setdefault(month, Tally()))

        for (proc, month), n in self.responses.items():
            for tally in tallies(proc, month):
                tally.responses += n
        for q, counts in self.answers.items():
            for ((proc, month), v), n in counts.items():
                if v is not None:
                    for tally in tallies(proc, month):
                        tally.add(q, v, n)
        if self._rating is not None:
            for (value, complaint, late), n in self.rated.items():
                agg.ratio.add(self._form, {self._rating: value}, complaint=complaint, late=late, n=n)


async def counted_rows(
    session: AsyncSession, req: ExportRequest, form: SurveyForm, agg: Aggregates,
    progress: Callable[[int], None] | None,
) -> AsyncIterator[list[Row]]:
    """The responses to export a page at a time, counted into ``agg`` (complete once the last page is out)."""
    running = RunningIndex(form)
    page: list[Row] = []
    async for row in iter_rows(session, req, [q.id for q in form.questions]):
        page.append(row)
        if len(page) == PAGE:
            running.add(page)
            yield page
            if progress:
                progress(len(page))
            page = []
    if page:
        running.add(page)
        yield page
        if progress:
            progress(len(page))
    running.into(agg)
