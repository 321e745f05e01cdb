"""What the pipeline has not finished, read from the database when ``/metrics`` is scraped (bot.ops.metrics)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ops.metrics import Backlog
from bot.pipeline.models import InboxEvent
from bot.storage.models import Outbox


async def read_backlog(sessions: async_sessionmaker[AsyncSession]) -> Backlog:
    """Unfinished inbound events per (channel, status) and pending outgoing messages per channel."""
    async with sessions() as session:
        inbox = await session.execute(
            select(InboxEvent.channel, InboxEvent.status, func.count())
            .where(InboxEvent.status.in_(("pending", "processing")))
            .group_by(InboxEvent.channel, InboxEvent.status)
        )
        outbox = await session.execute(
            select(Outbox.channel, func.count()).where(Outbox.status == "pending").group_by(Outbox.channel)
        )
        return {(c, s): int(n) for c, s, n in inbox.all()}, {c: int(n) for c, n in outbox.all()}
