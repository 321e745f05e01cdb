"""Survey invitations: when a dossier's result is handed over (status 10), each chat that consented to be
contacted about it (an active subscription) is invited once.

The invitation goes into the outbox inside the status change's transaction, so an
import or push that rolls back invites nobody, and the channel sender paces it
under the platform's limits. Both the invitation row (one per dossier and chat)
and the outbox dedupe key make a repeated change, or 10 → 9 → 10, invite once.
"""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import mask_code
from bot.features.dossiers.models import Dossier, DossierSubscription
from bot.features.surveys import texts
from bot.features.surveys.models import SurveyInvitation, SurveyResponse
from bot.features.surveys.service import SurveyService, insert_ignore
from bot.storage.models import Outbox

log = logging.getLogger(__name__)
HANDED_OVER = 10


class Invitations:
    def __init__(self, service: SurveyService) -> None:
        self._service = service

    async def on_status_change(self, session: AsyncSession, dossier: Dossier, old: int | None, new: int) -> None:
        """DossierService hook: invite the dossier's subscribed chats when the result is handed over."""
        if new != HANDED_OVER or old == HANDED_OVER:
            return
        if await self._service.submitted_for(session, dossier.id) is not None:
            return  # already rated (e.g. by code, before the status arrived)
        subs = await session.execute(
            select(DossierSubscription.channel, DossierSubscription.user_id).where(
                DossierSubscription.dossier_id == dossier.id, DossierSubscription.revoked_at.is_(None)
            )
        )
        form = self._service.form
        text = texts.invitation(dossier.code, len(form.questions), form.minutes)
        invited = 0
        for channel, user_id in subs.all():
            token = secrets.token_urlsafe(12)
            row = {
                "token": token, "dossier_id": dossier.id, "channel": channel, "user_id": user_id,
                "created_at": self._service.clock(),
            }
            if not await insert_ignore(session, SurveyInvitation, row, ["dossier_id", "channel", "user_id"]):
                continue  # invited before
            buttons = [[texts.START_BUTTON, f"survey:inv:{token}"], [texts.NO_THANKS, f"survey:decline:{token}"]]
            await insert_ignore(
                session,
                Outbox,
                {
                    "channel": channel, "user_id": user_id, "text": text, "buttons": buttons,
                    "dedupe_key": f"survey:invite:{dossier.id}:{channel}:{user_id}"[:200],
                },
                ["dedupe_key"],
            )
            invited += 1
        if invited:
            log.info("survey: %d invitation(s) for dossier %s", invited, mask_code(dossier.code))

    async def by_token(self, session: AsyncSession, token: str, channel: str, user_id: str) -> SurveyInvitation | None:
        """The invitation, only for the chat it was sent to."""
        inv = (
            await session.execute(select(SurveyInvitation).where(SurveyInvitation.token == token))
        ).scalar_one_or_none()
        return inv if inv is not None and (inv.channel, inv.user_id) == (channel, user_id) else None

    async def open_for_chat(self, session: AsyncSession, channel: str, user_id: str) -> SurveyInvitation | None:
        """The chat's latest invitation not declined and whose dossier nobody has rated yet."""
        rated = select(SurveyResponse.id).where(
            SurveyResponse.dossier_id == SurveyInvitation.dossier_id, SurveyResponse.submitted_at.is_not(None)
        )
        stmt = (
            select(SurveyInvitation)
            .where(
                SurveyInvitation.channel == channel,
                SurveyInvitation.user_id == user_id,
                SurveyInvitation.declined_at.is_(None),
                ~rated.exists(),
            )
            .order_by(SurveyInvitation.id.desc())
            .limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def decline(self, session: AsyncSession, inv: SurveyInvitation) -> None:
        if inv.declined_at is None:
            inv.declined_at = self._service.clock()
            await session.flush()
