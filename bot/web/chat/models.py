"""Tables of the web chat: anonymous browser sessions and each session's messages (its history).

The inbox erases what a citizen wrote once processed, and the outbox forgets replies after
a few days; the web page needs the conversation itself to show it again on reload and to
resume a dropped stream, so it is kept here per session, for the conversation retention.
``id`` orders a session's messages and is the server-sent event id the page resumes from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base

BigId = BigInteger().with_variant(Integer(), "sqlite")


class WebSession(Base):
    """A browser, known only by a random id in its cookie; ``address_key`` is a hash, never the address."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_address", "address_key", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    address_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column()
    last_seen_at: Mapped[dt.datetime] = mapped_column()


class WebMessage(Base):
    """One message shown in a session: the citizen's (``client_id`` unique), or the assistant's or a clerk's
    (``outbox_ref``)."""

    __tablename__ = "web_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "client_id", name="uq_web_messages_client"),
        UniqueConstraint("session_id", "outbox_ref", name="uq_web_messages_outbox"),
        Index("ix_web_messages_session", "session_id", "id"),
        Index("ix_web_messages_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(8))  # user | bot (the assistant) | clerk (from the staff console)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    client_id: Mapped[str | None] = mapped_column(String(64))
    outbox_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column()
