"""Workers that process inbox events: one turn of the dialogue per event, exactly once.

A turn's effects — the conversation state the dialogue changed, the event marked
done, and the replies queued in the outbox — commit in ONE transaction. The dialogue
opens that transaction through :class:`TurnStore`; inside a worker's turn it is left
open for the worker to add its own writes and commit. So a crash at any point either
loses the whole turn (the event is processed again, from the same state) or none of
it; the sender then delivers the queued replies.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.conversations import ConversationStore, load_conversation
from bot.core.dialogue import Dialogue
from bot.core.messages import Reply
from bot.ops import metrics
from bot.pipeline.background import drain
from bot.pipeline.inbox import ClaimedEvent, Inbox
from bot.pipeline.sqlite_gate import WriteGate, gate_for, writing
from bot.storage.models import Conversation, Outbox, utcnow

log = logging.getLogger(__name__)


@dataclass
class _TurnScope:
    """The turn's open transaction and, on SQLite, the write gate held until it ends."""

    # The worker's sessions: on SQLite a pool of open connections (opening one costs ~10 ms).
    sessions: async_sessionmaker[AsyncSession] | None = None
    session: AsyncSession | None = None
    gate: WriteGate | None = None

    async def close(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            await session.close()  # rolls back what was not committed
        if self.gate is not None:
            gate, self.gate = self.gate, None
            gate.release()


_turn: contextvars.ContextVar[_TurnScope | None] = contextvars.ContextVar("inbox_turn", default=None)


class TurnStore(ConversationStore):
    """A ConversationStore whose transaction, inside a worker's turn, the worker commits."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions)
        self._turn_sessions = sessions

    @asynccontextmanager
    async def open(self, channel: str, user_id: str) -> AsyncIterator[tuple[AsyncSession, Conversation]]:
        scope = _turn.get()
        if scope is None or scope.session is not None:
            async with super().open(channel, user_id) as pair:
                yield pair
            return
        sessions = scope.sessions or self._turn_sessions
        if (gate := gate_for(sessions)) is not None:
            await gate.acquire()
            scope.gate = gate  # released by the worker once the turn is committed or abandoned
        session, conv = await self._load(sessions, channel, user_id)
        handed_over = False
        try:
            yield session, conv
            conv.updated_at = utcnow()
            await session.flush()
            scope.session = session
            handed_over = True
        finally:
            if not handed_over:
                await session.close()  # rolls back

    @staticmethod
    async def _load(
        sessions: async_sessionmaker[AsyncSession], channel: str, user_id: str
    ) -> tuple[AsyncSession, Conversation]:
        for attempt in range(2):
            session = sessions()
            try:
                await session.begin()
                return session, await load_conversation(session, channel, user_id)
            except IntegrityError:
                # Two first messages of one chat raced to create its row: the loser reloads it.
                await session.close()
                if attempt:
                    raise
            except BaseException:
                await session.close()
                raise
        raise AssertionError("unreachable")


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
        dialogue: Dialogue,
        *,
        concurrency: int = 8,
        poll_s: float = 1.0,
        on_replies: Callable[[], None] = lambda: None,
        failure_text: str = "Dạ, hệ thống đang gặp sự cố. Anh/Chị vui lòng thử lại sau ít phút ạ.",
    ) -> None:
        self._inbox = inbox
        self._dialogue = dialogue
        self._concurrency = concurrency
        self._poll_s = poll_s
        self._on_replies = on_replies
        self._failure_text = failure_text
        self._wake = asyncio.Event()
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
        scope = _TurnScope(sessions=self._inbox.sessions)
        token = _turn.set(scope)
        try:
            replies = await self._dialogue.handle(event.incoming())
            await self._commit_turn(scope, event, replies)
        except Exception as exc:
            await scope.close()
            log.warning("inbox: event %s (%s) failed, attempt %d: %r",
                        event.id, event.channel, event.attempts, exc)
            await self._record_failure(event, exc)
        finally:
            await scope.close()
            _turn.reset(token)
        self._on_replies()

    async def _commit_turn(self, scope: _TurnScope, event: ClaimedEvent, replies: list[Reply]) -> None:
        if scope.session is None:  # the dialogue did not open the conversation (a plugged-in stub)
            if (gate := gate_for(self._inbox.sessions)) is not None:
                await gate.acquire()
                scope.gate = gate
            scope.session = self._inbox.sessions()
            await scope.session.begin()
        session = scope.session
        if not await self._inbox.mark_done(session, event):
            log.warning("inbox: event %s was taken over by another worker; turn dropped", event.id)
            await session.rollback()
            return
        rows = reply_rows(event.channel, event.user_id, f"reply:{event.channel}:{event.event_key}", replies)
        await queue_replies(session, rows)
        await session.commit()
        metrics.turn_committed(event.channel)

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
