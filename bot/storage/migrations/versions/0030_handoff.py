"""Live handoff to a person: requests and the messages of the chat with a clerk.

A branch of its own off the staff console (it references staff_users and
feedback_tickets), applied with "heads".

Revision ID: 0030_handoff
Revises: 0015_staff
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030_handoff"
down_revision = "0015_staff"
branch_labels = ("handoff",)
depends_on = None

_TZ = sa.DateTime(timezone=True)
_OPEN = sa.text("status IN ('waiting', 'active')")


def _staff_fk() -> sa.Column:
    return sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True)


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        _staff_fk(),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("feedback_tickets.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("taken_at", _TZ, nullable=True),
        sa.Column("closed_at", _TZ, nullable=True),
    )
    op.create_index("ix_handoffs_status", "handoffs", ["status", "created_at"])
    op.create_index("uq_handoffs_open_chat", "handoffs", ["channel", "user_id"], unique=True,
                    sqlite_where=_OPEN, postgresql_where=_OPEN)
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("handoff_id", sa.Integer(), sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        _staff_fk(),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=True),
        sa.Column("outbox_key", sa.String(200), nullable=True),
        sa.Column("at", _TZ, nullable=False),
        sa.UniqueConstraint("handoff_id", "nonce", name="uq_handoff_messages_nonce"),
    )
    op.create_index("ix_handoff_messages_handoff_id", "handoff_messages", ["handoff_id"])


def downgrade() -> None:
    op.drop_table("handoff_messages")
    op.drop_table("handoffs")
