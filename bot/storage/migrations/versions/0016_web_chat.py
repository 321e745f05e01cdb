"""The web chat: anonymous sessions and their messages (history and stream resume).

A branch of its own off 0001 (new tables referencing nothing else), applied with "heads".

Revision ID: 0016_web_chat
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_web_chat"
down_revision = "0001"
branch_labels = ("web_chat",)
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("address_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_web_sessions_address", "web_sessions", ["address_key", "created_at"])
    op.create_table(
        "web_messages",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=True),
        sa.Column("client_id", sa.String(64), nullable=True),
        sa.Column("outbox_ref", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("session_id", "client_id", name="uq_web_messages_client"),
        sa.UniqueConstraint("session_id", "outbox_ref", name="uq_web_messages_outbox"),
    )
    op.create_index("ix_web_messages_session", "web_messages", ["session_id", "id"])
    op.create_index("ix_web_messages_created", "web_messages", ["created_at"])


def downgrade() -> None:
    op.drop_table("web_messages")
    op.drop_table("web_sessions")
