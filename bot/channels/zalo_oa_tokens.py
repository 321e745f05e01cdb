"""The Zalo OA token pair, kept in the database and refreshed by one holder at a time.

Refresh tokens are single-use: two processes refreshing with the same one would leave
one of them locked out. The refresh happens under a lock (asyncio in the process; the
row's ``FOR UPDATE`` lock on PostgreSQL across processes), and the new pair replaces the
old in the same transaction. Whoever finds the stored token already changed uses it.

An access token lives about 25 hours. The pair is stored with its expiry (the seed's from
``ZALO_OA_TOKEN_EXPIRES_IN``) and ``keep_fresh`` renews it ahead of time, so sends do not
wait for Zalo to refuse a token; a refused one (``-216``, ``-220``) is renewed at once.
A renewal that fails is an alert: without it every reply would fail from then on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.zalo_oa_client import TokenPair, ZaloOAClient
from bot.ops.alerts import FailureAlert
from bot.pipeline.models import ChannelToken
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
        seed_expires_in_s: int = 90000,
        refresh_margin_s: int = 3600,
        alert: FailureAlert | None = None,
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._client = client
        self._channel = channel
        self._seed = seed
        lifetime = seed.expires_in_s if seed and seed.expires_in_s else seed_expires_in_s
        self._seed_expires_in = dt.timedelta(seconds=lifetime)
        self._margin = dt.timedelta(seconds=refresh_margin_s)
        self._lock = asyncio.Lock()
        self._cached: tuple[str, dt.datetime | None] | None = None
        self.alert = alert or FailureAlert("zalo_token_refresh_failed")
        self._now = now

    async def access_token(self) -> str:
        """The current access token, refreshed first when it is about to expire."""
        if self._cached is None:
            async with self._lock:
                if self._cached is None:
                    self._cached = await self._load()
        token, expires_at = self._cached
        if expires_at is not None and _aware(expires_at) - self._now() < self._margin:
            return await self.refresh(token)
        return token

    async def refresh(self, stale: str) -> str:
        """A fresh access token after ``stale`` was refused (or is about to expire)."""
        return await self._renew(lambda row: row.access_token == stale)

    async def refresh_if_due(self) -> dt.datetime | None:
        """Renews the pair if it expires within the margin (or its expiry is unknown); the expiry after."""
        await self.access_token()  # stores the seed pair on first use

        def due(row: ChannelToken) -> bool:
            return row.expires_at is None or _aware(row.expires_at) - self._now() < self._margin

        await self._renew(due)
        return self._cached[1] if self._cached else None

    async def _renew(self, needed: Callable[[ChannelToken], bool]) -> str:
        """The stored access token, replaced first by a new pair when ``needed`` says so."""
        async with self._lock:
            try:
                async with self._sessions() as session, session.begin():
                    row = await self._row(session, lock=True)
                    if row is None:
                        raise TokenUnavailable("no Zalo OA token stored or configured")
                    if not needed(row):  # someone refreshed meanwhile, or it is not due
                        self._cached = (row.access_token, row.expires_at)
                        return row.access_token
                    pair = await self._client.refresh(row.refresh_token)
                    now = self._now()
                    row.access_token = pair.access_token
                    row.refresh_token = pair.refresh_token
                    lifetime = pair.expires_in_s or int(self._seed_expires_in.total_seconds())
                    row.expires_at = now + dt.timedelta(seconds=lifetime)
                    row.version += 1
                    row.updated_at = now
            except Exception as exc:
                self.alert.failed(f"renewing the Zalo OA access token failed: {exc!r}; replies stop when it expires")
                raise
            self.alert.succeeded()
            self._cached = (pair.access_token, row.expires_at)
            log.info("zalo: access token refreshed (version %d, expires %s)", row.version, row.expires_at)
            return pair.access_token

    async def keep_fresh(self, *, check_every_s: float = 600.0, retry_s: float = 60.0) -> None:
        """Runs until cancelled: renews the pair ahead of its expiry, retrying (and alerting) on failure."""
        delay = retry_s
        while True:
            try:
                expires_at = await self.refresh_if_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # alerted in _renew; tried again soon, then less often
                await asyncio.sleep(delay)
                delay = min(delay * 2, 900.0)
                continue
            delay = retry_s
            wait = check_every_s
            if expires_at is not None:  # wake up when it becomes due, at the latest
                due_in = (_aware(expires_at) - self._margin - self._now()).total_seconds()
                wait = max(1.0, min(wait, due_in))
            await asyncio.sleep(wait)

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
                    expires_at=self._now() + self._seed_expires_in,
                    version=1,
                    updated_at=self._now(),
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
