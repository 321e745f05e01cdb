"""Staff console: accounts, sessions, audit log, ticket handling, export jobs.

A branch of its own off 0004 (it references feedback_tickets), applied with "heads".

Revision ID: 0015_staff
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_staff"
down_revision = "0004"
branch_labels = ("staff_console",)
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _staff_fk(name: str, ondelete: str, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("staff_users.id", ondelete=ondelete), nullable=nullable)


def _ticket_fk(primary_key: bool = False) -> sa.Column:
    return sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("feedback_tickets.id", ondelete="CASCADE"),
                     nullable=False, primary_key=primary_key)


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("password_changed_at", _TZ, nullable=False),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _staff_fk("user_id", "CASCADE", False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("last_seen_at", _TZ, nullable=False),
    )
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_staff_audit_actor", "staff_audit", ["action", "actor", "at"])
    op.create_index("ix_staff_audit_address", "staff_audit", ["action", "address", "at"])
    op.create_table(
        "staff_ticket_work",
        _ticket_fk(primary_key=True),
        _staff_fk("assignee_id", "SET NULL", True),
        sa.Column("updated_at", _TZ, nullable=False),
    )
    op.create_table(
        "staff_ticket_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ticket_fk(),
        _staff_fk("staff_id", "SET NULL", True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outbox_key", sa.String(200), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.UniqueConstraint("ticket_id", "nonce", name="uq_staff_ticket_replies_nonce"),
    )
    op.create_index("ix_staff_ticket_replies_ticket_id", "staff_ticket_replies", ["ticket_id"])
    op.create_table(
        "staff_exports",
        sa.Column("id", sa.Integer(), primary_key=True),
        _staff_fk("staff_id", "CASCADE", False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rows", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("path", sa.String(500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("finished_at", _TZ, nullable=True),
    )
    # The dashboard's filters and groupings (procedure, unit) read survey_responses by these.
    op.create_index("ix_survey_responses_proc", "survey_responses", ["form_id", "procedure_code", "submitted_at"])
    op.create_index("ix_survey_responses_unit", "survey_responses", ["form_id", "unit", "submitted_at"])
    # The QĐ 766 count asks, for every rated response, whether a ticket came from it.
    op.create_index("ix_feedback_tickets_response", "feedback_tickets", ["response_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_tickets_response", "feedback_tickets")
    op.drop_index("ix_survey_responses_unit", "survey_responses")
    op.drop_index("ix_survey_responses_proc", "survey_responses")
    for table in ("staff_exports", "staff_ticket_replies", "staff_ticket_work", "staff_audit", "staff_sessions",
                  "staff_users"):
        op.drop_table(table)
