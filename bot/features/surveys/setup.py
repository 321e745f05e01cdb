"""The survey feature: definitions, service, status-10 invitation hook, flows, commands, export jobs."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.flows import Flow
from bot.features.dossiers.service import of
from bot.features.feature import Feature, Job, JobContext, Parts, Registration
from bot.features.surveys.cli import register
from bot.features.surveys.export_jobs import ExportJobs
from bot.features.surveys.feedback import FeedbackFlow
from bot.features.surveys.flow import SurveyFlow
from bot.features.surveys.invitations import Invitations
from bot.features.surveys.service import SurveyService
from bot.features.surveys.staff import Reports, ReportsFlow
from surveys.definitions import load_forms


class SurveyComponents(Feature):
    name = "surveys"

    def __init__(self, parts: Parts) -> None:
        """Definitions are validated here: a broken survey file stops the start with a message naming the field."""
        settings, dossiers = parts.settings, of(parts)
        cfg = settings.surveys
        forms = load_forms(settings.path(cfg.definitions_dir))
        # One clock for dossiers and surveys, so tests that move time move both.
        self.service = SurveyService(forms, cfg, clock=lambda: dossiers.clock())
        self.invitations = Invitations(self.service)
        dossiers.on_status_change.append(self.invitations.on_status_change)
        names = {code: p.name for code, p in parts.procedures.items()}
        self.reports = Reports(self.service, parts.office.name, settings.staff, settings.path(cfg.exports_dir), names)
        self._flows: list[Flow] = [
            ReportsFlow(self.reports),
            SurveyFlow(self.service, dossiers, self.invitations, self.reports, parts.office),
            FeedbackFlow(self.service),
        ]

    @property
    def flows(self) -> list[Flow]:
        return self._flows

    def jobs(self, ctx: JobContext) -> list[Job]:
        # With the jobs running, "/xuatbaocao" answers at once and the file follows through the outbox.
        self.reports.jobs = ExportJobs(ctx.services.sessions, self.reports, on_queued=ctx.outbox_queued)
        return [self.reports.jobs]


    async def retention(self, session: AsyncSession) -> dict[str, int]:
        return await self.service.apply_retention(session)


FEATURE = Registration("surveys", SurveyComponents, register)
