"""The live-handoff feature: "gặp cán bộ" → the console's queue → a clerk, or a ticket (sweeper)."""

from __future__ import annotations

from bot.core.flows import Flow
from bot.features.feature import Feature, Job, JobContext, Parts, Registration
from bot.features.handoff.flow import HandoffFlow
from bot.features.handoff.jobs import HandoffSweeper
from bot.features.handoff.service import HandoffService
from bot.features.surveys.setup import SurveyComponents


class Handoff(Feature):
    name = "handoff"

    def __init__(self, parts: Parts) -> None:
        # Registered after privacy and surveys: unanswered requests become survey feedback tickets, and
        # privacy's commands (/xoadulieu) still work while a clerk holds the chat.
        surveys = next(f for f in parts.built if isinstance(f, SurveyComponents))
        privacy = next(f for f in parts.built if f.name == "privacy")
        dossiers = parts.dossiers
        self.service = HandoffService(parts.settings.handoff, surveys.service, parts.office, parts.procedures,
                                      clock=lambda: dossiers.clock())
        self.flow = HandoffFlow(self.service, defer=lambda turn: any(f.claims(turn) for f in privacy.flows))

    @property
    def flows(self) -> list[Flow]:
        return [self.flow]

    def jobs(self, ctx: JobContext) -> list[Job]:
        return [HandoffSweeper(ctx.services.sessions, self.service, ctx.outbox_queued)]


FEATURE = Registration("handoff", Handoff)
