"""Channels: inbox of inbound platform events; stored platform tokens.

A branch of its own off 0001 (applied with "heads").

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = ("channels",)
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACTIVE_SQL = "status IN ('pending', 'processing')"


def upgrade() -> None:
    op.create_table(
        "inbox_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("alt_key", sa.String(200), nullable=True),
        sa.Column("user_key", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("channel", "event_key", name="uq_inbox_events_key"),
        sa.UniqueConstraint("channel", "alt_key", name="uq_inbox_events_alt_key"),
    )
    # Partial: claiming looks at unfinished events only, while days of finished ones are kept.
    active = sa.text(ACTIVE_SQL)
    op.create_index(
        "ix_inbox_events_active", "inbox_events", ["channel", "user_key", "id"],
        sqlite_where=active, postgresql_where=active,
    )
    op.create_index("ix_inbox_events_status", "inbox_events", ["status", "available_at"])
    op.create_index("ix_inbox_events_processed", "inbox_events", ["processed_at"])
    op.create_table(
        "channel_tokens",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("channel_tokens")
    op.drop_index("ix_inbox_events_processed", "inbox_events")
    op.drop_index("ix_inbox_events_status", "inbox_events")
    op.drop_index("ix_inbox_events_active", "inbox_events")
    op.drop_table("inbox_events")
