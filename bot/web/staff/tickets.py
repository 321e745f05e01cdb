"""Feedback tickets as the console handles them: list by status and age, assign, move on, reply once.

A reply goes to the citizen through the outbox on the ticket's own channel, in the
same transaction as its record; the form's one-time nonce is unique per ticket, so a
form sent twice (a double click, a resent request) records and sends one reply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import as_utc
from bot.features.dossiers.models import Dossier
from bot.features.surveys.models import FeedbackTicket
from bot.features.surveys.service import insert_ignore
from bot.storage.models import Outbox, StaffUser, ticket_reply_key
from bot.web.staff.models import TicketReply, TicketWork

STATUSES = ("new", "in_progress", "answered", "closed")
LABELS = {"new": "Mới", "in_progress": "Đang xử lý", "answered": "Đã trả lời", "closed": "Đóng"}
OPEN = ("new", "in_progress")
MAX_REPLY = 2000
DELIVERY = {"pending": "đang gửi", "sent": "đã gửi tới người dân", "failed": "gửi lỗi, đang thử lại",
            "undeliverable": "không gửi được"}


class TicketError(ValueError):
    """What the clerk is told when an action cannot be done (in Vietnamese)."""


@dataclass(frozen=True)
class Row:
    ticket: FeedbackTicket
    assignee: str | None
    age_days: int
    overdue: bool


def reply_text(code: str, text: str) -> str:
    return f"Dạ, Trung tâm trả lời phản ánh, kiến nghị {code} của Anh/Chị:\n{text}"


def _row(ticket: FeedbackTicket, assignee: str | None, now: dt.datetime, overdue_days: int) -> Row:
    age = now - as_utc(ticket.created_at)
    return Row(ticket, assignee, age.days, ticket.status in OPEN and age > dt.timedelta(days=overdue_days))


async def listing(session: AsyncSession, status: str | None, now: dt.datetime, overdue_days: int,
                  limit: int = 200) -> list[Row]:
    """Oldest first: the ones waiting longest are the ones to handle first."""
    stmt = (select(FeedbackTicket, StaffUser.username)
            .outerjoin(TicketWork, TicketWork.ticket_id == FeedbackTicket.id)
            .outerjoin(StaffUser, StaffUser.id == TicketWork.assignee_id))
    if status in STATUSES:
        stmt = stmt.where(FeedbackTicket.status == status)
    elif status != "all":
        stmt = stmt.where(FeedbackTicket.status.in_(OPEN))
    stmt = stmt.order_by(FeedbackTicket.created_at, FeedbackTicket.id).limit(limit)
    return [_row(t, who, now, overdue_days) for t, who in (await session.execute(stmt)).all()]


@dataclass(frozen=True)
class Detail:
    row: Row
    dossier_code: str | None
    replies: list[tuple[TicketReply, str | None, str]]  # reply, clerk, delivery


async def detail(session: AsyncSession, ticket_id: int, now: dt.datetime, overdue_days: int) -> Detail | None:
    found = (await session.execute(
        select(FeedbackTicket, StaffUser.username, Dossier.code)
        .outerjoin(TicketWork, TicketWork.ticket_id == FeedbackTicket.id)
        .outerjoin(StaffUser, StaffUser.id == TicketWork.assignee_id)
        .outerjoin(Dossier, Dossier.id == FeedbackTicket.dossier_id)
        .where(FeedbackTicket.id == ticket_id)
    )).first()
    if found is None:
        return None
    ticket, assignee, code = found
    replies = (await session.execute(
        select(TicketReply, StaffUser.username, Outbox.status)
        .outerjoin(StaffUser, StaffUser.id == TicketReply.staff_id)
        .outerjoin(Outbox, Outbox.dedupe_key == TicketReply.outbox_key)
        .where(TicketReply.ticket_id == ticket_id).order_by(TicketReply.id)
    )).all()
    shown = [(r, who, DELIVERY.get(status or "", "không rõ")) for r, who, status in replies]
    return Detail(_row(ticket, assignee, now, overdue_days), code, shown)


async def _ticket(session: AsyncSession, ticket_id: int) -> FeedbackTicket:
    ticket = await session.get(FeedbackTicket, ticket_id, with_for_update=True)
    if ticket is None:
        raise TicketError("Không tìm thấy phản ánh này.")
    return ticket


async def _work(session: AsyncSession, ticket_id: int, now: dt.datetime) -> TicketWork:
    work = await session.get(TicketWork, ticket_id)
    if work is None:
        work = TicketWork(ticket_id=ticket_id, updated_at=now)
        session.add(work)
    work.updated_at = now
    return work


async def assign(session: AsyncSession, ticket_id: int, username: str | None, now: dt.datetime) -> str | None:
    await _ticket(session, ticket_id)
    user = None
    if username:
        user = (await session.execute(select(StaffUser).where(StaffUser.username == username,
                                                              StaffUser.disabled.is_(False)))).scalar_one_or_none()
        if user is None:
            raise TicketError("Không có cán bộ này (hoặc tài khoản đã bị khoá).")
    (await _work(session, ticket_id, now)).assignee_id = user.id if user else None
    await session.flush()
    return user.username if user else None


async def set_status(session: AsyncSession, ticket_id: int, status: str, now: dt.datetime) -> str:
    """Only forward: mới → đang xử lý → đã trả lời → đóng (a step may be skipped, never undone)."""
    ticket = await _ticket(session, ticket_id)
    if status not in STATUSES:
        raise TicketError("Trạng thái không hợp lệ.")
    old = ticket.status if ticket.status in STATUSES else "new"
    if STATUSES.index(status) <= STATUSES.index(old):
        raise TicketError(f"Phản ánh đang ở trạng thái «{LABELS[old]}», không chuyển về «{LABELS[status]}» được.")
    ticket.status = status
    await _work(session, ticket_id, now)
    await session.flush()
    return old


async def reply(session: AsyncSession, ticket_id: int, staff: StaffUser, text: str, nonce: str,
                now: dt.datetime) -> bool:
    """Records the reply and queues it for the citizen; False when this form was already sent."""
    text = text.strip()
    if not text:
        raise TicketError("Nội dung trả lời đang trống.")
    if len(text) > MAX_REPLY:
        raise TicketError(f"Nội dung trả lời dài quá {MAX_REPLY} ký tự.")
    if not nonce or len(nonce) > 64:
        raise TicketError("Biểu mẫu không hợp lệ, vui lòng tải lại trang.")
    ticket = await _ticket(session, ticket_id)
    if ticket.status == "closed":
        raise TicketError("Phản ánh đã đóng, không gửi trả lời được nữa.")
    if not ticket.user_id:
        raise TicketError("Phản ánh không còn gắn với tài khoản chat của người dân (đã hết thời hạn lưu), "
                          "không gửi trả lời qua kênh chat được.")
    key = ticket_reply_key(ticket.id, nonce)
    fresh = await insert_ignore(session, TicketReply, {
        "ticket_id": ticket.id, "staff_id": staff.id, "nonce": nonce, "text": text, "outbox_key": key,
        "created_at": now,
    }, ["ticket_id", "nonce"])
    if not fresh:
        return False
    session.add(Outbox(channel=ticket.channel, user_id=ticket.user_id, text=reply_text(ticket.tracking_code, text),
                       dedupe_key=key, status="pending", attempts=0))
    if ticket.status in OPEN:
        ticket.status = "answered"
    await _work(session, ticket.id, now)
    await session.flush()
    return True
