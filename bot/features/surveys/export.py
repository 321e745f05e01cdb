"""Staff exports of survey responses: rows streamed page by page (constant memory), XLSX or CSV.

Pages are read by key (id > last id), so 100,000 responses never sit in memory at
once, and the index is accumulated on the way. Every text cell that a spreadsheet
could take for a formula (= + - @ tab, carriage return) is neutralised with a
leading apostrophe. The anonymous variant leaves out what identifies a person: the
chat, the dossier code, the response id, free text, and the time of day.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import VN_TZ, as_utc
from bot.features.dossiers.models import Dossier
from bot.features.surveys.models import ExportAudit, FeedbackTicket, SurveyAnswer, SurveyResponse
from bot.features.surveys.stats import utc_bounds
from bot.storage.db import private_file
from surveys.definitions import Question, SurveyForm
from surveys.index import Method, Ratio766, Tally

Format = Literal["xlsx", "csv"]
PAGE = 2000
EXPORT_FILE_DAYS = 7  # XLSX files made in chat (/xuatbaocao) are deleted after this (surveys purge)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula becomes plain text; other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportRequest:
    start: dt.date
    end: dt.date  # inclusive, Vietnam calendar days of submission
    form: str
    unit: str | None = None
    anonymous: bool = False
    procedure: str | None = None  # national procedure code (the staff console's filter)

    def filters(self) -> dict[str, object]:
        found: dict[str, object] = {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "form": self.form, "unit": self.unit,
            "anonymous": self.anonymous,
        }
        if self.procedure:
            found["procedure"] = self.procedure
        return found


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


@dataclass(frozen=True)
class Row:
    """One submitted response as exported."""

    id: int
    submitted_at: dt.datetime  # Vietnam wall-clock time
    via: str
    chat: str | None
    dossier_code: str | None
    procedure_code: str | None
    unit: str | None
    late: bool
    origin: str
    complaint: bool
    answers: dict[str, str]


def local(value: dt.datetime) -> dt.datetime:
    return as_utc(value).astimezone(VN_TZ).replace(tzinfo=None)


def _where(req: ExportRequest) -> list[Any]:
    lo, hi = utc_bounds(req.start, req.end)
    where: list[Any] = [
        SurveyResponse.form_id == req.form,
        SurveyResponse.submitted_at.is_not(None),
        SurveyResponse.submitted_at >= lo,
        SurveyResponse.submitted_at < hi,
    ]
    if req.unit:
        where.append(SurveyResponse.unit == req.unit)
    if req.procedure:
        where.append(SurveyResponse.procedure_code == req.procedure)
    return where


async def count_rows(session: AsyncSession, req: ExportRequest) -> int:
    stmt = select(func.count()).select_from(SurveyResponse).where(*_where(req))
    return int((await session.execute(stmt)).scalar_one())


async def iter_rows(
    session: AsyncSession, req: ExportRequest, questions: Sequence[str], page: int = PAGE
) -> AsyncIterator[Row]:
    """Submitted responses by id, streamed from one query ``page`` rows at a time.

    The answers are turned into columns by the database (one ``MAX(CASE …)`` per question,
    grouped by response), so no per-answer rows and no ORM objects pass through Python.
    One streamed query rather than pages by id: the period filter uses the time index, and
    each page would sort every row left to find its first ``page`` ids.
    """
    r, a = SurveyResponse, SurveyAnswer
    cols = (r.id, r.submitted_at, r.via, r.channel, r.user_id, r.dossier_code, r.procedure_code, r.unit, r.late,
            r.origin)
    complaint = exists().where(FeedbackTicket.response_id == r.id).label("complaint")
    pivot = [func.max(case((a.question_id == qid, a.value))).label(f"q{i}") for i, qid in enumerate(questions)]
    stmt = (select(*cols, complaint, *pivot).select_from(r).outerjoin(a, a.response_id == r.id)
            .where(*_where(req)).group_by(r.id).order_by(r.id).execution_options(yield_per=page))
    result = await (await session.connection()).stream(stmt)
    async for batch in result.partitions():
        for rid, submitted, via, channel, user_id, code, proc, unit, late, origin, has_ticket, *values in batch:
            chat = f"{channel}:{user_id}" if channel and user_id else None
            answers = {qid: v for qid, v in zip(questions, values, strict=True) if v is not None}
            yield Row(rid, local(submitted), via, chat, code, proc, unit, bool(late), origin, bool(has_ticket),
                      answers)


async def iter_tickets(session: AsyncSession, req: ExportRequest, page: int = PAGE) -> AsyncIterator[tuple[Any, ...]]:
    lo, hi = utc_bounds(req.start, req.end)
    t = FeedbackTicket
    last = 0
    while True:
        stmt = (
            select(t.id, t.tracking_code, t.created_at, t.source, t.channel, t.user_id, Dossier.code, t.unit,
                   t.topics, t.text, t.status)
            .outerjoin(Dossier, Dossier.id == t.dossier_id)
            .where(t.created_at >= lo, t.created_at < hi, t.id > last)
            .order_by(t.id)
            .limit(page)
        )
        if req.unit:
            stmt = stmt.where(t.unit == req.unit)
        batch = (await session.execute(stmt)).all()
        if not batch:
            return
        for row in batch:
            yield tuple(row)
        last = batch[-1][0]


# -- columns -------------------------------------------------------------------------------------------


def _answer_cell(form: SurveyForm, q: Question, value: str | None) -> Any:
    if value is None:
        return None
    if q.type == "text":
        return value
    return int(value) if value.isdigit() else form.choice_label(q.id, value)  # 1–5 stay numbers to compute on


def response_columns(
    form: SurveyForm, anonymous: bool, names: Mapping[str, str]
) -> tuple[list[str], Callable[[Row], list[Any]]]:
    """The header and a row function: one column per question of the form."""
    questions = [q for q in form.questions if not (anonymous and q.type == "text")]
    header = (["Ngày gửi"] if anonymous else ["Mã phiếu", "Thời điểm gửi", "Tài khoản chat", "Mã hồ sơ"]) + [
        "Kênh", "Mã thủ tục", "Tên thủ tục", "Đơn vị", "Trễ hạn", "Có phản ánh", "Nguồn",
    ] + [f"{i}. {q.short}" for i, q in enumerate(form.questions, 1) if q in questions]

    def cells(row: Row) -> list[Any]:
        who: list[Any] = (
            [row.submitted_at.date()] if anonymous else [row.id, row.submitted_at, row.chat, row.dossier_code]
        )
        values = who + [
            row.via, row.procedure_code, names.get(row.procedure_code or "", None), row.unit,
            "Có" if row.late else "Không", "Có" if row.complaint else "Không", row.origin,
        ] + [_answer_cell(form, q, row.answers.get(q.id)) for q in questions]
        return [neutralise(v) for v in values]

    return header, cells


def ticket_columns(anonymous: bool) -> tuple[list[str], Callable[[tuple[Any, ...]], list[Any]]]:
    if anonymous:
        header = ["Mã theo dõi", "Ngày tạo", "Nguồn", "Kênh", "Đơn vị", "Nội dung chưa hài lòng", "Trạng thái"]
    else:
        header = ["Mã theo dõi", "Thời điểm tạo", "Nguồn", "Kênh", "Tài khoản chat", "Mã hồ sơ", "Đơn vị",
                  "Nội dung chưa hài lòng", "Nội dung phản ánh", "Trạng thái"]

    def cells(t: tuple[Any, ...]) -> list[Any]:
        _id, code, created, source, channel, user_id, dossier_code, unit, topics, text, status = t
        when = local(created)
        topic_text = "; ".join(str(x) for x in topics or [])
        if anonymous:
            values = [code, when.date(), source, channel, unit, topic_text, status]
        else:
            chat = f"{channel}:{user_id}" if user_id else None
            values = [code, when, source, channel, chat, dossier_code, unit, topic_text, text, status]
        return [neutralise(v) for v in values]

    return header, cells


def accumulate(agg: Aggregates, form: SurveyForm, row: Row, closed: frozenset[str]) -> None:
    answers = {k: v for k, v in row.answers.items() if k in closed}  # free text never enters the counts
    agg.overall.add_response(answers)
    agg.by_procedure.setdefault(row.procedure_code or "", Tally()).add_response(answers)
    month = f"{row.submitted_at.year}-{row.submitted_at.month:02d}"
    agg.by_month.setdefault(month, Tally()).add_response(answers)
    agg.ratio.add(form, answers, complaint=row.complaint, late=row.late)


async def counted_rows(
    session: AsyncSession, req: ExportRequest, form: SurveyForm, agg: Aggregates,
    progress: Callable[[int], None] | None,
) -> AsyncIterator[Row]:
    """The responses to export, each added to ``agg``; ``progress`` hears of them a page at a time."""
    closed = frozenset(q.id for q in form.questions if q.type == "scale")
    n = 0
    async for row in iter_rows(session, req, [q.id for q in form.questions]):
        accumulate(agg, form, row, closed)
        yield row
        n += 1
        if progress and n % PAGE == 0:
            progress(PAGE)
    if progress and n % PAGE:
        progress(n % PAGE)


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
        async for row in counted_rows(session, req, form, agg, progress):
            writer.writerow(["" if v is None else v for v in cells(row)])
            n += 1
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
