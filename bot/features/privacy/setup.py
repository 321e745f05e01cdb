"""Building the personal-data feature (used by bot.app)."""

from __future__ import annotations

from bot.features.dossiers.service import DossierService
from bot.features.privacy.flow import PrivacyFlow
from bot.features.privacy.service import PrivacyService
from knowledge_base.schema import Procedure


def build_privacy(dossiers: DossierService, procedures: dict[str, Procedure]) -> PrivacyFlow:
    # The dossier service's clock, so tests that move time move this too.
    return PrivacyFlow(PrivacyService(dossiers.chat_key, clock=lambda: dossiers.clock()), procedures)
