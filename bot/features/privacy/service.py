"""A chat's personal data: everything held about it (/dulieu), and its erasure (/xoadulieu).

Every table that names a chat is listed here, by its columns: conversations,
inbox_events (user_key), outbox, dossier_subscriptions, dossier_lookup_failures
(chat_key "channel:user_id"), survey_invitations, survey_consents,
survey_responses, feedback_tickets. ``survey_export_audit.actor`` names staff,
not citizens, and is kept as the record of who exported what.

Both methods work inside the caller's transaction (a chat turn), so the erasure
commits with the turn's reply, or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.models import Dossier, DossierLookupFailure, DossierSubscription
from bot.features.surveys.models import (
    FeedbackTicket,
    SurveyAnswer,
    SurveyConsent,
    SurveyInvitation,
    SurveyResponse,
)
from bot.pipeline.models import InboxEvent
from bot.storage.models import Base, Conversation, Outbox, utcnow

log = logging.getLogger(__name__)
_HANDLED = frozenset({
    "conversations", "outbox", "inbox_events", "dossier_subscriptions", "dossier_lookup_failures",
    "survey_invitations", "survey_consents", "survey_responses", "feedback_tickets",
})
ChatKey = Callable[[str, str], str]


@dataclass
class Held:
    """What the database holds about one chat, in the order /dulieu shows it."""

    subscriptions: list[tuple[str, str, dt.datetime, dt.datetime | None]] = field(default_factory=list)
    survey_consents: list[tuple[str | None, str, dt.datetime]] = field(default_factory=list)
    verified: set[str] = field(default_factory=set)  # dossier codes this chat proved it may see
    drafts: list[tuple[str | None, int, dt.datetime]] = field(default_factory=list)
    submitted: list[tuple[str | None, dt.datetime | None]] = field(default_factory=list)
    tickets: list[tuple[str, str, dt.datetime]] = field(default_factory=list)
    invitations: int = 0
    conversation: Conversation | None = None
    lookup_failures: int = 0
    outbox_pending: int = 0
    outbox_kept: int = 0
    inbox: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.subscriptions or self.survey_consents or self.verified or self.drafts or self.submitted
            or self.tickets or self.invitations or self.lookup_failures or self.outbox_pending
            or self.outbox_kept
        )


class PrivacyService:
    def __init__(self, chat_key: ChatKey, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.clock = clock
        self._chat_key = chat_key  # DossierService.chat_key: how lookup failures name a chat

    async def held(self, session: AsyncSession, channel: str, user_id: str) -> Held:
        h = Held()
        sub = DossierSubscription
        rows = await session.execute(
            select(Dossier.code, sub.purpose, sub.granted_at, sub.revoked_at)
            .join(Dossier, Dossier.id == sub.dossier_id)
            .where(sub.channel == channel, sub.user_id == user_id)
            .order_by(sub.granted_at)
        )
        h.subscriptions = [(code, purpose, granted, revoked) for code, purpose, granted, revoked in rows.all()]
        h.verified.update(code for code, *_ in h.subscriptions)
        c = SurveyConsent
        rows = await session.execute(
            select(Dossier.code, c.purpose, c.granted_at)
            .outerjoin(Dossier, Dossier.id == c.dossier_id)
            .where(c.channel == channel, c.user_id == user_id)
            .order_by(c.granted_at)
        )
        h.survey_consents = [(code, purpose, granted) for code, purpose, granted in rows.all()]
        r = SurveyResponse
        rows = await session.execute(
            select(r.dossier_code, r.position, r.updated_at, r.submitted_at)
            .where(r.channel == channel, r.user_id == user_id)
            .order_by(r.started_at)
        )
        for code, position, updated, submitted in rows.all():
            if code:
                h.verified.add(code)
            if submitted is None:
                h.drafts.append((code, position, updated))
            else:
                h.submitted.append((code, submitted))
        rows = await session.execute(
            select(Dossier.code)
            .join(SurveyInvitation, SurveyInvitation.dossier_id == Dossier.id)
            .where(SurveyInvitation.channel == channel, SurveyInvitation.user_id == user_id)
        )
        invited = list(rows.scalars())
        h.invitations = len(invited)
        h.verified.update(invited)
        t = FeedbackTicket
        rows = await session.execute(
            select(t.tracking_code, t.status, t.created_at)
            .where(t.channel == channel, t.user_id == user_id)
            .order_by(t.created_at)
        )
        h.tickets = [(code, status, created) for code, status, created in rows.all()]
        h.conversation = (
            await session.execute(
                select(Conversation).where(Conversation.channel == channel, Conversation.user_id == user_id)
            )
        ).scalar_one_or_none()
        flow = ((h.conversation.pending or {}) if h.conversation else {}).get("flow") or {}
        if isinstance(flow, dict) and flow.get("step") == "verified" and isinstance(flow.get("code"), str):
            h.verified.add(flow["code"])
        h.lookup_failures = await _count(
            session, DossierLookupFailure, DossierLookupFailure.chat_key == self._chat_key(channel, user_id)
        )
        mine = (Outbox.channel == channel, Outbox.user_id == user_id)
        h.outbox_pending = await _count(session, Outbox, *mine, Outbox.status == "pending")
        h.outbox_kept = await _count(session, Outbox, *mine, Outbox.status != "pending")
        h.inbox = await _count(session, InboxEvent, InboxEvent.channel == channel, InboxEvent.user_key == user_id)
        return h

    async def erase(self, session: AsyncSession, channel: str, user_id: str) -> dict[str, int]:
        """Delete or unlink every row naming the chat; submitted answers stay, anonymous. Counts per kind.

        The inbox event being processed (this very request) keeps its row until the
        retention purge, under a random key so it no longer names the chat.
        """
        done: dict[str, int] = {}

        async def run(name: str, stmt: object) -> None:
            result = await session.execute(stmt.execution_options(synchronize_session=False))  # type: ignore[attr-defined]
            done[name] = max(int(getattr(result, "rowcount", 0) or 0), 0)

        r, t, c = SurveyResponse, FeedbackTicket, SurveyConsent
        mine_r = (r.channel == channel, r.user_id == user_id)
        drafts = select(r.id).where(*mine_r, r.submitted_at.is_(None))
        # Tickets first: they point at the drafts about to go and carry the citizen's own words.
        await run("tickets_anonymised", update(t).where(t.channel == channel, t.user_id == user_id).values(
            user_id=None, text=None, dossier_id=None))
        await session.execute(update(t).where(t.response_id.in_(drafts)).values(response_id=None))
        await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(drafts)))
        await run("drafts_deleted", delete(r).where(*mine_r, r.submitted_at.is_(None)))
        await run("responses_unlinked", update(r).where(*mine_r).values(
            channel=None, user_id=None, dossier_code=None, consent_id=None))
        consents = select(c.id).where(c.channel == channel, c.user_id == user_id)
        await session.execute(update(r).where(r.consent_id.in_(consents)).values(consent_id=None))
        await run("survey_consents_deleted", delete(c).where(c.channel == channel, c.user_id == user_id))
        await run("invitations_deleted", delete(SurveyInvitation).where(
            SurveyInvitation.channel == channel, SurveyInvitation.user_id == user_id))
        await run("subscriptions_deleted", delete(DossierSubscription).where(
            DossierSubscription.channel == channel, DossierSubscription.user_id == user_id))
        # Lookup failures stay: security records under a keyed chat name (no id), deleted when their
        # 24-hour window ends. Erasing them would reset the per-chat guessing limit.
        await run("outbox_deleted", delete(Outbox).where(Outbox.channel == channel, Outbox.user_id == user_id))
        mine_i = (InboxEvent.channel == channel, InboxEvent.user_key == user_id)
        await run("inbox_deleted", delete(InboxEvent).where(*mine_i, InboxEvent.status.in_(("done", "failed"))))
        await session.execute(update(InboxEvent).where(*mine_i, InboxEvent.status == "processing").values(
            user_key=f"erased:{secrets.token_hex(8)}"))
        await run("conversations_deleted", delete(Conversation).where(
            Conversation.channel == channel, Conversation.user_id == user_id))
        if channel == "web":  # the web chat's history of this browser session (bot/web/chat/models.py)
            from bot.web.chat.models import WebMessage

            await run("web_messages_deleted", delete(WebMessage).where(WebMessage.session_id == user_id))
        await self._sweep(session, channel, user_id, run)
        log.info("personal data of a %s chat erased: %s", channel, done)
        return done

    @staticmethod
    async def _sweep(session: AsyncSession, channel: str, user_id: str, run: Callable[..., Any]) -> None:
        """Any other table keyed by (channel, user_id), e.g. staff export jobs: its rows of the chat go too.

        Only tables present in the database: a model may be ahead of the migrations applied.
        """
        present = set(await session.run_sync(lambda s: inspect(s.connection()).get_table_names()))
        for table in Base.metadata.sorted_tables:
            cols = table.c
            if table.name in _HANDLED or table.name not in present or not {"channel", "user_id"} <= set(cols.keys()):
                continue
            await run(f"{table.name}_deleted", delete(table).where(cols.channel == channel, cols.user_id == user_id))


async def _count(session: AsyncSession, model: type, *where: object) -> int:
    stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
    return int((await session.execute(stmt)).scalar_one())
