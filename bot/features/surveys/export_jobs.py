"""Staff exports asked for in chat, made in the background and delivered through the outbox.

"/xuatbaocao" only writes a job row inside its turn and answers at once; this runner makes
the XLSX outside any chat turn (and outside SQLite's write gate while it reads), then, in
one transaction, records the audit, queues the file in the outbox and marks the job done.
A job is a row, so a restart finds it: one left "running" by a killed process is taken
over after ``lease_s`` (at once on SQLite, where this process is the only one).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import Reply
from bot.features.surveys.export import ExportResult
from bot.pipeline.sqlite_gate import writing
from bot.storage.models import ExportJob, Outbox, utcnow

log = logging.getLogger(__name__)
FAILED_TEXT = "Dạ, em chưa tạo được file báo cáo do lỗi hệ thống. Anh/Chị vui lòng thử lại sau ít phút ạ."


class ExportMaker(Protocol):
    """What makes the file (bot.features.surveys.staff.Reports): a long read, then a short write of the audit."""

    async def make_file(self, session: AsyncSession, start: dt.date, end: dt.date) -> ExportResult: ...

    async def file_made(
        self, session: AsyncSession, actor: str, start: dt.date, end: dt.date, result: ExportResult
    ) -> Reply: ...


async def enqueue(session: AsyncSession, channel: str, user_id: str, start: dt.date, end: dt.date) -> None:
    """Inside the asking turn's transaction: the job exists exactly when the "being made" answer does."""
    session.add(ExportJob(channel=channel, user_id=user_id, filters={"from": str(start), "to": str(end)}))
    await session.flush()


class ExportJobs:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        maker: ExportMaker,
        *,
        on_queued: Callable[[], None] = lambda: None,
        poll_s: float = 1.0,
        lease_s: float = 1800.0,
        max_attempts: int = 3,
    ) -> None:
        self._sessions = sessions
        self._maker = maker
        self._on_queued = on_queued
        self._poll_s = poll_s
        self._lease = dt.timedelta(seconds=lease_s)
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._sessions.kw["bind"].dialect.name == "sqlite":  # the only process: what ran was interrupted
            async with writing(self._sessions), self._sessions() as session, session.begin():
                await session.execute(update(ExportJob).where(ExportJob.status == "running").values(status="pending"))
        self._task = asyncio.create_task(self._run(), name="export-jobs")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()  # an unfinished job stays "running" and is taken over after restart
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                worked = await self.run_one()
            except Exception:
                log.exception("export jobs: database unavailable?")
                worked = False
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_s)

    async def run_one(self) -> bool:
        """Makes the oldest due job; False when there was none."""
        job = await self._claim()
        if job is None:
            return False
        actor = f"{job.channel}:{job.user_id}"
        start, end = dt.date.fromisoformat(job.filters["from"]), dt.date.fromisoformat(job.filters["to"])
        try:
            async with self._sessions() as reads:
                result = await self._maker.make_file(reads, start, end)
            async with writing(self._sessions), self._sessions() as writes, writes.begin():
                reply = await self._maker.file_made(writes, actor, start, end, result)
                self._queue(writes, job, reply, "done")
                await self._mark(writes, job, "done", path=reply.attachment)
        except Exception as exc:
            log.exception("export jobs: job %s failed (attempt %d)", job.id, job.attempts)
            async with writing(self._sessions), self._sessions() as session, session.begin():
                if job.attempts >= self._max_attempts:
                    self._queue(session, job, Reply(FAILED_TEXT), "failed")
                    await self._mark(session, job, "failed", error=repr(exc))
                else:
                    await self._mark(session, job, "pending", error=repr(exc))
        self._on_queued()
        return True

    async def _claim(self) -> ExportJob | None:
        stale = utcnow() - self._lease
        async with writing(self._sessions), self._sessions() as session, session.begin():
            job = (
                await session.execute(
                    select(ExportJob)
                    .where(or_(ExportJob.status == "pending",
                               (ExportJob.status == "running") & (ExportJob.started_at < stale)))
                    .order_by(ExportJob.id)
                    .limit(1)
                )
            ).scalar_one_or_none()
            if job is None:
                return None
            claimed = await session.execute(
                update(ExportJob)
                .where(ExportJob.id == job.id, ExportJob.attempts == job.attempts)  # not taken by another process
                .values(status="running", started_at=utcnow(), attempts=job.attempts + 1)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            job.attempts += 1
            session.expunge(job)
            return job

    @staticmethod
    def _queue(session: AsyncSession, job: ExportJob, reply: Reply, outcome: str) -> None:
        session.add(Outbox(
            channel=job.channel, user_id=job.user_id, text=reply.text, attachment=reply.attachment,
            dedupe_key=f"export:{job.id}:{outcome}", status="pending", attempts=0,
        ))

    @staticmethod
    async def _mark(
        session: AsyncSession, job: ExportJob, status: str, *, path: str | None = None, error: str | None = None
    ) -> None:
        values: dict[str, object] = {"status": status, "last_error": error and error[:2000]}
        if status in ("done", "failed"):
            values.update(finished_at=utcnow(), path=path)
        await session.execute(update(ExportJob).where(ExportJob.id == job.id).values(**values))
