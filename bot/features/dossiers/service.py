"""Dossier lookup with a second factor, failure limits, subscriptions, status changes → outbox.

Every method works inside the caller's session and transaction: a chat turn, an
import file or a push event commits (or rolls back) everything it did at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.features.dossiers import texts
from bot.features.dossiers.fields import FINISHED, VN_TZ, mask_code, timeliness, to_local
from bot.features.dossiers.models import (
    Dossier,
    DossierLookupFailure,
    DossierStatusChange,
    DossierSubscription,
)
from bot.features.feature import Parts
from bot.storage.models import Outbox, utcnow

log = logging.getLogger(__name__)

CHAT_LIMIT, CHAT_WINDOW = 5, dt.timedelta(minutes=15)
DOSSIER_LIMIT, DOSSIER_WINDOW = 10, dt.timedelta(hours=24)

Outcome = Literal["ok", "not_matched", "chat_limited", "cooling_down"]
# Called inside the change's transaction, after the history row and notifications
# (e.g. the survey invitation when the result is handed over, status 10).
StatusHook = Callable[[AsyncSession, Dossier, "int | None", int], Awaitable[None]]


@dataclass(frozen=True)
class Verification:
    outcome: Outcome
    dossier: Dossier | None = None  # only when outcome == "ok"


class DossierService:
    def __init__(self, key: bytes, hotline: str, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._key = key
        self.hotline = hotline
        self.clock = clock  # aware UTC; replaceable so tests can move time
        self.on_status_change: list[StatusHook] = []
        # Compared against when the code is unknown, so that path does the same work.
        self._dummy_hash = secrets.token_hex(32)

    # -- hashing -------------------------------------------------------------------------------------

    def phone_hash(self, code: str, last4: str) -> str:
        """Keyed hash of the last four phone digits, salted with the dossier's own code."""
        return hmac.new(self._key, f"phone\x00{code}\x00{last4}".encode(), hashlib.sha256).hexdigest()

    def code_digest(self, code: str) -> str:
        return hmac.new(self._key, f"code\x00{code}".encode(), hashlib.sha256).hexdigest()

    def chat_key(self, channel: str, user_id: str) -> str:
        """How lookup failures name a chat: keyed, so the record names no one, and it survives
        /xoadulieu (erasing must not reset the limit: 5 guesses, erase, 5 more...)."""
        return hmac.new(self._key, f"chat\x00{channel}\x00{user_id}".encode(), hashlib.sha256).hexdigest()

    def today(self) -> dt.date:
        return self.clock().astimezone(VN_TZ).date()

    # -- verification --------------------------------------------------------------------------------

    async def verify(self, session: AsyncSession, channel: str, user_id: str, code: str, last4: str) -> Verification:
        """Exact code + last four digits. An unknown code and wrong digits take the same path."""
        now = self.clock()
        chat_key, digest = self.chat_key(channel, user_id), self.code_digest(code)
        if session.get_bind().dialect.name == "postgresql":
            # Count-then-insert races across connections: guesses at one code wait for each other
            # until the transaction ends, so the 10-per-dossier limit holds under concurrency.
            # (SQLite has one writer; guesses from one chat wait on its conversation row.)
            key = int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        if await self._failures(session, DossierLookupFailure.chat_key == chat_key, now - CHAT_WINDOW) >= CHAT_LIMIT:
            return Verification("chat_limited")
        if await self._failures(session, DossierLookupFailure.code_digest == digest, now - DOSSIER_WINDOW) >= (
            DOSSIER_LIMIT
        ):
            return Verification("cooling_down")
        dossier = (await session.execute(select(Dossier).where(Dossier.code == code))).scalar_one_or_none()
        expected = dossier.phone_hash if dossier is not None else self._dummy_hash
        matched = hmac.compare_digest(self.phone_hash(code, last4), expected)
        if matched and dossier is not None:
            return Verification("ok", dossier)
        session.add(DossierLookupFailure(chat_key=chat_key, code_digest=digest, at=now))
        await session.flush()
        log.info("dossier verification failed for %s", mask_code(code))
        return Verification("not_matched")

    @staticmethod
    async def _failures(session: AsyncSession, where: ColumnElement[bool], since: dt.datetime) -> int:
        stmt = select(func.count()).select_from(DossierLookupFailure).where(where, DossierLookupFailure.at > since)
        return int((await session.execute(stmt)).scalar_one())

    async def purge_failures(self, session: AsyncSession) -> None:
        """Failures older than the longest window count for nothing: delete them (retention)."""
        cutoff = self.clock() - DOSSIER_WINDOW
        await session.execute(delete(DossierLookupFailure).where(DossierLookupFailure.at < cutoff))

    # -- subscriptions (consent to be contacted) -----------------------------------------------------

    async def subscription(
        self, session: AsyncSession, channel: str, user_id: str, dossier_id: int
    ) -> DossierSubscription | None:
        stmt = select(DossierSubscription).where(
            DossierSubscription.channel == channel,
            DossierSubscription.user_id == user_id,
            DossierSubscription.dossier_id == dossier_id,
            DossierSubscription.revoked_at.is_(None),
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def subscribe(self, session: AsyncSession, channel: str, user_id: str, dossier: Dossier) -> bool:
        """Record the consent (time, purpose, text version, channel); False when already given."""
        if await self.subscription(session, channel, user_id, dossier.id) is not None:
            return False
        session.add(
            DossierSubscription(
                channel=channel,
                user_id=user_id,
                dossier_id=dossier.id,
                purpose=texts.consent_purpose(dossier.code),
                text_version=texts.CONSENT_VERSION,
                granted_at=self.clock(),
            )
        )
        await session.flush()
        return True

    async def unsubscribe(
        self, session: AsyncSession, channel: str, user_id: str, *, dossier_id: int | None = None,
        code: str | None = None,
    ) -> list[str]:
        """Revoke the chat's consents (one dossier, by id or code, or all); the codes that were followed."""
        stmt = (
            select(DossierSubscription, Dossier.code)
            .join(Dossier, Dossier.id == DossierSubscription.dossier_id)
            .where(
                DossierSubscription.channel == channel,
                DossierSubscription.user_id == user_id,
                DossierSubscription.revoked_at.is_(None),
            )
            .order_by(DossierSubscription.id)
        )
        if dossier_id is not None:
            stmt = stmt.where(DossierSubscription.dossier_id == dossier_id)
        if code is not None:
            stmt = stmt.where(Dossier.code == code)
        now, codes = self.clock(), []
        for sub, code in (await session.execute(stmt)).all():
            sub.revoked_at = now
            codes.append(code)
        await session.flush()
        return codes

    # -- status changes ------------------------------------------------------------------------------

    async def change_status(
        self,
        session: AsyncSession,
        d: Dossier,
        new: int,
        *,
        source: str,
        event_id: str | None = None,
        changed_at: dt.datetime | None = None,
    ) -> DossierStatusChange | None:
        """Apply one change: history, one notification per subscribed chat, hooks. None if no change.

        The update is conditional on the old status, so when the same change arrives
        twice at once (two workers, a resent push) only one of them records it.
        """
        old = d.status
        if old == new:
            return None
        now = self.clock()
        when = changed_at or now
        result = await session.execute(
            update(Dossier)
            .where(Dossier.id == d.id, Dossier.status == old)
            .values(status=new, status_changed_at=when, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            await session.refresh(d)
            return None
        for name, value in (("status", new), ("status_changed_at", when), ("updated_at", now)):
            set_committed_value(d, name, value)
        if new in FINISHED and d.completed_at is None:
            d.completed_at = to_local(when)
        d.timeliness = timeliness(d.appointment_at, d.completed_at) if new in FINISHED else None
        change = DossierStatusChange(
            dossier_id=d.id, old_status=old, new_status=new, changed_at=when, source=source, event_id=event_id
        )
        session.add(change)
        await session.flush()
        await self._notify(session, d, change)
        for hook in self.on_status_change:
            await hook(session, d, old, new)
        log.info("dossier %s: status %s -> %s (%s)", mask_code(d.code), old, new, source)
        return change

    async def _notify(self, session: AsyncSession, d: Dossier, change: DossierStatusChange) -> None:
        subs = await session.execute(
            select(DossierSubscription.channel, DossierSubscription.user_id).where(
                DossierSubscription.dossier_id == d.id, DossierSubscription.revoked_at.is_(None)
            )
        )
        text = texts.notification(d, self.today(), self.hotline)
        buttons = [[texts.UNSUBSCRIBE_BUTTON, f"dossier:unsub:{d.id}"]]
        for channel, user_id in subs.all():
            await insert_ignore(
                session,
                Outbox,
                {
                    "channel": channel,
                    "user_id": user_id,
                    "text": text,
                    "buttons": buttons,
                    "dedupe_key": f"dossier:{d.code}:{change.id}:{channel}:{user_id}"[:200],
                },
                "dedupe_key",
            )


async def insert_ignore(session: AsyncSession, model: type, values: dict[str, object], key: str) -> bool:
    """INSERT … ON CONFLICT (key) DO NOTHING on SQLite and PostgreSQL; True when a row was inserted."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    column = getattr(model, key)
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT through SQLAlchemy.
    stmt = dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=[key]).returning(column)
    return (await session.execute(stmt)).first() is not None


def of(parts: Parts) -> DossierService:
    """The composition root's dossier service whole: ``Parts`` promises every feature only its clock and chat keys."""
    found = parts.dossiers
    if not isinstance(found, DossierService):
        raise TypeError(f"the dossier features need a DossierService, not {type(found).__name__}")
    return found
