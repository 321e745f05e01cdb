"""Dossiers, status history, lookup failures, subscriptions (consents), push events.

Revision ID: 0002
Revises: 0001 (a branch of its own, applied with "heads")
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = ("dossiers",)
depends_on = None

_TZ = sa.DateTime(timezone=True)
_LOCAL = sa.DateTime(timezone=False)


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(48), nullable=False, unique=True),
        sa.Column("procedure_code", sa.String(32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(255), nullable=True),
        sa.Column("received_at", _LOCAL, nullable=True),
        sa.Column("appointment_at", _LOCAL, nullable=True),
        sa.Column("completed_at", _LOCAL, nullable=True),
        sa.Column("timeliness", sa.String(8), nullable=True),
        sa.Column("applicant_masked", sa.String(120), nullable=True),
        sa.Column("phone_hash", sa.String(64), nullable=False),
        sa.Column("status_changed_at", _TZ, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
    )
    op.create_table(
        "dossier_status_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("old_status", sa.Integer(), nullable=True),
        sa.Column("new_status", sa.Integer(), nullable=False),
        sa.Column("changed_at", _TZ, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(100), nullable=True),
    )
    op.create_index("ix_dossier_status_history_dossier_id", "dossier_status_history", ["dossier_id"])
    op.create_table(
        "dossier_lookup_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_key", sa.String(96), nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("at", _TZ, nullable=False),
    )
    op.create_index("ix_dossier_failures_chat", "dossier_lookup_failures", ["chat_key", "at"])
    op.create_index("ix_dossier_failures_code", "dossier_lookup_failures", ["code_digest", "at"])
    op.create_table(
        "dossier_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column(
            "dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("text_version", sa.String(32), nullable=False),
        sa.Column("granted_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ, nullable=True),
    )
    op.create_index(
        "uq_dossier_subscriptions_active",
        "dossier_subscriptions",
        ["channel", "user_id", "dossier_id"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_index("ix_dossier_subscriptions_dossier", "dossier_subscriptions", ["dossier_id"])
    op.create_table(
        "dossier_push_events",
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("received_at", _TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dossier_push_events")
    op.drop_index("ix_dossier_subscriptions_dossier", "dossier_subscriptions")
    op.drop_index("uq_dossier_subscriptions_active", "dossier_subscriptions")
    op.drop_table("dossier_subscriptions")
    op.drop_index("ix_dossier_failures_code", "dossier_lookup_failures")
    op.drop_index("ix_dossier_failures_chat", "dossier_lookup_failures")
    op.drop_table("dossier_lookup_failures")
    op.drop_index("ix_dossier_status_history_dossier_id", "dossier_status_history")
    op.drop_table("dossier_status_history")
    op.drop_table("dossiers")
