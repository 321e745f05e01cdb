"""Outgoing pace per platform: an overall limit, a per-chat limit, and pauses the platform asks for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.settings.channels import RateLimits


class Gcra:
    """A token bucket kept as one timestamp (generic cell rate algorithm): ``rate``/s, bursts of ``burst``."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.tolerance = max(0, burst - 1) * self.interval
        self.tat = float("-inf")  # theoretical arrival time of the next request

    def reserve(self, at: float) -> float:
        """Books the earliest slot at or after ``at`` and returns its time."""
        if self.interval == 0:
            return at
        start = max(at, self.tat - self.tolerance)
        self.tat = max(self.tat, start) + self.interval
        return start

    def idle_at(self, now: float) -> bool:
        return self.tat <= now


class ChannelLimiter:
    def __init__(
        self,
        limits: RateLimits,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_chats: int = 10_000,
    ) -> None:
        self._limits = limits
        self._global = Gcra(limits.global_per_s, max(1, int(limits.global_per_s)))
        self._chats: dict[str, Gcra] = {}
        self._paused_until = 0.0
        self._clock = clock
        self._sleep = sleep
        self._max_chats = max_chats

    def pause(self, seconds: float) -> None:
        """The platform said "retry after": nothing goes out on this channel until then."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self, chat: str) -> None:
        """Waits for a slot: the chat's first (it only delays this chat), then the overall one."""
        await self._wait_pause()
        bucket = self._chats.get(chat)
        if bucket is None:
            self._prune()
            bucket = self._chats[chat] = Gcra(self._limits.per_chat_per_s, self._limits.per_chat_burst)
        await self._sleep_until(bucket.reserve(self._clock()))
        # Booked only when due, so a chat waiting its turn does not hold back other chats.
        await self._sleep_until(self._global.reserve(self._clock()))
        await self._wait_pause()

    async def _wait_pause(self) -> None:
        while (wait := self._paused_until - self._clock()) > 0:
            await self._sleep(wait)

    async def _sleep_until(self, at: float) -> None:
        delay = at - self._clock()
        if delay > 0:
            await self._sleep(delay)

    def _prune(self) -> None:
        if len(self._chats) < self._max_chats:
            return
        now = self._clock()
        for chat in [c for c, b in self._chats.items() if b.idle_at(now)]:
            del self._chats[chat]
