"""The inbox: every inbound event stored under a unique key before the webhook answers.

Store-then-process. A webhook (or poller) calls :meth:`Inbox.accept`; only after the
row is committed does the platform get its 200, so an acknowledged message is never
lost, and a redelivery (same key) is recognised and not processed again. Workers
(:mod:`bot.pipeline.workers`) claim events so that each user's events run one at a time,
in arrival order. The claim works for several processes on PostgreSQL (``FOR UPDATE
SKIP LOCKED`` plus a lease, so a crashed worker's events are taken over) and for one
process on SQLite.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.core.messages import Incoming
from bot.pipeline.models import ACTIVE_SQL, InboxEvent
from bot.pipeline.sqlite_gate import URGENT, writing
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # no platform sends longer messages; a longer body is not a citizen's message


@dataclass(frozen=True)
class InboundEvent:
    """A platform event translated by an adapter, ready to be stored."""

    channel: str
    event_key: str
    user_id: str
    text: str = ""
    payload: str | None = None
    alt_key: str | None = None
    # Platform data the processing needs besides the message (e.g. a callback query id).
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        payload = clean(self.payload) if self.payload is not None else None
        extra = {clean(str(k)): clean(v) if isinstance(v, str) else v for k, v in self.extra.items()}
        return {"text": clean(self.text[:MAX_TEXT]), "payload": payload, "extra": extra}


def clean(text: str) -> str:
    """Text any database takes: lone surrogates (valid JSON escapes, invalid UTF-8) and NULs replaced."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


@dataclass(frozen=True)
class ClaimedEvent:
    id: int
    channel: str
    event_key: str
    user_id: str
    body: dict[str, Any]
    attempts: int
    claim_token: str

    def incoming(self) -> Incoming:
        payload = self.body.get("payload")
        return Incoming(
            channel=self.channel,
            user_id=self.user_id,
            text=str(self.body.get("text") or ""),
            payload=str(payload) if payload is not None else None,
        )


class Inbox:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, lease_s: float = 30.0, max_attempts: int = 5
    ) -> None:
        self.sessions = sessions
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        engine = sessions.kw.get("bind")
        self._batches = _Batches(sessions) if engine is not None and engine.dialect.name == "sqlite" else None

    # -- storing --------------------------------------------------------------------------------------

    async def accept(self, event: InboundEvent) -> bool:
        """Stores the event; False when an event with the same key (or alt key) is already stored."""
        now = utcnow()
        values = {
            "channel": event.channel,
            "event_key": clean(event.event_key[:200]),
            "alt_key": clean(event.alt_key[:200]) if event.alt_key else None,
            "user_key": clean(event.user_id[:64]),
            "body": event.body(),
            "status": "pending",
            "attempts": 0,
            "available_at": now,
            "created_at": now,
        }
        if self._batches is not None:
            return await self._batches.add(values)
        async with self.sessions() as session, session.begin():
            return bool(await _insert_new(session, [values]))

    # -- claiming -------------------------------------------------------------------------------------

    async def claim(self, limit: int) -> list[ClaimedEvent]:
        """Up to ``limit`` events, at most one per user: each user's earliest unfinished event."""
        if limit <= 0:
            return []
        now = utcnow()
        e = InboxEvent
        earlier = aliased(InboxEvent, name="earlier")
        # Written so that both databases use the partial index of unfinished events.
        claimable = and_(
            text(ACTIVE_SQL),
            or_(
                and_(e.status == "pending", e.available_at <= now),
                and_(e.status == "processing", e.lease_until < now),  # its worker died or hung
            ),
        )
        blocked = exists().where(
            earlier.channel == e.channel,
            earlier.user_key == e.user_key,
            earlier.id < e.id,
            text(ACTIVE_SQL.replace("status", "earlier.status")),
        )
        token = secrets.token_hex(8)
        async with writing(self.sessions), self.sessions() as session, session.begin():
            stmt = select(e.id).where(claimable, ~blocked).order_by(e.id).limit(limit)
            if session.bind.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True, of=e)
            ids = list((await session.execute(stmt)).scalars())
            if not ids:
                return []
            rows = await session.execute(
                update(e)
                .where(e.id.in_(ids), claimable)
                .values(
                    status="processing",
                    claim_token=token,
                    attempts=e.attempts + 1,
                    lease_until=now + dt.timedelta(seconds=self.lease_s),
                )
                .returning(e.id, e.channel, e.event_key, e.user_key, e.body, e.attempts)
            )
            claimed = [
                ClaimedEvent(r.id, r.channel, r.event_key, r.user_key, r.body or {}, r.attempts, token)
                for r in rows
            ]
        return sorted(claimed, key=lambda c: c.id)

    # -- finishing ------------------------------------------------------------------------------------

    async def mark_done(self, session: AsyncSession, event: ClaimedEvent) -> bool:
        """Inside the caller's transaction; False if the claim was lost (another worker took over)."""
        result = await session.execute(
            update(InboxEvent)
            .where(
                InboxEvent.id == event.id,
                InboxEvent.claim_token == event.claim_token,
                InboxEvent.status == "processing",
            )
            .values(status="done", body=None, processed_at=utcnow(), lease_until=None, last_error=None)
            .returning(InboxEvent.id)
        )
        return result.first() is not None

    async def mark_failed(self, event: ClaimedEvent, error: str) -> bool:
        """Schedules a retry with backoff; True when the attempts are used up (status "failed")."""
        final = event.attempts >= self.max_attempts
        delay = min(60.0, 2.0 ** event.attempts)
        values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None}
        if final:
            values.update(status="failed", processed_at=utcnow())
        else:
            values.update(status="pending", available_at=utcnow() + dt.timedelta(seconds=delay))
        async with writing(self.sessions), self.sessions() as session, session.begin():
            await session.execute(
                update(InboxEvent)
                .where(InboxEvent.id == event.id, InboxEvent.claim_token == event.claim_token)
                .values(**values)
            )
        return final

    # -- housekeeping ---------------------------------------------------------------------------------

    async def recover(self) -> int:
        """Single-process start-up: events left "processing" by a killed run are pending again."""
        async with writing(self.sessions), self.sessions() as session, session.begin():
            result = await session.execute(
                update(InboxEvent)
                .where(InboxEvent.status == "processing")
                .values(status="pending", lease_until=None, available_at=utcnow())
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def purge(self, older_than: dt.timedelta) -> int:
        """Deletes finished events past retention (their keys were only kept to spot redeliveries)."""
        cutoff = utcnow() - older_than
        async with writing(self.sessions), self.sessions() as session, session.begin():
            result = await session.execute(
                delete(InboxEvent).where(
                    InboxEvent.status.in_(("done", "failed")), InboxEvent.processed_at < cutoff
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


async def _insert_new(session: AsyncSession, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Inserts the rows not stored yet; the (channel, event_key) of those inserted."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    # No conflict target: a clash on either unique key means "already have it".
    stmt = insert(InboxEvent).values(rows).on_conflict_do_nothing()
    result = await session.execute(stmt.returning(InboxEvent.channel, InboxEvent.event_key))
    return {(r.channel, r.event_key) for r in result}


class _Batches:
    """Group commit on SQLite: events that arrive together are stored in one transaction.

    SQLite has one writer and every transaction costs a few round trips to its thread;
    a burst (a platform resending after an outage) is stored at once instead of queueing
    one insert after another past the webhook's deadline.
    """

    MAX = 500

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def add(self, values: dict[str, Any]) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((values, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self.MAX], self._waiting[self.MAX :]
            try:
                async with writing(self._sessions, URGENT), self._sessions() as session, session.begin():
                    new = await _insert_new(session, [values for values, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            seen: set[tuple[str, str]] = set()
            for values, future in batch:  # the same event twice in one batch: the first is the new one
                key = (values["channel"], values["event_key"])
                if not future.done():
                    future.set_result(key in new and key not in seen)
                seen.add(key)
