"""Workers that process inbox events: one turn of the dialogue per event, exactly once.

A turn's effects — the conversation state the dialogue changed, the event marked
done, and the replies queued in the outbox — commit in ONE transaction, the turn's
unit of work (:class:`bot.pipeline.turns.TurnRunner`): the worker adds its writes to it
before the runner commits. So a crash at any point either loses the whole turn (the
event is processed again, from the same state) or none of it; the sender then delivers
the queued replies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Reply
from bot.ops import metrics
from bot.pipeline.background import drain
from bot.pipeline.inbox import ClaimedEvent, Inbox
from bot.pipeline.sqlite_gate import writing
from bot.pipeline.turns import TurnRunner
from bot.storage.models import Outbox

log = logging.getLogger(__name__)


def reply_rows(channel: str, user_id: str, key_prefix: str, replies: list[Reply]) -> list[dict[str, object]]:
    return [
        {
            "channel": channel,
            "user_id": user_id,
            "text": r.text,
            "buttons": [[b.label, b.payload] for b in r.buttons] or None,
            "attachment": r.attachment,
            "dedupe_key": f"{key_prefix}:{i}"[:200],
            "status": "pending",
            "attempts": 0,
        }
        for i, r in enumerate(replies)
    ]


async def queue_replies(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    await session.execute(insert(Outbox).values(rows).on_conflict_do_nothing())


class InboxWorkers:
    """Claims events and runs their turns, up to ``concurrency`` users at once."""

    def __init__(
        self,
        inbox: Inbox,
        turns: TurnRunner,
        *,
        concurrency: int = 8,
        poll_s: float = 1.0,
        wake: asyncio.Event | None = None,
        on_replies: Callable[[], None] = lambda: None,
        failure_text: str = "Dạ, hệ thống đang gặp sự cố. Anh/Chị vui lòng thử lại sau ít phút ạ.",
    ) -> None:
        self._inbox = inbox
        self._turns = turns
        self._concurrency = concurrency
        self._poll_s = poll_s
        self._on_replies = on_replies
        self._failure_text = failure_text
        self._wake = wake or asyncio.Event()  # set by whoever stores an event (the webhook's store)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._run(), name="inbox-workers")

    async def stop(self, grace_s: float = 10.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        await drain(self._tasks, grace_s)  # events of cancelled turns stay claimed: taken over after the lease

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            free = self._concurrency - len(self._tasks)
            claimed: list[ClaimedEvent] = []
            if free > 0:
                try:
                    claimed = await self._inbox.claim(free)
                except Exception:
                    log.exception("inbox: claiming failed (database down?)")
            for event in claimed:
                task = asyncio.create_task(self.process(event))
                self._tasks.add(task)
                task.add_done_callback(self._finished)
            if claimed and len(claimed) == free:
                await asyncio.sleep(0)  # more may be waiting: claim again once a slot frees
            if len(self._tasks) >= self._concurrency or not claimed:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_s)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()  # the user's next event may be claimable now

    @metrics.timed_turn
    async def process(self, event: ClaimedEvent) -> None:
        async def finish(session: AsyncSession, replies: list[Reply]) -> bool:
            if not await self._inbox.mark_done(session, event):
                log.warning("inbox: event %s was taken over by another worker; turn dropped", event.id)
                return False
            rows = reply_rows(event.channel, event.user_id, f"reply:{event.channel}:{event.event_key}", replies)
            await queue_replies(session, rows)
            committed.append(True)
            return True

        committed: list[bool] = []
        try:
            await self._turns.run(event.incoming(), finish)
        except Exception as exc:
            log.warning("inbox: event %s (%s) failed, attempt %d: %r",
                        event.id, event.channel, event.attempts, exc)
            await self._record_failure(event, exc)
        else:
            if committed:
                metrics.turn_committed(event.channel)
        self._on_replies()

    async def _record_failure(self, event: ClaimedEvent, exc: Exception) -> None:
        try:
            if not await self._inbox.mark_failed(event, repr(exc)):
                return
            # Given up: tell the citizen rather than stay silent.
            async with writing(self._inbox.sessions), self._inbox.sessions() as session, session.begin():
                key = f"reply:{event.channel}:{event.event_key}:failed"
                await queue_replies(session, reply_rows(event.channel, event.user_id, key, [Reply(self._failure_text)]))
        except Exception:
            log.exception("inbox: could not record the failure of event %s (lease will expire)", event.id)
