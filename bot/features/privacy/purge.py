"""The retention job: every purge of personal data in one place (`python -m bot purge`, and daily in the server).

Periods come from config.yml (`retention:`, `surveys.retention_days`,
`channels.inbox.retention_hours`). Deletions run in batches of
`retention.batch_size` rows, one short transaction each, with the condition
checked again in the DELETE itself: an interrupted run has committed whole
batches only, the next run finishes the job, and a second run finds nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.features.dossiers.fields import CLOSED
from bot.features.dossiers.models import Dossier, DossierLookupFailure, DossierSubscription
from bot.features.dossiers.service import DOSSIER_WINDOW
from bot.features.feature import Assembled, Feature
from bot.features.handoff.models import OPEN as HANDOFF_OPEN
from bot.features.handoff.models import Handoff
from bot.features.privacy import texts
from bot.features.surveys.export import delete_old_exports
from bot.pipeline.models import InboxEvent
from bot.pipeline.sqlite_gate import writing
from bot.storage.models import Conversation, ExportJob, Outbox, utcnow
from bot.web.chat.models import WebMessage, WebSession

log = logging.getLogger(__name__)
DAY = dt.timedelta(days=1)


class Purger:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        features: Sequence[Feature] = (),
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._features = features
        self._clock = clock
        self._batch = settings.retention.batch_size

    async def run(self) -> dict[str, int]:
        """Every purge once; rows (or files) removed or unlinked, per kind."""
        r, now = self._settings.retention, self._clock()
        channel_keep = dt.timedelta(hours=self._settings.channels.inbox.retention_hours)
        done: dict[str, int] = {}
        done["conversations_idle"] = await self._delete(
            Conversation, Conversation.updated_at < now - dt.timedelta(days=r.conversations_days)
        )
        # The web chat's history and idle browser sessions: kept as long as a conversation.
        done["web_messages"] = await self._delete(
            WebMessage, WebMessage.created_at < now - dt.timedelta(days=r.conversations_days)
        )
        done["web_sessions"] = await self._delete(
            WebSession, WebSession.last_seen_at < now - dt.timedelta(days=r.conversations_days)
        )
        # A finished chat with a clerk (its messages go with it); what became a ticket lives on in the ticket.
        done["handoffs"] = await self._delete(
            Handoff, Handoff.status.not_in(HANDOFF_OPEN),
            Handoff.closed_at < now - dt.timedelta(days=r.conversations_days),
        )
        done["lookup_failures"] = await self._delete(
            DossierLookupFailure,
            DossierLookupFailure.at < now - max(dt.timedelta(hours=r.lookup_failures_hours), DOSSIER_WINDOW),
        )
        done["inbox_events"] = await self._delete(
            InboxEvent, InboxEvent.status.in_(("done", "failed")), InboxEvent.processed_at < now - channel_keep
        )
        done["outbox_replies"] = await self._delete(
            Outbox, Outbox.dedupe_key.like("reply:%"), Outbox.status != "pending",
            Outbox.created_at < now - channel_keep,
        )
        done["outbox_notifications"] = await self._delete(
            Outbox, ~Outbox.dedupe_key.like("reply:%"), Outbox.status != "pending",
            Outbox.created_at < now - dt.timedelta(days=r.notifications_days),
        )
        # The one message still naming an erased chat: gone as soon as it has been delivered.
        done["erasure_confirmations"] = await self._delete(
            Outbox, Outbox.text.endswith(texts.ERASED, autoescape=True), Outbox.status != "pending"
        )
        done["consents_revoked"] = await self._delete(
            DossierSubscription, DossierSubscription.revoked_at < now - dt.timedelta(days=r.revoked_consents_days)
        )
        closed = select(Dossier.id).where(
            Dossier.status.in_(CLOSED), Dossier.status_changed_at < now - dt.timedelta(days=r.closed_subscriptions_days)
        )
        done["subscriptions_closed"] = await self._delete(
            DossierSubscription, DossierSubscription.dossier_id.in_(closed)
        )
        for feature in self._features:  # each feature's own data (survey answers past surveys.retention_days)
            async with writing(self._sessions), self._sessions() as session, session.begin():
                done.update({f"{feature.name}_{k}": v for k, v in (await feature.retention(session)).items()})
        # A finished chat export names the staff chat that asked; it goes with the file it made.
        done["export_jobs"] = await self._delete(
            ExportJob, ExportJob.status.in_(("done", "failed")),
            ExportJob.created_at < now - dt.timedelta(days=r.export_files_days),
        )
        done["export_files"] = delete_old_exports(
            self._settings.path(self._settings.surveys.exports_dir), dt.timedelta(days=r.export_files_days), now
        )
        if any(done.values()):
            log.info("purge: %s", ", ".join(f"{k} {v}" for k, v in done.items() if v))
        return done

    async def _delete(self, model: Any, *where: Any) -> int:
        """Batches of ids, each deleted in its own transaction under the same condition."""
        total = 0
        while True:
            async with writing(self._sessions), self._sessions() as session, session.begin():
                ids = list((await session.execute(select(model.id).where(*where).limit(self._batch))).scalars())
                if ids:
                    await session.execute(
                        delete(model).where(model.id.in_(ids), *where).execution_options(synchronize_session=False)
                    )
            total += len(ids)
            if len(ids) < self._batch:
                return total


def purger(services: Assembled) -> Purger:
    return Purger(services.sessions, services.settings, services.features, clock=services.dossiers.clock)


# Per application (the weak reference tells a reused id() apart): when its purge last ran.
_last_run: dict[int, tuple[weakref.ref[Assembled], dt.datetime]] = {}


async def daily(services: Assembled) -> None:
    """The server's janitor calls this hourly; the purge runs at start and then once a day per process.

    Several processes each running it is harmless: a second run finds nothing to do.
    """
    now = utcnow()
    ref, last = _last_run.get(id(services), (None, None))
    if ref is not None and ref() is services and last is not None and now - last < DAY:
        return
    await purger(services).run()  # a failure is retried at the janitor's next round
    _last_run[id(services)] = (weakref.ref(services), now)
