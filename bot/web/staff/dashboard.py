"""The dashboard's figures, aggregated in SQL: the same filters and the same index code as the XLSX export.

Counts come from ``GROUP BY`` queries (a few dozen rows whatever the number of
responses) and go through ``surveys.index.compute``, the function the export's SIPAS
sheet uses, so a figure on the page and the file's figure for the same filter agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import distinct, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.models import Dossier
from bot.features.surveys.models import FeedbackTicket, SurveyAnswer, SurveyInvitation, SurveyResponse
from bot.features.surveys.stats import _submitted, month_start, utc_bounds
from bot.ops.logs import mask
from bot.web.staff.dashboard_filters import Filters, parse_filters
from bot.web.staff.filter_lists import choices
from surveys.definitions import SurveyForm
from surveys.index import Method, Ratio766, SipasIndex, Tally, compute

__all__ = ["Dashboard", "Filters", "build", "choices", "parse_filters"]  # what the console pages use

MAX_MONTHS = 24
LOWEST = 5
COMMENTS = 10


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    responses: int
    index: float | None


@dataclass(frozen=True)
class MonthPoint:
    month: str  # YYYY-MM
    responses: int
    index: float | None
    ratio: float | None


@dataclass(frozen=True)
class Distribution:
    question: str
    answers: list[tuple[str, int]]
    total: int


@dataclass
class Dashboard:
    filters: Filters
    form: SurveyForm
    index: SipasIndex
    ratio: Ratio766
    tickets: int
    invited: int
    trend: list[MonthPoint] = field(default_factory=list)
    lowest_procedures: list[Group] = field(default_factory=list)
    lowest_units: list[Group] = field(default_factory=list)
    distribution: list[Distribution] = field(default_factory=list)
    comments: list[tuple[dt.date, str, str]] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        return 100.0 * self.index.responses / self.invited if self.invited else None


async def _invited(session: AsyncSession, f: Filters) -> int:
    """Dossiers invited in the period (one dossier may be invited in several chats)."""
    lo, hi = utc_bounds(f.start, f.end)
    stmt = (select(func.count(distinct(SurveyInvitation.dossier_id)))
            .join(Dossier, Dossier.id == SurveyInvitation.dossier_id)
            .where(SurveyInvitation.created_at >= lo, SurveyInvitation.created_at < hi))
    if f.unit:
        stmt = stmt.where(Dossier.unit == f.unit)
    if f.procedure:
        stmt = stmt.where(Dossier.procedure_code == f.procedure)
    return int((await session.execute(stmt)).scalar_one())


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    spans: list[tuple[dt.date, dt.date]] = []
    m = month_start(start)
    while m <= end and len(spans) < MAX_MONTHS:
        nxt = (m + dt.timedelta(days=32)).replace(day=1)
        spans.append((max(m, start), min(nxt - dt.timedelta(days=1), end)))
        m = nxt
    return spans


def _month_of(session: AsyncSession) -> Any:
    """The Vietnam calendar month (YYYY-MM) of submission, in SQL (UTC+7 all year: no daylight saving)."""
    at = SurveyResponse.submitted_at
    if session.bind.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Ho_Chi_Minh", at), "YYYY-MM")
    return func.strftime("%Y-%m", at, "+7 hours")


def _merge(into: Tally, other: Tally) -> None:
    into.responses += other.responses
    for qid, counter in other.counts.items():
        for value, n in counter.items():
            into.add(qid, value, n)


def _merge_ratio(into: Ratio766, other: Ratio766) -> None:
    for name in ("rated", "dissatisfied", "with_complaint", "late", "counted_against"):
        setattr(into, name, getattr(into, name) + getattr(other, name))


Key = tuple[str, str, str]  # month, procedure, unit


async def _cube(session: AsyncSession, form: SurveyForm, f: Filters) -> tuple[dict[Key, Tally], dict[str, Ratio766]]:
    """Counts by (month, procedure, unit) in three GROUP BY queries; every figure of the page is a sum of them."""
    month = _month_of(session)
    proc, unit = SurveyResponse.procedure_code, SurveyResponse.unit
    where = _submitted(form, f.start, f.end, f.unit, f.procedure)
    cube: dict[Key, Tally] = {}
    for m, p, u, n in (await session.execute(
        select(month, proc, unit, func.count()).select_from(SurveyResponse).where(*where).group_by(month, proc, unit)
    )).all():
        cube[(m, p or "", u or "")] = Tally(responses=int(n))
    closed = [q.id for q in form.questions if q.type == "scale"]
    for m, p, u, qid, value, n in (await session.execute(
        select(month, proc, unit, SurveyAnswer.question_id, SurveyAnswer.value, func.count())
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(*where, SurveyAnswer.question_id.in_(closed))
        .group_by(month, proc, unit, SurveyAnswer.question_id, SurveyAnswer.value)
    )).all():
        cube.setdefault((m, p or "", u or ""), Tally()).add(qid, value, int(n))
    ratios: dict[str, Ratio766] = {}
    rating = form.rating_question
    if rating is not None:
        complaint = exists().where(FeedbackTicket.response_id == SurveyResponse.id).label("complaint")
        for m, value, late, has_ticket, n in (await session.execute(
            select(month, SurveyAnswer.value, SurveyResponse.late, complaint, func.count())
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(*where, SurveyAnswer.question_id == rating.id)
            .group_by(month, SurveyAnswer.value, SurveyResponse.late, complaint)
        )).all():
            ratios.setdefault(m, Ratio766()).add(form, {rating.id: value}, complaint=bool(has_ticket),
                                                 late=bool(late), n=int(n))
    return cube, ratios


def _lowest(form: SurveyForm, tallies: Mapping[str, Tally], method: Method, names: Mapping[str, str]) -> list[Group]:
    groups = [Group(k, names.get(k, k) or "(không rõ)", t.responses, compute(form, t, method).overall.value)
              for k, t in tallies.items()]
    groups.sort(key=lambda g: (g.index is None, g.index if g.index is not None else 0.0, -g.responses))
    return groups[:LOWEST]


async def _tickets(session: AsyncSession, f: Filters) -> int:
    lo, hi = utc_bounds(f.start, f.end)
    stmt = select(func.count()).select_from(FeedbackTicket).where(FeedbackTicket.created_at >= lo,
                                                                 FeedbackTicket.created_at < hi)
    if f.unit:
        stmt = stmt.where(FeedbackTicket.unit == f.unit)
    return int((await session.execute(stmt)).scalar_one())


Cube = tuple[dict[Key, Tally], dict[str, Ratio766]]
_CACHE: dict[tuple[Any, ...], tuple[tuple[Any, ...], Cube]] = {}
CACHE_SIZE = 64


async def _signature(session: AsyncSession, form: SurveyForm, f: Filters) -> tuple[Any, ...]:
    """What changes when past days' counts could change: responses deleted or added, tickets linked."""
    where = _submitted(form, f.start, f.end, f.unit, f.procedure)
    # The last write time too: a store that reuses ids (SQLite after deleting the highest) could
    # otherwise bring back the same count and last id with other rows (the demo's reset does).
    count, last, written = (await session.execute(
        select(func.count(), func.max(SurveyResponse.id), func.max(SurveyResponse.updated_at))
        .select_from(SurveyResponse).where(*where))).one()
    linked = (await session.execute(select(func.count()).select_from(FeedbackTicket)
                                    .where(FeedbackTicket.response_id.is_not(None)))).scalar_one()
    return int(count), last, str(written), int(linked)


async def _parts(session: AsyncSession, form: SurveyForm, f: Filters, today: dt.date) -> list[Cube]:
    """Days before today, from a cache checked against a cheap signature; today, always counted afresh.

    A submitted response never changes (its time, answers and flags are fixed at submission), so
    the counts of past days only change when responses are removed or added there (the demo, a
    test), or a ticket is linked to one; the signature catches each of these.
    """
    past_end = min(f.end, today - dt.timedelta(days=1))
    if past_end < f.start:
        return [await _cube(session, form, f)]
    past = Filters(f.start, past_end, f.form, f.unit, f.procedure)
    key = (str(getattr(session.bind, "url", "")), form.id, form.version, past)
    signature = await _signature(session, form, past)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == signature:
        cached = hit[1]
    else:
        cached = await _cube(session, form, past)
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (signature, cached)
    if f.end < today:
        return [cached]
    return [cached, await _cube(session, form, Filters(today, f.end, f.form, f.unit, f.procedure))]


async def build(session: AsyncSession, form: SurveyForm, f: Filters, method: Method,
                names: Mapping[str, str], today: dt.date | None = None) -> Dashboard:
    parts = await _parts(session, form, f, today or f.end)
    overall, ratio = Tally(), Ratio766()
    months = {f"{lo:%Y-%m}": Tally() for lo, _ in _months(f.start, f.end)}
    month_ratios: dict[str, Ratio766] = {}
    by_proc: dict[str, Tally] = {}
    by_unit: dict[str, Tally] = {}
    for cube, ratios in parts:
        for (m, p, u), t in cube.items():
            _merge(overall, t)
            _merge(months.setdefault(m, Tally()), t)
            _merge(by_proc.setdefault(p, Tally()), t)
            _merge(by_unit.setdefault(u, Tally()), t)
        for m, r in ratios.items():
            _merge_ratio(ratio, r)
            _merge_ratio(month_ratios.setdefault(m, Ratio766()), r)
    ratios = month_ratios
    board = Dashboard(f, form, compute(form, overall, method), ratio, await _tickets(session, f),
                      await _invited(session, f))
    for m in sorted(months):
        idx = compute(form, months[m], method)
        board.trend.append(MonthPoint(m, idx.responses, idx.overall.value, ratios.get(m, Ratio766()).percent))
    board.lowest_procedures = _lowest(form, by_proc, method, names)
    board.lowest_units = _lowest(form, by_unit, method, {})
    counts = overall
    for q in form.questions:
        scale = form.scale_of(q)
        if scale is None:
            continue
        got: Mapping[str, int] = counts.counts.get(q.id, {})
        answers = [(c.label, int(got.get(c.value, 0))) for c in scale.choices]
        board.distribution.append(Distribution(q.short, answers, sum(n for _, n in answers)))
    text_ids = [q.id for q in form.questions if q.type == "text"]
    if text_ids:
        rows = await session.execute(
            select(SurveyResponse.submitted_at, SurveyResponse.procedure_code, SurveyAnswer.value)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(*_submitted(form, f.start, f.end, f.unit, f.procedure), SurveyAnswer.question_id.in_(text_ids))
            .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc()).limit(COMMENTS)
        )
        from bot.features.surveys.export import local

        board.comments = [(local(at).date(), names.get(code or "", code or ""), mask(text)[:500])
                          for at, code, text in rows.all()]
    return board
