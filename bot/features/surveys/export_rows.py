"""What an export contains: its request, the rows and tickets read from the database, and the columns.

Responses are read by one streamed query that pivots the answers in SQL, so 100,000
responses never sit in memory at once and no ORM objects pass through Python. Every
text cell that a spreadsheet could take for a formula (= + - @ tab, carriage return)
is neutralised with a leading apostrophe. The anonymous variant leaves out what
identifies a person: the chat, the dossier code, the response id, free text, and the
time of day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import VN_TZ, as_utc
from bot.features.dossiers.models import Dossier
from bot.features.surveys.models import FeedbackTicket, SurveyAnswer, SurveyResponse
from bot.features.surveys.stats import utc_bounds
from surveys.definitions import Question, SurveyForm

PAGE = 2000
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
    each page would sort every row left to find its first ``page`` ids. The next page is
    fetched while this one is written (the driver reads in its own thread).
    """
    r, a = SurveyResponse, SurveyAnswer
    cols = (r.id, r.submitted_at, r.via, r.channel, r.user_id, r.dossier_code, r.procedure_code, r.unit, r.late,
            r.origin)
    complaint = exists().where(FeedbackTicket.response_id == r.id).label("complaint")
    pivot = [func.max(case((a.question_id == qid, a.value))).label(f"q{i}") for i, qid in enumerate(questions)]
    stmt = (select(*cols, complaint, *pivot).select_from(r).outerjoin(a, a.response_id == r.id)
            .where(*_where(req)).group_by(r.id).order_by(r.id).execution_options(yield_per=page))
    result = await (await session.connection()).stream(stmt)
    pages = result.partitions()
    ahead = asyncio.ensure_future(anext(pages, None))
    try:
        while (batch := await ahead) is not None:
            ahead = asyncio.ensure_future(anext(pages, None))
            for row in _rows(batch, questions):
                yield row
    finally:
        ahead.cancel()
        await asyncio.gather(ahead, return_exceptions=True)


def _rows(batch: Sequence[Any], questions: Sequence[str]) -> Iterator[Row]:
    for rid, submitted, via, channel, user_id, code, proc, unit, late, origin, has_ticket, *values in batch:
        chat = f"{channel}:{user_id}" if channel and user_id else None
        answers = {qid: v for qid, v in zip(questions, values, strict=True) if v is not None}
        yield Row(rid, local(submitted), via, chat, code, proc, unit, bool(late), origin, bool(has_ticket), answers)


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


def _answer_cell(form: SurveyForm, q: Question, value: str) -> Any:
    if q.type == "text":
        return neutralise(value)
    # 1–5 stay numbers to compute on; other choices by their label
    return int(value) if value.isdigit() else neutralise(form.choice_label(q.id, value))


def _answer_cells(form: SurveyForm, q: Question) -> Callable[[str | None], Any]:
    """A question's cell from its stored value; a closed question's few cells are made once, not per row."""
    if q.type == "text":
        return lambda value: None if value is None else neutralise(value)
    known: dict[str | None, Any] = {None: None}

    def cell(value: str | None) -> Any:
        found = known.get(value, known)
        if found is known:
            found = known[value] = _answer_cell(form, q, value)  # type: ignore[arg-type]
        return found

    return cell


def response_columns(
    form: SurveyForm, anonymous: bool, names: Mapping[str, str]
) -> tuple[list[str], Callable[[Row], list[Any]]]:
    """The header and a row function: one column per question of the form."""
    questions = [q for q in form.questions if not (anonymous and q.type == "text")]
    header = (["Ngày gửi"] if anonymous else ["Mã phiếu", "Thời điểm gửi", "Tài khoản chat", "Mã hồ sơ"]) + [
        "Kênh", "Mã thủ tục", "Tên thủ tục", "Đơn vị", "Trễ hạn", "Có phản ánh", "Nguồn",
    ] + [f"{i}. {q.short}" for i, q in enumerate(form.questions, 1) if q in questions]
    answer_cells = [(q.id, _answer_cells(form, q)) for q in questions]
    safe_names = {code: neutralise(name) for code, name in names.items()}

    def cells(row: Row) -> list[Any]:
        who: list[Any] = (
            [row.submitted_at.date()] if anonymous
            else [row.id, row.submitted_at, neutralise(row.chat), neutralise(row.dossier_code)]
        )
        answers = row.answers
        return who + [
            neutralise(row.via), neutralise(row.procedure_code), safe_names.get(row.procedure_code or ""),
            neutralise(row.unit), "Có" if row.late else "Không", "Có" if row.complaint else "Không",
            neutralise(row.origin),
        ] + [cell(answers.get(qid)) for qid, cell in answer_cells]

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


