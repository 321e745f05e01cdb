"""The unit of work of one turn: one session, one transaction, one commit, owned by whoever runs the turn.

The dialogue first hears the message (the NLU call, outside any transaction, so a slow
understander holds no database lock); then this runner opens the session and the
transaction, loads the chat's conversation, and hands both to the dialogue, whose flows
change state through that session. ``finish`` adds the caller's own writes to the same
transaction (the inbox worker marks its event done and queues the replies) or refuses
the turn; the runner then commits once, or rolls everything back. The conversation row
has one writer during a turn: this transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.conversations import load_conversation
from bot.core.messages import Incoming, Reply
from bot.pipeline.sqlite_gate import writing
from bot.storage.models import Conversation, utcnow

# The caller's writes in the turn's transaction; False abandons the turn (nothing of it is kept).
Finish = Callable[[AsyncSession, list[Reply]], Awaitable[bool]]
_Heard = TypeVar("_Heard")


class Responder(Protocol[_Heard]):
    """What the runner drives: the dialogue (bot/core/dialogue.py), or a stand-in in tests."""

    async def hear(self, msg: Incoming) -> _Heard:
        """What can be worked out before the transaction opens (understanding the text)."""
        ...

    async def handle(self, session: AsyncSession, conv: Conversation, heard: _Heard) -> list[Reply]:
        """The replies; state changes through ``session``, which the caller commits."""
        ...


class TurnRunner:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], dialogue: Responder[Any]) -> None:
        self.sessions = sessions
        self.dialogue = dialogue

    async def run(self, msg: Incoming, finish: Finish | None = None) -> list[Reply]:
        """Runs one turn and commits it (unless ``finish`` refuses it); its replies."""
        heard = await self.dialogue.hear(msg)
        async with writing(self.sessions):  # SQLite: one writer at a time, the turn included
            session, conv = await self._open(msg.channel, msg.user_id)
            try:
                replies = await self.dialogue.handle(session, conv, heard)
                conv.updated_at = utcnow()
                await session.flush()
                if finish is None or await finish(session, replies):
                    await session.commit()
                else:
                    await session.rollback()
            finally:
                await session.close()  # rolls back what was not committed (an exception, a cancellation)
        return replies

    async def _open(self, channel: str, user_id: str) -> tuple[AsyncSession, Conversation]:
        for attempt in range(2):
            session = self.sessions()
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
