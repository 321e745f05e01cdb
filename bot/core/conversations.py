"""The chat's conversation row, loaded (or created) inside the turn's transaction (bot/pipeline/turns.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Conversation


async def load_conversation(session: AsyncSession, channel: str, user_id: str) -> Conversation:
    """The chat's row, locked on PostgreSQL for the transaction, created (flushed) on its first message.

    Raises IntegrityError when another transaction created it first: the caller retries.
    """
    stmt = select(Conversation).where(Conversation.channel == channel, Conversation.user_id == user_id)
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    conv = (await session.execute(stmt)).scalar_one_or_none()
    if conv is None:
        conv = Conversation(channel=channel, user_id=user_id)
        session.add(conv)
        await session.flush()
    return conv
