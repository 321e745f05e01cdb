"""Tables of the channels: the inbox of inbound events and the platforms' stored tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base

ACTIVE_SQL = "status IN ('pending', 'processing')"
# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class InboxEvent(Base):
    """One inbound platform event, stored before the webhook answers and processed once.

    ``event_key`` is the platform's id (Telegram update_id, Zalo msg_id); ``alt_key``
    a second identity of the same action (a button press: message id + payload), so a
    resent tap with a new update_id is recognised too. Events of one ``user_key`` are
    processed in ``id`` order. ``body`` (what the citizen wrote) is erased once processed.
    """

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("channel", "event_key", name="uq_inbox_events_key"),
        UniqueConstraint("channel", "alt_key", name="uq_inbox_events_alt_key"),
        # Only unfinished events are indexed for claiming: the table also keeps days of finished ones.
        Index(
            "ix_inbox_events_active", "channel", "user_key", "id",
            sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL),
        ),
        Index("ix_inbox_events_status", "status", "available_at"),
        Index("ix_inbox_events_processed", "processed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(200))
    alt_key: Mapped[str | None] = mapped_column(String(200))
    user_key: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|processing|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    available_at: Mapped[dt.datetime] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column()
    processed_at: Mapped[dt.datetime | None] = mapped_column()


class ChannelToken(Base):
    """A platform's current token pair (Zalo OA: refresh tokens are single-use), replaced atomically."""

    __tablename__ = "channel_tokens"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column()
