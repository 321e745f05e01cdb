"""Dossier copies, their status history, lookup failures, subscriptions (consents), push events.

The one-stop system owns the dossiers; these tables keep only what the assistant
needs to answer a verified citizen. The phone number is never stored: only a keyed
hash of its last four digits. The applicant's name is stored masked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base

# Dates from the one-stop system are wall-clock times in Vietnam (UTC+7, no DST),
# kept as they were exported, without a time zone.
LocalDateTime = DateTime(timezone=False)


class Dossier(Base):
    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)  # canonical, looked up exactly
    procedure_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[int] = mapped_column(Integer)  # 1–10, the national status list
    unit: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    appointment_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    timeliness: Mapped[str | None] = mapped_column(String(8))  # early | on_time | late, once completed
    applicant_masked: Mapped[str | None] = mapped_column(String(120))
    phone_hash: Mapped[str] = mapped_column(String(64))
    status_changed_at: Mapped[dt.datetime] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()


class DossierStatusChange(Base):
    """One row per status change (the first row, old_status None, is the dossier's arrival)."""

    __tablename__ = "dossier_status_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[int | None] = mapped_column(Integer)
    new_status: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime] = mapped_column()
    source: Mapped[str] = mapped_column(String(16))  # import | push | demo
    event_id: Mapped[str | None] = mapped_column(String(100))


class DossierLookupFailure(Base):
    """A failed verification, kept in the database so a restart or a second worker sees it.

    Keyed by a digest of the code (not the code itself) so unknown codes count
    exactly like known ones.
    """

    __tablename__ = "dossier_lookup_failures"
    __table_args__ = (
        Index("ix_dossier_failures_chat", "chat_key", "at"),
        Index("ix_dossier_failures_code", "code_digest", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(96))
    code_digest: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column()


class DossierSubscription(Base):
    """A chat's consent to be told of a dossier's status changes; also the consent record.

    Revoking sets ``revoked_at``; a new consent is a new row, so the history stays.
    """

    __tablename__ = "dossier_subscriptions"
    __table_args__ = (
        Index(
            "uq_dossier_subscriptions_active",
            "channel",
            "user_id",
            "dossier_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index("ix_dossier_subscriptions_dossier", "dossier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(Text)
    text_version: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class DossierPushEvent(Base):
    """Push events already handled, so a resent event is answered without applying it again."""

    __tablename__ = "dossier_push_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column()
