"""Feedback tickets (phản ánh, kiến nghị) with a tracking code the citizen can quote to staff."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import VN_TZ
from bot.features.surveys.models import FeedbackTicket, SurveyResponse
from bot.features.surveys.service import SurveyService

# No 0/O, 1/I/L: the code is read out over the phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_TEXT = 2000


def tracking_code(service: SurveyService) -> str:
    """PA-YYMMDD-XXXX: the day it was opened, then 4 random characters (≈850,000 a day)."""
    day = service.clock().astimezone(VN_TZ).strftime("%y%m%d")
    return f"PA-{day}-{''.join(secrets.choice(_ALPHABET) for _ in range(4))}"


async def open_ticket(
    session: AsyncSession,
    service: SurveyService,
    channel: str,
    user_id: str,
    *,
    source: str,
    text: str | None = None,
    response: SurveyResponse | None = None,
    topics: list[str] | None = None,
) -> FeedbackTicket:
    for _ in range(10):
        code = tracking_code(service)
        taken = await session.execute(select(FeedbackTicket.id).where(FeedbackTicket.tracking_code == code))
        if taken.first() is None:
            break
    ticket = FeedbackTicket(
        tracking_code=code,
        source=source,
        channel=channel,
        user_id=user_id,
        dossier_id=response.dossier_id if response else None,
        response_id=response.id if response else None,
        unit=response.unit if response else None,
        topics=topics or None,
        text=(text or "").strip()[:MAX_TEXT] or None,
        status="new",
        created_at=service.clock(),
    )
    session.add(ticket)
    await session.flush()
    return ticket
