"""Multi-turn flows (dossier lookup, survey, feedback) plugged into the dialogue.

A flow owns some intents and, while it is active, the chat's next messages.
Its state lives in ``Conversation.pending["flow"]`` and its own tables, inside
the same transaction as the rest of the turn, so a restart resumes it.
Besides its intents and buttons, a flow claims the messages the NLU cannot be
trusted with, such as its commands ("/xoadulieu", "hủy theo dõi").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Incoming, Reply
from bot.core.understanding import Understanding
from bot.storage.models import Conversation


@dataclass
class Turn:
    """One message being handled: the database session, the chat's state and what was understood."""

    session: AsyncSession
    conv: Conversation
    msg: Incoming
    text: str
    understanding: Understanding | None  # None for button presses and typed numbers

    @property
    def flow_state(self) -> dict[str, object]:
        state = (self.conv.pending or {}).get("flow")
        return dict(state) if isinstance(state, dict) else {}

    def set_flow_state(self, state: dict[str, object] | None) -> None:
        pending = {k: v for k, v in (self.conv.pending or {}).items() if k != "flow"}
        if state is not None:
            pending["flow"] = state
        self.conv.pending = pending or None


class Flow(Protocol):
    name: str  # also the prefix of its button payloads: "<name>:..."
    intents: frozenset[str]  # intents that start it

    async def start(self, turn: Turn) -> list[Reply]:
        """Begin the flow for a message with one of ``intents``."""
        ...

    async def resume(self, turn: Turn) -> list[Reply] | None:
        """Continue while the flow is active; None hands the message back to the dialogue."""
        ...

    def claims(self, turn: Turn) -> bool:
        """True to start for this message whatever was understood (a command of its own)."""
        ...
