"""The sweeper: requests nobody took in time (or left waiting at closing time) become feedback tickets.

A row per request, not a timer in memory: after a restart the next sweep finds what
waited too long. Each sweep is one short transaction; the citizen's notice goes
through the outbox and the sender is nudged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.features.handoff.service import HandoffService
from bot.pipeline.sqlite_gate import writing

log = logging.getLogger(__name__)


class HandoffSweeper:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], service: HandoffService,
                 on_queued: Callable[[], None] = lambda: None) -> None:
        self._sessions = sessions
        self._svc = service
        self._on_queued = on_queued
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> int:
        async with writing(self._sessions), self._sessions() as session, session.begin():
            done = await self._svc.sweep(session)
        if done:
            log.info("handoff: %d waiting requests made feedback tickets", done)
            self._on_queued()
        return done

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="handoff-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("handoff: sweep failed")
            await asyncio.sleep(self._svc.settings.sweep_s)
