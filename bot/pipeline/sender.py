"""The one outgoing sender: delivers queued replies and notifications (the outbox) on every channel.

Each chat's rows go out one at a time in id order; every platform message waits for
its channel's limits (overall and per chat) and for any "retry after" the platform
gave. A channel adapter only renders and sends (:class:`ChannelSender`); what to do
with each outcome is decided here: sent, retried later, or recorded as failed or
undeliverable (e.g. outside Zalo's reply window) — never retried for ever.

Delivery is at least once: a crash between the platform's "ok" and our "sent" sends
that message again after restart. On PostgreSQL one process at a time sends (an
advisory lock), so the platform's overall limit holds across worker processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.conversations import load_conversation
from bot.core.messages import Button, Reply, offer_buttons
from bot.ops import metrics
from bot.pipeline.background import drain
from bot.pipeline.delivery import PermanentFailure, RetryLater, Undeliverable
from bot.pipeline.ratelimit import ChannelLimiter
from bot.pipeline.sqlite_gate import writing
from bot.settings.channels import RateLimits
from bot.storage.models import Outbox, by_clerk, utcnow

log = logging.getLogger(__name__)
LEADER_LOCK = 0x7474_6863_5F73  # "tthc_s": one sending process per database


class ChannelSender(Protocol):
    channel: str
    limits: RateLimits

    def render(self, reply: Reply, ref: str) -> Sequence[Any]:
        """The platform messages for one reply, in order (split to length, buttons on the last)."""
        ...

    async def send(self, user_id: str, message: Any) -> None:
        """Sends one rendered message; raises RetryLater, Undeliverable or PermanentFailure."""
        ...


def reply_of(row: Outbox) -> Reply:
    buttons: list[Button] = []
    for b in row.buttons or []:
        if isinstance(b, dict):
            buttons.append(Button(str(b.get("label", "")), str(b.get("payload", ""))))
        elif isinstance(b, list | tuple) and len(b) == 2:
            buttons.append(Button(str(b[0]), str(b[1])))
    return Reply(row.text, tuple(buttons), row.attachment, notice=not row.dedupe_key.startswith("reply:"),
                 by_clerk=by_clerk(row.dedupe_key))


class Sender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: Sequence[ChannelSender],
        *,
        concurrency: int = 32,
        max_attempts: int = 8,
        poll_s: float = 1.0,
        batch: int = 200,
    ) -> None:
        self._sessions = sessions
        self._channels = {c.channel: c for c in channels}
        self._limiters = {c.channel: ChannelLimiter(c.limits) for c in channels}
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._poll_s = poll_s
        self._batch = batch
        self._busy: set[tuple[str, str]] = set()
        self._progress: dict[int, int] = {}  # row id -> messages of it already sent
        self._not_before: dict[int, float] = {}
        # Rows just finished: a scan that read the outbox before their update must not resend them.
        self._recent: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None
        self._leader: AsyncConnection | None = None
        self._leader_checked = 0.0

    def nudge(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._channels:
            self._loop_task = asyncio.create_task(self._run(), name="sender")

    async def stop(self, grace_s: float = 10.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        await drain(self._tasks, grace_s)
        if self._leader is not None:
            # Closed for real, not returned to the pool: a pooled connection would keep the lock.
            leader, self._leader = self._leader, None
            await leader.invalidate()
            await leader.close()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            free = self._concurrency - len(self._tasks)
            try:
                rows = await self._due_rows(free) if free > 0 and await self._lead() else []
            except Exception:
                log.exception("sender: reading the outbox failed (database down?)")
                rows = []
            for row in rows:
                self._busy.add((row.channel, row.user_id))
                task = asyncio.create_task(self._deliver(row))
                self._tasks.add(task)
                task.add_done_callback(self._finished)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_s)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()

    async def _lead(self) -> bool:
        """True when this process may send: always on SQLite, the lock holder on PostgreSQL."""
        if self._leader is not None:
            if time.monotonic() - self._leader_checked < 5.0:
                return True
            try:  # the lock lives as long as its connection: a lost connection means not leader any more
                await self._leader.execute(text("SELECT 1"))
                await self._leader.commit()  # not left idle in a transaction
                self._leader_checked = time.monotonic()
                return True
            except Exception:
                log.warning("sender: lost the leader connection; another process may send now")
                leader, self._leader = self._leader, None
                with contextlib.suppress(Exception):
                    await leader.invalidate()
                    await leader.close()
        engine: AsyncEngine = self._sessions.kw["bind"]
        if engine.dialect.name != "postgresql":
            return True
        conn = await engine.connect()
        got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK})).scalar()
        await conn.commit()
        if got:
            self._leader = conn  # held for the life of this connection
            self._leader_checked = time.monotonic()
            return True
        await conn.close()
        return False

    async def _due_rows(self, limit: int) -> list[Outbox]:
        """Each chat's oldest pending row, for chats not being served and rows not waiting a retry."""
        first = (
            select(func.min(Outbox.id))
            .where(Outbox.status == "pending", Outbox.channel.in_(list(self._channels)))
            .group_by(Outbox.channel, Outbox.user_id)
        )
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Outbox).where(Outbox.id.in_(first)).order_by(Outbox.id).limit(self._batch)
                )
            ).scalars()
            now = time.monotonic()
            self._recent = {i: t for i, t in self._recent.items() if now - t < 60.0}
            due = [
                r for r in rows
                if (r.channel, r.user_id) not in self._busy
                and self._not_before.get(r.id, 0.0) <= now
                and r.id not in self._recent
            ]
        return due[:limit]

    async def _deliver(self, row: Outbox) -> None:
        channel = self._channels[row.channel]
        limiter = self._limiters[row.channel]
        try:
            messages = channel.render(reply_of(row), str(row.id))
            for i in range(self._progress.get(row.id, 0), len(messages)):
                await limiter.acquire(row.user_id)
                await channel.send(row.user_id, messages[i])
                self._progress[row.id] = i + 1
        except RetryLater as exc:
            metrics.sender_outcome(row.channel, "retry_after")
            limiter.pause(exc.after_s)
            self._not_before[row.id] = time.monotonic() + exc.after_s
            log.info("sender: %s asks to wait %.1fs", row.channel, exc.after_s)
        except Undeliverable as exc:
            await self._finish(row, "undeliverable", str(exc))
        except PermanentFailure as exc:
            await self._finish(row, "failed", str(exc))
        except Exception as exc:
            metrics.sender_outcome(row.channel, "error")
            attempts = row.attempts + 1
            if attempts >= self._max_attempts:
                await self._finish(row, "failed", repr(exc))
            else:
                self._not_before[row.id] = time.monotonic() + min(300.0, 2.0**attempts)
                await self._record(row, {"attempts": attempts, "last_error": repr(exc)[:2000]})
            log.warning("sender: %s message %s failed (attempt %d): %r", row.channel, row.id, attempts, exc)
        else:
            await self._finish(row, "sent", None)
        finally:
            self._busy.discard((row.channel, row.user_id))

    async def _finish(self, row: Outbox, status: str, error: str | None) -> None:
        metrics.sender_outcome(row.channel, status)  # sent, failed or undeliverable
        values: dict[str, Any] = {"status": status, "attempts": row.attempts + 1, "last_error": error}
        if status == "sent":
            values["sent_at"] = utcnow()
        # What the assistant sent on its own with choices: a typed number picks them (turn replies
        # were remembered by the dialogue already).
        unsolicited = status == "sent" and not row.dedupe_key.startswith("reply:")
        offered = [[b.label, b.payload] for b in reply_of(row).buttons] if unsolicited else None
        self._recent[row.id] = time.monotonic()
        if await self._record(row, values, offered):
            self._progress.pop(row.id, None)
            self._not_before.pop(row.id, None)

    async def purge_replies(self, older_than: dt.timedelta) -> int:
        """Deletes finished replies past retention (they repeat what citizens asked about)."""
        cutoff = utcnow() - older_than
        async with writing(self._sessions), self._sessions() as session, session.begin():
            result = await session.execute(
                delete(Outbox).where(
                    Outbox.dedupe_key.like("reply:%"), Outbox.status != "pending", Outbox.created_at < cutoff
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def _record(self, row: Outbox, values: dict[str, Any], offered: list[list[str]] | None = None) -> bool:
        for attempt in range(3):
            try:
                async with writing(self._sessions), self._sessions() as session, session.begin():
                    result = await session.execute(update(Outbox).where(Outbox.id == row.id).values(**values))
                    # No row: the chat's data was erased meanwhile; its conversation must not come back.
                    if offered and result.rowcount:  # type: ignore[attr-defined]
                        await remember_offer(session, row.channel, row.user_id, offered)
                return True
            except Exception:
                if attempt == 2:
                    log.exception("sender: could not record outbox row %s as %s", row.id, values)
                await asyncio.sleep(0.5 * (attempt + 1))
        return False


async def remember_offer(session: AsyncSession, channel: str, user_id: str, offered: list[list[str]]) -> None:
    """The chat's conversation now offers these buttons (created if the chat never wrote yet)."""
    conv = await load_conversation(session, channel, user_id)  # locked: a turn may be saving its state
    conv.pending = offer_buttons(conv.pending, offered)
    conv.updated_at = utcnow()
