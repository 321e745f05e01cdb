"""The console's sessions, its audit log, ticket handling and export jobs (accounts: bot.storage.models).

Separate tables rather than new columns on the survey tables, so the console's
migration is a branch of its own (0007) and never alters what other features own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class StaffSession(Base):
    """A signed-in browser; the cookie carries the token, the row only its SHA-256."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column()
    last_seen_at: Mapped[dt.datetime] = mapped_column()


class StaffAudit(Base):
    """Every sign-in (and failure), export and ticket action: who, what, from where, when."""

    __tablename__ = "staff_audit"
    __table_args__ = (
        Index("ix_staff_audit_actor", "action", "actor", "at"),
        Index("ix_staff_audit_address", "action", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))  # the username given, even an unknown one
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class TicketWork(Base):
    """Who handles a feedback ticket and when it last changed (the status itself stays on the ticket)."""

    __tablename__ = "staff_ticket_work"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("feedback_tickets.id", ondelete="CASCADE"), primary_key=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column()


class TicketReply(Base):
    """A clerk's answer to the citizen; ``nonce`` (from the form) makes a resubmitted form send nothing more."""

    __tablename__ = "staff_ticket_replies"
    __table_args__ = (UniqueConstraint("ticket_id", "nonce", name="uq_staff_ticket_replies_nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("feedback_tickets.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    nonce: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    outbox_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column()


class StaffExport(Base):
    """An export started from the console, made in the background, downloaded by whoever started it."""

    __tablename__ = "staff_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    format: Mapped[str] = mapped_column(String(8))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|running|done|failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
