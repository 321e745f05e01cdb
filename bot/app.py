"""Composition root: builds every service from the settings, in one place."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core.dialogue import Dialogue
from bot.core.understanding import Understander
from bot.features.dossiers import setup as dossiers_feature
from bot.features.dossiers.keys import DEFAULT_FILE as DOSSIER_KEY_FILE
from bot.features.dossiers.keys import load_hash_key
from bot.features.dossiers.service import DossierService
from bot.features.feature import Feature, Registration
from bot.features.handoff import setup as handoff_feature
from bot.features.handoff.service import HandoffService
from bot.features.privacy import setup as privacy_feature
from bot.features.surveys import setup as surveys_feature
from bot.features.surveys.setup import SurveyComponents
from bot.pipeline.turns import TurnRunner
from bot.storage import db
from knowledge_base.choice_labels import learn_words
from knowledge_base.loader import load_office, load_procedures
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Office, Procedure
from nlu.client import NluClient

log = logging.getLogger(__name__)

# Every feature, registered once: its flows (offered a message in this order), routes, commands and jobs.
# Privacy first: its /dulieu and /xoadulieu work whatever flow is active.
FEATURES: tuple[Registration, ...] = (
    privacy_feature.FEATURE,
    surveys_feature.FEATURE,
    handoff_feature.FEATURE,  # after surveys: a request nobody takes becomes a survey feedback ticket
    dossiers_feature.FEATURE,
)


@dataclass(repr=False)  # its repr would print the whole catalogue (asyncio logs reprs of leaked tasks)
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    procedures: dict[str, Procedure]
    office: Office
    resolver: Resolver
    nlu: NluClient | None
    understander: Understander
    dialogue: Dialogue
    turns: TurnRunner  # runs one turn in one transaction (bot/pipeline/turns.py)
    dossiers: DossierService
    features: list[Feature] = field(default_factory=list)

    @property
    def surveys(self) -> SurveyComponents | None:
        return next((f for f in self.features if isinstance(f, SurveyComponents)), None)

    @property
    def built(self) -> tuple[Feature, ...]:
        return tuple(self.features)

    @property
    def handoff(self) -> HandoffService | None:
        return next((f.service for f in self.features if isinstance(f, handoff_feature.Handoff)), None)

    def settle(self) -> None:
        """Ready to serve, before the first message (the entry points call it once per process): the
        records' search built now, not in the turn of the first question that names no procedure (seconds
        of CPU); the start's garbage collected and the freed heap handed back to the system; what lives on
        (the catalogue and its indexes, 200,000 objects) frozen out of the collector's sight, so that a
        full collection no longer stalls the turns in progress for 0.1-0.2 s."""
        self.resolver.content()
        gc.collect()
        gc.freeze()
        _release_free_heap()

    async def aclose(self) -> None:
        if self.nlu is not None:
            await self.nlu.aclose()
        await self.engine.dispose()


def _release_free_heap() -> None:
    """glibc keeps the memory freed by the start (the indexes' build) for reuse; malloc_trim returns it
    (about 10 MB). Elsewhere there is nothing to call."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def load_knowledge(settings: Settings) -> dict[str, Procedure]:
    """Curated entries, over the imported national catalogue when it is shipped."""
    kb = settings.knowledge_base
    curated = load_procedures(settings.path(kb.procedures_dir))
    national_file = settings.path(kb.national_file)
    if not national_file.exists():
        return curated
    from knowledge_base.importer import load_national, merge

    national = load_national(national_file)
    learn_words(p.name for p in national.values())
    return merge(curated, national)


def warn_unconfirmed(office: Office) -> None:
    """At start of the assistant (run, serve): answers hedge these, but the operator must confirm them."""
    if office.unconfirmed:
        log.warning(
            "office.yml: unconfirmed centre details (not shown as the centre's own): %s; "
            "check them with the centre and remove them from `unconfirmed`",
            ", ".join(office.unconfirmed),
        )


def build_services(
    settings: Settings,
    nlu_urls: list[str] | None = None,
    nlu_token: str | None = None,
    *,
    procedures: dict[str, Procedure] | None = None,
    resolver: Resolver | None = None,
    migrate: bool = True,
) -> Services:
    """Everything the channels need. ``nlu_urls`` None or empty: degraded mode only."""
    if migrate:
        db.upgrade(settings.database_url)
    engine = db.create_engine(settings.database_url)
    sessions = db.session_factory(engine)
    procedures = procedures if procedures is not None else load_knowledge(settings)
    office = load_office(settings.path(settings.knowledge_base.office_file))
    resolver = resolver or Resolver(procedures)
    nlu = NluClient(nlu_urls, nlu_token, settings.nlu.timeout_s) if nlu_urls else None
    understander = Understander(nlu, resolver, settings.nlu.intent_threshold, settings.dialogue.max_text_chars)
    dossiers = DossierService(load_hash_key(settings.path(DOSSIER_KEY_FILE)), office.phone)
    features: list[Feature] = []
    for feature in FEATURES:  # in order: a feature may use those registered before it (``Parts.built``)
        features.append(feature.build(_Parts(settings, sessions, procedures, office, dossiers, tuple(features))))
    flows = [flow for feature in features for flow in feature.flows]
    dialogue = Dialogue(understander, procedures, office, settings.centre.serves_levels, flows)
    return Services(
        settings, engine, sessions, procedures, office, resolver, nlu, understander, dialogue,
        TurnRunner(sessions, dialogue), dossiers, features,
    )


@dataclass(frozen=True)
class _Parts:
    """What a feature is built from (bot.features.feature.Parts)."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    procedures: dict[str, Procedure]
    office: Office
    dossiers: DossierService
    built: tuple[Feature, ...]


@contextlib.contextmanager
def nlu_endpoint(settings: Settings) -> Iterator[tuple[list[str], str | None]]:
    """Configured NLU replicas, or a Rasa server of our own started on loopback (and stopped after)."""
    token = settings.nlu_token.get_secret_value() if settings.nlu_token else None
    if settings.nlu.urls:
        yield settings.nlu.urls, token
        return
    from nlu.server import running_server

    with running_server(port=settings.nlu.port or None) as server:
        yield [server.url], server.token
