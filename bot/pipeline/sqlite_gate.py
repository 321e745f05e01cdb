"""One writer at a time per SQLite database in this process, webhooks first.

SQLite has a single writer. Connections that find the write lock taken poll for it
with growing sleeps (its busy handler, up to 100 ms apart), so under load a webhook's
one-row insert can starve behind a queue of dialogue turns and miss the platform's
deadline. Writers in this process therefore queue here instead, in priority order:
storing an inbound event (``URGENT``) goes before turns and bookkeeping. PostgreSQL
locks rows, not the database: no gate there.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

URGENT, NORMAL = 0, 1


class WriteGate:
    def __init__(self) -> None:
        self._held = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int = NORMAL) -> None:
        if not self._held and not self._waiters:
            self._held = True
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # granted just as we were cancelled: pass it on
                self.release()
            raise

    def release(self) -> None:
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)  # ownership moves to that waiter
                return
        self._held = False


_gates: dict[tuple[int, str], WriteGate] = {}


def gate_for(sessions: async_sessionmaker[AsyncSession]) -> WriteGate | None:
    """The gate of the sessions' SQLite database (per event loop), None for other databases."""
    engine: Any = sessions.kw.get("bind")
    if engine is None or engine.dialect.name != "sqlite":
        return None
    key = (id(asyncio.get_running_loop()), str(engine.url.database))
    gate = _gates.get(key)
    if gate is None:
        gate = _gates[key] = WriteGate()
    return gate


@contextlib.asynccontextmanager
async def writing(sessions: async_sessionmaker[AsyncSession], priority: int = NORMAL) -> AsyncIterator[None]:
    gate = gate_for(sessions)
    if gate is None:
        yield
        return
    await gate.acquire(priority)
    try:
        yield
    finally:
        gate.release()
