"""Typed SQLAlchemy models. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, dt.datetime: DateTime(timezone=True)}


class Conversation(Base):
    """Dialogue state of one chat, keyed by (channel, user id), so restarts and workers lose nothing."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "user_id", name="uq_conversations_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    last_procedure: Mapped[str | None] = mapped_column(String(16))
    # A question the assistant asked and awaits an answer to (e.g. which procedure).
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Outbox(Base):
    """Messages the assistant sends on its own (notifications, invitations), delivered by the channels.

    ``dedupe_key`` makes enqueueing idempotent: the same status change arriving twice
    enqueues one message.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    attachment: Mapped[str | None] = mapped_column(String(500))  # path of a file sent with the text
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed|undeliverable
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[dt.datetime | None] = mapped_column()


# The outbox keys of what a clerk writes in the console, made and recognised here in one place: the sender
# tells a channel that can show who wrote a message (the web chat) that a person at the centre wrote these.
_CLERK_KEY = re.compile(r"handoff:\d+:reply:|ticket-reply:")


def handoff_reply_key(handoff_id: int, nonce: str) -> str:
    """A clerk's message in a live handoff (one per form sent: the nonce)."""
    return f"handoff:{handoff_id}:reply:{nonce}"


def ticket_reply_key(ticket_id: int, nonce: str) -> str:
    """A clerk's reply to a feedback ticket."""
    return f"ticket-reply:{ticket_id}:{nonce}"


def by_clerk(dedupe_key: str) -> bool:
    """Whether a person at the centre wrote this outbox message, not the assistant."""
    return _CLERK_KEY.match(dedupe_key) is not None


class ExportJob(Base):
    """A staff export asked for in chat, made in the background and delivered through the outbox.

    A row, not a task in memory: a restart finds the job still pending (or left running) and makes it.
    """

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|running|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str | None] = mapped_column(String(500))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()


ROLES = ("viewer", "exporter", "admin")  # of a staff account


class StaffUser(Base):
    """A clerk's account: the staff console signs clerks in with it, the live handoff names the clerk who took
    a chat. Kept here, beside the other shared tables, so neither package imports the other for it (the
    table itself is created by the console's migration, 0007)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column()
    password_changed_at: Mapped[dt.datetime] = mapped_column()
