"""A handoff request and the messages of its chat with a clerk.

``handoffs`` carries (channel, user_id), so the privacy erasure's sweep deletes it
and its messages go with it (ON DELETE CASCADE). At most one open request per chat
is a database guarantee (a partial unique index), not only a check in code.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base

OPEN = ("waiting", "active")
# waiting: in the queue; active: a clerk is chatting; back: handed back to the assistant;
# ticket: became a feedback ticket (outside hours or not taken in time); cancelled: the citizen left the queue.
STATUSES = (*OPEN, "back", "ticket", "cancelled")


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_status", "status", "created_at"),
        Index("uq_handoffs_open_chat", "channel", "user_id", unique=True,
              sqlite_where=text("status IN ('waiting', 'active')"),
              postgresql_where=text("status IN ('waiting', 'active')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    context: Mapped[str | None] = mapped_column(Text)  # what the chat was about (last procedure asked)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_tickets.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column()
    taken_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()


class HandoffMessage(Base):
    """One line of the chat: the citizen's, a clerk's (with its outbox key), or the assistant's before."""

    __tablename__ = "handoff_messages"
    __table_args__ = (UniqueConstraint("handoff_id", "nonce", name="uq_handoff_messages_nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(16))  # citizen | clerk | assistant
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(String(64))  # a clerk's form: sent twice, recorded once
    outbox_key: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column()
