"""Exports started from the console: a row, a background task in this process, a download when ready.

The file is the one `python -m bot export` and /xuatbaocao make (bot.features.surveys.export),
written under ``surveys.exports_dir`` with a ``sipas_`` name, so the daily purge deletes
it after ``retention.export_files_days`` like the other staff files. The export audit
(survey_export_audit, via "web") and the console's audit are written when the file is
done; progress is kept in memory (rows written), the job row holds the outcome.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.features.surveys.export import ExportRequest, Format, count_rows, export, record_audit
from bot.pipeline.sqlite_gate import writing
from bot.storage.models import StaffUser, utcnow
from bot.web.staff.accounts import audit
from bot.web.staff.models import StaffExport
from surveys.definitions import SurveyForm
from surveys.index import Method

log = logging.getLogger(__name__)


def request_of(job: StaffExport) -> ExportRequest:
    f = job.filters
    return ExportRequest(dt.date.fromisoformat(f["from"]), dt.date.fromisoformat(f["to"]), f["form"],
                         f.get("unit"), job.anonymous, f.get("procedure"))


class ExportRunner:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], forms: Mapping[str, SurveyForm], out_dir: Path,
                 method: Method, names: Mapping[str, str]) -> None:
        self._sessions = sessions
        self._forms = forms
        self._out = out_dir
        self._method = method
        self._names = names
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self.progress: dict[int, int] = {}

    async def create(self, session: AsyncSession, staff: StaffUser, req: ExportRequest, fmt: Format,
                     reason: str | None) -> StaffExport:
        """Inside the request's transaction; ``launch`` it once committed."""
        job = StaffExport(staff_id=staff.id, filters=req.filters(), format=fmt, anonymous=req.anonymous,
                          reason=reason, status="pending", total=await count_rows(session, req), rows=0,
                          created_at=utcnow())
        session.add(job)
        await session.flush()
        return job

    def launch(self, job_id: int) -> None:
        self._tasks[job_id] = asyncio.create_task(self._run(job_id), name=f"staff-export-{job_id}")

    def running(self, job_id: int) -> bool:
        task = self._tasks.get(job_id)
        return task is not None and not task.done()

    async def aclose(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _set(self, job_id: int, **values: object) -> None:
        async with writing(self._sessions), self._sessions() as s, s.begin():
            await s.execute(update(StaffExport).where(StaffExport.id == job_id).values(**values))

    async def _run(self, job_id: int) -> None:
        try:
            async with self._sessions() as s:
                job, username = (await s.execute(
                    select(StaffExport, StaffUser.username).join(StaffUser, StaffUser.id == StaffExport.staff_id)
                    .where(StaffExport.id == job_id))).one()
            await self._set(job_id, status="running")
            req, fmt = request_of(job), job.format
            kind = "anon" if req.anonymous else "full"
            out = self._out / f"sipas_web_{job_id}_{req.start}_{req.end}_{kind}_{secrets.token_hex(4)}.{fmt}"
            self.progress[job_id] = 0

            def advanced(n: int) -> None:
                self.progress[job_id] = self.progress.get(job_id, 0) + n

            async with self._sessions() as reads:
                result = await export(reads, self._forms[req.form], req, fmt, out,
                                      method=self._method, names=self._names, progress=advanced)
            async with writing(self._sessions), self._sessions() as w, w.begin():
                await record_audit(w, actor=f"staff:{username}", via="web", req=req, fmt=fmt, result=result,
                                   at=utcnow())
                await audit(w, username, "export", target=str(job_id), detail={
                    **req.filters(), "format": fmt, "rows": result.rows, "reason": job.reason,
                })
                await w.execute(update(StaffExport).where(StaffExport.id == job_id).values(
                    status="done", rows=result.rows, path=str(out), finished_at=utcnow()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("staff export %s failed", job_id)
            await self._set(job_id, status="failed", error=repr(exc)[:2000], finished_at=utcnow())
        finally:
            self.progress.pop(job_id, None)
