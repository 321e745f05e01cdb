"""The Zalo OA token pair, kept in the database and refreshed by one holder at a time.

Refresh tokens are single-use: two processes refreshing with the same one would leave
one of them locked out. The refresh happens under a lock (asyncio in the process; the
row's ``FOR UPDATE`` lock on PostgreSQL across processes), and the new pair replaces the
old in the same transaction. Whoever finds the stored token already changed uses it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.zalo_oa_client import TokenPair, ZaloOAClient
from bot.storage.channel_models import ChannelToken
from bot.storage.models import utcnow

log = logging.getLogger(__name__)


class TokenUnavailable(Exception):
    pass


class ZaloTokenStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: ZaloOAClient,
        *,
        channel: str = "zalo",
        seed: TokenPair | None = None,
        refresh_margin_s: int = 600,
    ) -> None:
        self._sessions = sessions
        self._client = client
        self._channel = channel
        self._seed = seed
        self._margin = dt.timedelta(seconds=refresh_margin_s)
        self._lock = asyncio.Lock()
        self._cached: tuple[str, dt.datetime | None] | None = None

    async def access_token(self) -> str:
        """The current access token, refreshed first when it is about to expire."""
        if self._cached is None:
            async with self._lock:
                if self._cached is None:
                    self._cached = await self._load()
        token, expires_at = self._cached
        if expires_at is not None and _aware(expires_at) - utcnow() < self._margin:
            return await self.refresh(token)
        return token

    async def refresh(self, stale: str) -> str:
        """A fresh access token after ``stale`` was refused (or is about to expire)."""
        async with self._lock:
            async with self._sessions() as session, session.begin():
                row = await self._row(session, lock=True)
                if row is None:
                    raise TokenUnavailable("no Zalo OA token stored or configured")
                if row.access_token != stale:  # someone refreshed meanwhile
                    self._cached = (row.access_token, row.expires_at)
                    return row.access_token
                pair = await self._client.refresh(row.refresh_token)
                now = utcnow()
                row.access_token = pair.access_token
                row.refresh_token = pair.refresh_token
                row.expires_at = now + dt.timedelta(seconds=pair.expires_in_s) if pair.expires_in_s else None
                row.version += 1
                row.updated_at = now
            self._cached = (pair.access_token, row.expires_at)
            log.info("zalo: access token refreshed (version %d)", row.version)
            return pair.access_token

    async def _load(self) -> tuple[str, dt.datetime | None]:
        async with self._sessions() as session, session.begin():
            row = await self._row(session, lock=False)
            if row is None:
                if self._seed is None:
                    raise TokenUnavailable("no Zalo OA token stored or configured")
                row = ChannelToken(
                    channel=self._channel,
                    access_token=self._seed.access_token,
                    refresh_token=self._seed.refresh_token,
                    expires_at=None,
                    version=1,
                    updated_at=utcnow(),
                )
                session.add(row)
            return row.access_token, row.expires_at

    async def _row(self, session: AsyncSession, *, lock: bool) -> ChannelToken | None:
        stmt = select(ChannelToken).where(ChannelToken.channel == self._channel)
        if lock and session.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()


def _aware(when: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
