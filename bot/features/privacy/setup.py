"""The personal-data feature: /dulieu and /xoadulieu, `purge` and `consents` commands, the daily purge."""

from __future__ import annotations

import asyncio
import logging

from bot.core.flows import Flow
from bot.features.feature import Feature, Job, JobContext, Parts, Registration
from bot.features.privacy.cli import register
from bot.features.privacy.flow import PrivacyFlow
from bot.features.privacy.purge import daily
from bot.features.privacy.service import PrivacyService

log = logging.getLogger(__name__)


class Privacy(Feature):
    name = "privacy"

    def __init__(self, parts: Parts) -> None:
        dossiers = parts.dossiers
        # The dossier service's clock, so tests that move time move this too.
        self.flow = PrivacyFlow(PrivacyService(dossiers.chat_key, clock=lambda: dossiers.clock()), parts.procedures)

    @property
    def flows(self) -> list[Flow]:
        return [self.flow]

    def jobs(self, ctx: JobContext) -> list[Job]:
        return [DailyPurge(ctx)]


class DailyPurge:
    """Every retention period, at start and then once a day (bot/features/privacy/purge.py)."""

    def __init__(self, ctx: JobContext) -> None:
        self._ctx = ctx
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name="daily-purge")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _forever(self) -> None:
        while True:
            try:
                await daily(self._ctx.services)
            except Exception:
                log.exception("purge failed (tried again within the hour)")
            await asyncio.sleep(self._ctx.every.total_seconds())


FEATURE = Registration("privacy", Privacy, register)
