"""Survey invitations, consents, responses (one row per answer), feedback tickets, export audit.

One submitted response per dossier is a database guarantee (a partial unique
index), not only a check in code; a resent answer updates its row, never adds one.
A response keeps a copy of what statistics need (procedure, unit, timeliness), so
the numbers survive when the dossier copy or the link to the person is removed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class SurveyInvitation(Base):
    """One invitation per (dossier, chat); the token in its button stands for both."""

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("dossier_id", "channel", "user_id", name="uq_survey_invitations_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column()
    declined_at: Mapped[dt.datetime | None] = mapped_column()


class SurveyConsent(Base):
    """The consent record: who, which dossier, what purpose, which text, which channel, when."""

    __tablename__ = "survey_consents"
    __table_args__ = (Index("ix_survey_consents_chat", "channel", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(String(64))  # None once unlinked (retention)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id", ondelete="SET NULL"))
    form_id: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(Text)
    text_version: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[dt.datetime] = mapped_column()


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        # Drafts: one per chat and dossier. Submitted: one per dossier, whoever answered.
        UniqueConstraint("dossier_id", "channel", "user_id", name="uq_survey_responses_draft"),
        Index(
            "uq_survey_responses_submitted",
            "dossier_id",
            unique=True,
            sqlite_where=text("submitted_at IS NOT NULL"),
            postgresql_where=text("submitted_at IS NOT NULL"),
        ),
        Index("ix_survey_responses_submitted_at", "form_id", "submitted_at"),
        Index("ix_survey_responses_chat", "channel", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id", ondelete="SET NULL"))
    dossier_code: Mapped[str | None] = mapped_column(String(48))  # identifying: unlinked with the chat
    form_id: Mapped[str] = mapped_column(String(32))
    form_version: Mapped[int] = mapped_column(Integer)
    via: Mapped[str] = mapped_column(String(16))  # the channel answered on; kept after unlinking
    channel: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(String(64))
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(255))
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # dossier handed over after its appointment
    origin: Mapped[str] = mapped_column(String(16), default="chat")  # chat | demo
    position: Mapped[int] = mapped_column(Integer, default=0)  # the question being asked; len(questions): review
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("survey_consents.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()
    submitted_at: Mapped[dt.datetime | None] = mapped_column()


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id", name="uq_survey_answers_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)  # the raw answer: a choice value, or the comment as typed
    answered_at: Mapped[dt.datetime] = mapped_column()


class FeedbackTicket(Base):
    """A phản ánh, kiến nghị: from a dissatisfied survey answer or asked for directly."""

    __tablename__ = "feedback_tickets"
    __table_args__ = (Index("ix_feedback_tickets_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(24), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # survey | chat | demo
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(String(64))  # to answer the citizen; None once unlinked
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id", ondelete="SET NULL"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("survey_responses.id", ondelete="SET NULL"))
    unit: Mapped[str | None] = mapped_column(String(255))
    topics: Mapped[list[Any] | None] = mapped_column(JSON)  # the criteria rated dissatisfied, as labels
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[dt.datetime] = mapped_column()


class ExportAudit(Base):
    """Every staff export: who, when, with which filters, how many rows, into which file."""

    __tablename__ = "survey_export_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(120))
    via: Mapped[str] = mapped_column(String(16))  # cli | chat
    at: Mapped[dt.datetime] = mapped_column()
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    format: Mapped[str] = mapped_column(String(8))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    rows: Mapped[int] = mapped_column(Integer)
    tickets: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
