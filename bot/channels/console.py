"""Terminal chat: a channel adapter like the others, on standard input and output.

Each typed line is stored in the inbox as an event; a worker runs its turn and the
sender delivers the replies to :meth:`ConsoleChannel.send`, which prints them — the
path every platform's messages take. The next line is read once the previous one is
settled (its turn done, nothing left in the outbox or the export queue for this chat),
so piped input prints every reply in order, and the end of input ends the chat once
the last reply is out. Buttons are shown as numbered choices; a typed number picks
the last ones shown. Messages the assistant sends on its own (dossier notifications,
invitations) are printed as they come, marked as such.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.common import WebhookStore
from bot.core.messages import Reply
from bot.pipeline.inbox import InboundEvent
from bot.pipeline.models import InboxEvent
from bot.settings.channels import RateLimits
from bot.storage.models import ExportJob, Outbox

CHANNEL = "console"
EXIT_WORDS = {"/thoat", "/quit", "/exit"}
SETTLE_POLL_S = 0.05


def render(reply: Reply) -> str:
    lines = [reply.text]
    lines += [f"  {i}. {b.label}" for i, b in enumerate(reply.buttons, 1)]
    return "\n".join(lines)


class ConsoleChannel:
    """A ChannelSender (bot.pipeline.sender) whose platform is this terminal."""

    channel = CHANNEL

    def __init__(self, store: WebhookStore, sessions: async_sessionmaker[AsyncSession],
                 user_id: str = "console-user") -> None:
        self.limits = RateLimits(global_per_s=0, per_chat_per_s=0, per_chat_burst=1)  # a terminal has no quota
        self.user_id = user_id
        self.finished = asyncio.Event()  # end of input (or /thoat) and the last reply printed
        self._store = store
        self._sessions = sessions
        self._run = uuid.uuid4().hex[:12]  # event keys unique across runs on one database
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._chat(), name="console")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    def render(self, reply: Reply, ref: str) -> Sequence[Reply]:
        return [reply]

    async def send(self, user_id: str, message: Reply) -> None:
        who = "Trợ lý (thông báo)" if message.notice else "Trợ lý"
        print(f"{who}: {render(message)}\n", flush=True)

    async def _chat(self) -> None:
        try:
            interactive = sys.stdin.isatty()
            if interactive:
                print("Trợ lý hành chính công. Gõ câu hỏi; /thoat để thoát.\n")
            await self._settled(None)  # what was queued while the assistant was off prints first
            for n in itertools.count(1):
                if interactive:
                    print("Bạn: ", end="", flush=True)
                line = await asyncio.to_thread(sys.stdin.readline)
                if not line:
                    break
                text = line.rstrip("\r\n")
                if text.strip() in EXIT_WORDS:
                    break
                if not interactive:
                    print(f"Bạn: {text}", flush=True)
                key = f"{self._run}-{n}"
                while await self._store.store(InboundEvent(CHANNEL, key, self.user_id, text)) is None:
                    await asyncio.sleep(1.0)  # the database is busy: the line is kept, as a platform resends
                await self._settled(key)
        finally:
            self.finished.set()

    async def _settled(self, key: str | None) -> None:
        """Waits until event ``key`` is processed and everything this chat is owed has been printed."""
        while True:
            async with self._sessions() as session:
                busy = 0
                if key is not None:
                    busy += (await session.execute(
                        select(func.count()).select_from(InboxEvent).where(
                            InboxEvent.channel == CHANNEL, InboxEvent.event_key == key,
                            InboxEvent.status.in_(("pending", "processing")))
                    )).scalar_one()
                for model in (Outbox, ExportJob):
                    busy += (await session.execute(
                        select(func.count()).select_from(model).where(
                            model.channel == CHANNEL, model.user_id == self.user_id,
                            model.status.in_(("pending", "running")))
                    )).scalar_one()
            if not busy:
                return
            await asyncio.sleep(SETTLE_POLL_S)
