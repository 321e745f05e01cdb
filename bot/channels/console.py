"""Terminal chat: the same core Telegram and Zalo use, on standard input and output.

Interactive on a terminal; when input is piped it reads one message per line and
prints the replies, so a conversation can be scripted. Buttons are shown as
numbered choices; the core maps a typed number to the button.
"""

from __future__ import annotations

import asyncio
import sys

from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming, Reply


def render(reply: Reply) -> str:
    lines = [reply.text]
    lines += [f"  {i}. {b.label}" for i, b in enumerate(reply.buttons, 1)]
    return "\n".join(lines)


async def run_console(dialogue: Dialogue, user_id: str = "console-user") -> None:
    """Chat until end of input (Ctrl-D) or "/thoat"."""
    interactive = sys.stdin.isatty()
    if interactive:
        print("Trợ lý hành chính công. Gõ câu hỏi; /thoat để thoát.\n")
    count = 0
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
        count += 1
        replies = await dialogue.handle(Incoming("console", user_id, text, event_id=f"console-{count}"))
        for reply in replies:
            print(f"Trợ lý: {render(reply)}\n", flush=True)
