"""Handoff requests from open to close: queue, take, clerk replies, hand back, cancel, become a ticket.

The chat side (flow.py) and the console (bot/web/staff/handoff.py) both act here,
inside their caller's transaction. Whatever the citizen is told outside a turn (taken,
handed back, made a ticket, a clerk's reply) goes through the outbox with a key naming
the handoff, so it is queued once even when an action is sent twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import VN_TZ, as_utc
from bot.features.handoff import texts
from bot.features.handoff.models import OPEN, Handoff, HandoffMessage
from bot.features.surveys.service import SurveyService, insert_ignore
from bot.features.surveys.tickets import open_ticket
from bot.settings.staff import HandoffSettings
from bot.storage.models import Conversation, Outbox, StaffUser, handoff_reply_key, utcnow
from knowledge_base.schema import Office, Procedure

MARK = "handoff"  # key in Conversation.pending naming the open request (survives other flows' state)
MAX_TEXT = 2000
EARLIER = dt.timedelta(hours=2)  # the assistant's replies this recent are shown to the clerk as context
DELIVERY = {"pending": "đang gửi", "sent": "đã gửi", "failed": "gửi lỗi, đang thử lại",
            "undeliverable": "không gửi được"}


class HandoffError(ValueError):
    """What the clerk is told when an action cannot be done (in Vietnamese)."""


@dataclass(frozen=True)
class Line:
    message: HandoffMessage
    clerk: str | None
    delivery: str | None


class HandoffService:
    def __init__(self, settings: HandoffSettings, surveys: SurveyService, office: Office,
                 procedures: dict[str, Procedure], clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        self._surveys = surveys
        self._office = office
        self._procedures = procedures

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return self.settings.open_at(as_utc(now or self.clock()).astimezone(VN_TZ))

    # -- the chat side ---------------------------------------------------------------------------------

    async def current(self, session: AsyncSession, channel: str, user_id: str) -> Handoff | None:
        stmt = select(Handoff).where(Handoff.channel == channel, Handoff.user_id == user_id,
                                     Handoff.status.in_(OPEN))
        return (await session.execute(stmt)).scalar_one_or_none()

    async def request(self, session: AsyncSession, conv: Conversation, text: str) -> tuple[Handoff | None, str]:
        """A new request (or the open one): queued in working hours, otherwise made a ticket at once."""
        if not self.settings.enabled:
            return None, texts.DISABLED.format(phone=self._office.phone)
        found = await self.current(session, conv.channel, conv.user_id)
        if found is not None:
            return found, texts.WAITING.format(phone=self._office.phone)
        now = self.clock()
        proc = self._procedures.get(conv.last_procedure or "")
        h = Handoff(channel=conv.channel, user_id=conv.user_id, status="waiting", created_at=now,
                    context=f"Thủ tục hỏi gần nhất: {proc.name}" if proc else None)
        session.add(h)
        await session.flush()
        earlier = (await session.execute(
            select(Outbox.text, Outbox.created_at).where(Outbox.channel == conv.channel,
                                                         Outbox.user_id == conv.user_id)
            .order_by(Outbox.id.desc()).limit(4)
        )).all()
        for said, at in reversed(earlier):
            if at is not None and as_utc(at) >= now - EARLIER:
                session.add(HandoffMessage(handoff_id=h.id, author="assistant", text=said[:MAX_TEXT], at=as_utc(at)))
        await self.record(session, h, "citizen", text)
        if not self.is_open(now):
            code = await self._to_ticket(session, h)
            return h, texts.outside_hours(code, self._office.hours, self._office.phone)
        return h, texts.WAITING.format(phone=self._office.phone)

    async def record(self, session: AsyncSession, h: Handoff, author: str, text: str, **extra: object) -> None:
        session.add(HandoffMessage(handoff_id=h.id, author=author, text=text.strip()[:MAX_TEXT] or "…",
                                   at=self.clock(), **extra))
        await session.flush()

    async def cancel(self, session: AsyncSession, h: Handoff) -> None:
        h.status, h.closed_at = "cancelled", self.clock()
        await session.flush()

    # -- the console side ------------------------------------------------------------------------------

    async def queue(self, session: AsyncSession) -> list[tuple[Handoff, str | None, int, str | None]]:
        """Open requests, the longest waiting first: each with its clerk, number of messages, the citizen's last."""
        m = HandoffMessage
        stats = (select(m.handoff_id, func.count().label("n"), func.max(m.id).filter(m.author == "citizen")
                        .label("last")).group_by(m.handoff_id).subquery())
        rows = await session.execute(
            select(Handoff, StaffUser.username, stats.c.n, m.text)
            .outerjoin(StaffUser, StaffUser.id == Handoff.staff_id)
            .outerjoin(stats, stats.c.handoff_id == Handoff.id)
            .outerjoin(m, m.id == stats.c.last)
            .where(Handoff.status.in_(OPEN)).order_by(Handoff.created_at, Handoff.id)
        )
        return [(h, who, int(n or 0), last) for h, who, n, last in rows.all()]

    async def detail(self, session: AsyncSession, handoff_id: int,
                     after: int = 0) -> tuple[Handoff, str | None, list[Line]] | None:
        h = await session.get(Handoff, handoff_id)
        if h is None:
            return None
        taker = (await session.get(StaffUser, h.staff_id)) if h.staff_id else None
        rows = await session.execute(
            select(HandoffMessage, StaffUser.username, Outbox.status)
            .outerjoin(StaffUser, StaffUser.id == HandoffMessage.staff_id)
            .outerjoin(Outbox, Outbox.dedupe_key == HandoffMessage.outbox_key)
            .where(HandoffMessage.handoff_id == handoff_id, HandoffMessage.id > after)
            .order_by(HandoffMessage.id)
        )
        lines = [Line(m, who, DELIVERY.get(status or "", "đã gửi") if m.author == "clerk" else None)
                 for m, who, status in rows.all()]
        return h, taker.username if taker else None, lines

    async def _open(self, session: AsyncSession, handoff_id: int) -> Handoff:
        h = await session.get(Handoff, handoff_id, with_for_update=True)
        if h is None:
            raise HandoffError("Không tìm thấy yêu cầu này (người dân có thể đã xoá dữ liệu của mình).")
        if h.status not in OPEN:
            raise HandoffError("Yêu cầu này đã kết thúc.")
        return h

    async def take(self, session: AsyncSession, handoff_id: int, staff_id: int) -> bool:
        """True when this clerk took it now; a request another clerk is answering is refused."""
        h = await self._open(session, handoff_id)
        if h.status == "active":
            if h.staff_id != staff_id:
                raise HandoffError("Một cán bộ khác đã nhận yêu cầu này.")
            return False
        h.status, h.staff_id, h.taken_at = "active", staff_id, self.clock()
        self._tell(session, h, "taken", texts.TAKEN)
        await session.flush()
        return True

    async def reply(self, session: AsyncSession, handoff_id: int, staff_id: int, text: str, nonce: str) -> bool:
        """Records and queues a clerk's message; False when this form was already sent."""
        text = text.strip()
        if not text:
            raise HandoffError("Nội dung tin nhắn đang trống.")
        if len(text) > MAX_TEXT:
            raise HandoffError(f"Tin nhắn dài quá {MAX_TEXT} ký tự.")
        if not nonce or len(nonce) > 64:
            raise HandoffError("Biểu mẫu không hợp lệ, vui lòng tải lại trang.")
        h = await self._open(session, handoff_id)
        if h.status != "active":
            raise HandoffError("Vui lòng bấm «Nhận trao đổi» trước khi nhắn cho người dân.")
        key = handoff_reply_key(h.id, nonce)
        fresh = await insert_ignore(session, HandoffMessage, {
            "handoff_id": h.id, "author": "clerk", "staff_id": staff_id, "text": text, "nonce": nonce,
            "outbox_key": key, "at": self.clock(),
        }, ["handoff_id", "nonce"])
        if fresh:
            session.add(Outbox(channel=h.channel, user_id=h.user_id, text=text, dedupe_key=key, status="pending",
                               attempts=0))
            await session.flush()
        return fresh

    async def hand_back(self, session: AsyncSession, handoff_id: int) -> None:
        h = await self._open(session, handoff_id)
        h.status, h.closed_at = "back", self.clock()
        self._tell(session, h, "back", texts.BACK)
        await self._release(session, h)

    async def sweep(self, session: AsyncSession) -> int:
        """Waiting requests nobody took in time, or left waiting when the office closed, become tickets."""
        now = self.clock()
        late = now - dt.timedelta(minutes=self.settings.wait_minutes)
        stmt = select(Handoff).where(Handoff.status == "waiting").order_by(Handoff.id).limit(100)
        if self.is_open(now):
            stmt = stmt.where(Handoff.created_at < late)
        done = 0
        for h in (await session.execute(stmt)).scalars():
            code = await self._to_ticket(session, h)
            self._tell(session, h, "ticket", texts.not_taken(code))
            await self._release(session, h)
            done += 1
        return done

    # -- shared ----------------------------------------------------------------------------------------

    async def _to_ticket(self, session: AsyncSession, h: Handoff) -> str:
        said = (await session.execute(
            select(HandoffMessage.text).where(HandoffMessage.handoff_id == h.id, HandoffMessage.author == "citizen")
            .order_by(HandoffMessage.id)
        )).scalars().all()
        ticket = await open_ticket(session, self._surveys, h.channel, h.user_id, source="handoff",
                                   text=texts.ticket_text([*([h.context] if h.context else []), *said]))
        h.status, h.ticket_id, h.closed_at = "ticket", ticket.id, self.clock()
        await session.flush()
        return ticket.tracking_code

    def _tell(self, session: AsyncSession, h: Handoff, kind: str, text: str) -> None:
        session.add(Outbox(channel=h.channel, user_id=h.user_id, text=text, dedupe_key=f"handoff:{h.id}:{kind}",
                           status="pending", attempts=0))

    async def _release(self, session: AsyncSession, h: Handoff) -> None:
        """The chat is the assistant's again: its conversation forgets the request (outside a chat turn)."""
        conv = (await session.execute(select(Conversation).where(
            Conversation.channel == h.channel, Conversation.user_id == h.user_id))).scalar_one_or_none()
        if conv is not None:
            pending = {k: v for k, v in (conv.pending or {}).items() if k != MARK}
            flow = pending.get("flow")
            if isinstance(flow, dict) and flow.get("name") == MARK:
                pending.pop("flow")
            conv.pending = pending or None
        await session.flush()
