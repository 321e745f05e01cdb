"""Terminal chat: the same core Telegram and Zalo use, on standard input and output.

Interactive on a terminal; when input is piped it reads one message per line and
prints the replies, so a conversation can be scripted. Buttons are shown as
numbered choices; the core maps a typed number to the button. Messages the
assistant sends on its own (the outbox: dossier notifications, invitations) are
printed as they come, checked every second and once more at the end; their
numbered choices are then the ones a typed number picks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming, Reply
from bot.pipeline.sender import remember_offer, reply_of
from bot.storage.models import Outbox, utcnow

CHANNEL = "console"
log = logging.getLogger(__name__)


def render(reply: Reply) -> str:
    lines = [reply.text]
    lines += [f"  {i}. {b.label}" for i, b in enumerate(reply.buttons, 1)]
    return "\n".join(lines)


async def deliver_outbox(sessions: async_sessionmaker[AsyncSession], user_id: str) -> int:
    """Print this console user's pending outbox messages, each once; how many were printed."""
    async with sessions() as session, session.begin():
        rows = (
            await session.execute(
                select(Outbox)
                .where(Outbox.channel == CHANNEL, Outbox.user_id == user_id, Outbox.status == "pending")
                .order_by(Outbox.id)
            )
        ).scalars().all()
        printed = 0
        for row in rows:
            # Claimed only if still pending: another console on the same database prints it, not both.
            claimed = await session.execute(
                update(Outbox)
                .where(Outbox.id == row.id, Outbox.status == "pending")
                .values(status="sent", sent_at=utcnow(), attempts=Outbox.attempts + 1)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                reply = reply_of(row)
                print(f"Trợ lý (thông báo): {render(reply)}\n", flush=True)
                if reply.buttons and not row.dedupe_key.startswith("reply:"):
                    await remember_offer(session, CHANNEL, user_id, [[b.label, b.payload] for b in reply.buttons])
                printed += 1
    return printed


async def _poll_outbox(sessions: async_sessionmaker[AsyncSession], user_id: str) -> None:
    while True:
        try:
            await deliver_outbox(sessions, user_id)
        except Exception as exc:  # a busy or unreachable database: try again next second
            log.warning("outbox delivery failed: %s", exc)
        await asyncio.sleep(1.0)


async def run_console(
    dialogue: Dialogue,
    user_id: str = "console-user",
    outbox: async_sessionmaker[AsyncSession] | None = None,
) -> None:
    """Chat until end of input (Ctrl-D) or "/thoat"; print outbox messages when ``outbox`` is given."""
    poller = asyncio.create_task(_poll_outbox(outbox, user_id)) if outbox is not None else None
    try:
        await _chat(dialogue, user_id)
    finally:
        if poller is not None and outbox is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
            await deliver_outbox(outbox, user_id)


async def _chat(dialogue: Dialogue, user_id: str) -> None:
    interactive = sys.stdin.isatty()
    if interactive:
        print("Trợ lý hành chính công. Gõ câu hỏi; /thoat để thoát.\n")
    while True:
        if interactive:
            print("Bạn: ", end="", flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            break
        text = line.rstrip("\r\n")
        if text.strip() in {"/thoat", "/quit", "/exit"}:
            break
        if not interactive:
            print(f"Bạn: {text}")
        replies = await dialogue.handle(Incoming(CHANNEL, user_id, text))
        for reply in replies:
            print(f"Trợ lý: {render(reply)}\n", flush=True)
