"""Surveys: invitations, consents, responses and answers, feedback tickets, export audit.

A branch of its own off 0002 (it references dossiers), applied with "heads".

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = ("surveys",)
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _dossier_fk(ondelete: str, nullable: bool = True) -> sa.Column:
    return sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id", ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(32), nullable=False, unique=True),
        _dossier_fk("CASCADE", nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("declined_at", _TZ, nullable=True),
        sa.UniqueConstraint("dossier_id", "channel", "user_id", name="uq_survey_invitations_chat"),
    )
    op.create_table(
        "survey_consents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        _dossier_fk("SET NULL"),
        sa.Column("form_id", sa.String(32), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("text_version", sa.String(32), nullable=False),
        sa.Column("granted_at", _TZ, nullable=False),
    )
    op.create_index("ix_survey_consents_chat", "survey_consents", ["channel", "user_id"])
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), primary_key=True),
        _dossier_fk("SET NULL"),
        sa.Column("dossier_code", sa.String(48), nullable=True),
        sa.Column("form_id", sa.String(32), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("procedure_code", sa.String(32), nullable=True),
        sa.Column("unit", sa.String(255), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("origin", sa.String(16), nullable=False, server_default="chat"),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column(
            "consent_id", sa.Integer(), sa.ForeignKey("survey_consents.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("started_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("submitted_at", _TZ, nullable=True),
        sa.UniqueConstraint("dossier_id", "channel", "user_id", name="uq_survey_responses_draft"),
    )
    op.create_index(
        "uq_survey_responses_submitted",
        "survey_responses",
        ["dossier_id"],
        unique=True,
        sqlite_where=sa.text("submitted_at IS NOT NULL"),
        postgresql_where=sa.text("submitted_at IS NOT NULL"),
    )
    op.create_index("ix_survey_responses_submitted_at", "survey_responses", ["form_id", "submitted_at"])
    op.create_index("ix_survey_responses_chat", "survey_responses", ["channel", "user_id"])
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "response_id", sa.Integer(), sa.ForeignKey("survey_responses.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("question_id", sa.String(32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("answered_at", _TZ, nullable=False),
        sa.UniqueConstraint("response_id", "question_id", name="uq_survey_answers_question"),
    )
    op.create_table(
        "feedback_tickets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_code", sa.String(24), nullable=False, unique=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        _dossier_fk("SET NULL"),
        sa.Column(
            "response_id", sa.Integer(), sa.ForeignKey("survey_responses.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("unit", sa.String(255), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("created_at", _TZ, nullable=False),
    )
    op.create_index("ix_feedback_tickets_created", "feedback_tickets", ["created_at"])
    op.create_table(
        "survey_export_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("survey_export_audit")
    op.drop_index("ix_feedback_tickets_created", "feedback_tickets")
    op.drop_table("feedback_tickets")
    op.drop_table("survey_answers")
    op.drop_index("ix_survey_responses_chat", "survey_responses")
    op.drop_index("ix_survey_responses_submitted_at", "survey_responses")
    op.drop_index("uq_survey_responses_submitted", "survey_responses")
    op.drop_table("survey_responses")
    op.drop_index("ix_survey_consents_chat", "survey_consents")
    op.drop_table("survey_consents")
    op.drop_table("survey_invitations")
