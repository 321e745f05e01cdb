"""Building the survey feature from the settings: definitions, service, hook, flows (used by bot.app)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.core.flows import Flow
from bot.features.dossiers.service import DossierService
from bot.features.surveys.feedback import FeedbackFlow
from bot.features.surveys.flow import SurveyFlow
from bot.features.surveys.invitations import Invitations
from bot.features.surveys.service import SurveyService
from bot.features.surveys.staff import Reports, ReportsFlow
from knowledge_base.schema import Office, Procedure
from surveys.definitions import load_forms


@dataclass
class SurveyComponents:
    service: SurveyService
    invitations: Invitations
    reports: Reports
    flows: list[Flow]


def build_surveys(
    settings: Settings, dossiers: DossierService, procedures: dict[str, Procedure], office: Office
) -> SurveyComponents:
    """Definitions are validated here: a broken survey file stops the start with a message naming the field."""
    cfg = settings.surveys
    forms = load_forms(settings.path(cfg.definitions_dir))
    # One clock for dossiers and surveys, so tests that move time move both.
    service = SurveyService(forms, cfg, clock=lambda: dossiers.clock())
    invitations = Invitations(service)
    dossiers.on_status_change.append(invitations.on_status_change)
    names = {code: p.name for code, p in procedures.items()}
    reports = Reports(service, office.name, settings.staff, settings.path(cfg.exports_dir), names)
    flows: list[Flow] = [
        ReportsFlow(reports),
        SurveyFlow(service, dossiers, invitations, reports, office),
        FeedbackFlow(service),
    ]
    return SurveyComponents(service, invitations, reports, flows)
