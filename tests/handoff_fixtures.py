"""A Telegram citizen talking to our real server through the fake Telegram, for the handoff tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from fakes.assistant import TELEGRAM_SECRET
from fakes.http import wait_for
from fakes.telegram import callback_update, text_update
from staff_console_fixtures import Console

__all__ = ["Citizen"]
_IDS = itertools.count(900_000)


@dataclass
class Citizen:
    console: Console
    chat: int = 8101
    seen: int = field(default=0)

    async def _deliver(self, update: dict[str, object], delivered: bool) -> None:
        async with self.console.client() as client:
            response = await self.console.tg.deliver(client, update, secret=TELEGRAM_SECRET,
                                                     url=f"{self.console.url}/telegram/webhook")
        assert response.status_code == 200
        served = self.console.served
        if delivered:
            await served.settled()
            return

        async def processed() -> bool:
            return await served.inbox_rows(status="pending") + await served.inbox_rows(status="processing") == 0
        await wait_for(processed, 30, "the turn")

    async def say(self, text: str) -> list[str]:
        """Sends a message and returns what the chat received since the last look."""
        await self._deliver(text_update(next(_IDS), self.chat, text), True)
        return self.received()

    async def press(self, payload: str, delivered: bool = True) -> list[str]:
        """Presses a button; ``delivered`` False: returns once the turn is done, before the reply is sent."""
        await self._deliver(callback_update(next(_IDS), self.chat, 1, payload), delivered)
        return self.received()

    def received(self) -> list[str]:
        sent = self.console.tg.messages_to(self.chat)
        new, self.seen = sent[self.seen:], len(sent)
        return [s.text for s in new]
