"""Loading and saving conversation state, one short transaction per message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import Conversation, utcnow


class ConversationStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def open(self, channel: str, user_id: str) -> AsyncIterator[tuple[AsyncSession, Conversation]]:
        """The chat's state inside a transaction that commits when the block ends."""
        for attempt in range(2):
            try:
                async with self._sessions() as session, session.begin():
                    conv = await load_conversation(session, channel, user_id)
                    yield session, conv
                    conv.updated_at = utcnow()
                return
            except IntegrityError:
                # Two first messages of one chat raced to create its row: the loser reloads it.
                if attempt:
                    raise


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
