"""Staff exports of survey responses, XLSX or CSV, and the index accumulated while the rows stream past.

The rows come from :mod:`bot.features.surveys.export_rows` (one streamed query, constant
memory). The figures of the SIPAS and QĐ 766 sheets are counted on the way, but in bulk:
each row only adds a few keys to counters, and the tallies are built once from the counts
at the end (a Tally per row and per grouping was a fifth of the export's time).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.surveys.export_rows import (
    PAGE,
    ExportRequest,
    Row,
    count_rows,
    iter_rows,
    iter_tickets,
    local,
    neutralise,
    response_columns,
    ticket_columns,
)
from bot.features.surveys.models import ExportAudit
from bot.storage.db import private_file
from surveys.definitions import SurveyForm
from surveys.index import Method, Ratio766, Tally

__all__ = [  # the export's one entry point for its callers, rows and columns included
    "PAGE", "Aggregates", "ExportRequest", "ExportResult", "Format", "Row", "count_rows", "counted_rows",
    "delete_old_exports", "export", "iter_rows", "iter_tickets", "local", "neutralise", "record_audit",
    "response_columns", "ticket_columns",
]

Format = Literal["xlsx", "csv"]
EXPORT_FILE_DAYS = 7  # XLSX files made in chat (/xuatbaocao) are deleted after this (surveys purge)


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


# -- writing -------------------------------------------------------------------------------------------


async def export(
    session: AsyncSession,
    form: SurveyForm,
    req: ExportRequest,
    fmt: Format,
    out: Path,
    *,
    method: Method = "satisfied_share",
    names: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the export; ``progress`` is called with the number of rows written since the last call."""
    out.parent.mkdir(parents=True, exist_ok=True)
    private_file(out)  # personal data: 0600 before a byte is written
    names = names or {}
    if fmt == "csv":
        return await _csv(session, form, req, out, names, progress)
    from bot.features.surveys.export_xlsx import write_xlsx

    return await write_xlsx(session, form, req, out, method=method, names=names, progress=progress)


async def _csv(
    session: AsyncSession, form: SurveyForm, req: ExportRequest, out: Path, names: Mapping[str, str],
    progress: Callable[[int], None] | None,
) -> ExportResult:
    header, cells = response_columns(form, req.anonymous, names)
    agg, n = Aggregates(), 0
    # utf-8-sig: the BOM makes Excel read Vietnamese correctly.
    with out.open("w", encoding="utf-8-sig", newline="") as f:  # truncates, keeps the 0600 mode
        writer = csv.writer(f)
        writer.writerow(header)
        async for page in counted_rows(session, req, form, agg, progress):
            writer.writerows(["" if v is None else v for v in cells(row)] for row in page)
            n += len(page)
    return ExportResult(n, 0, out, agg)


def delete_old_exports(directory: Path, older_than: dt.timedelta, now: dt.datetime) -> int:
    """Files made for staff in chat hold personal data too: they are kept only as long as needed to send them."""
    if not directory.is_dir():
        return 0
    cutoff = (now - older_than).timestamp()
    removed = 0
    for path in directory.glob("sipas_*.xlsx"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


async def record_audit(
    session: AsyncSession, *, actor: str, via: str, req: ExportRequest, fmt: str, result: ExportResult, at: dt.datetime
) -> None:
    session.add(ExportAudit(
        actor=actor[:120], via=via, at=at, filters=req.filters(), format=fmt, anonymous=req.anonymous,
        rows=result.rows, tickets=result.tickets, file_name=result.path.name[:255],
    ))
    await session.flush()
