"""Files in the outbox (a staff XLSX sent on Telegram) and background export jobs.

A branch of its own off 0001 (it touches the outbox and adds a table that references
nothing else), applied with "heads".

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = ("outbox_files",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:  # batch: SQLite cannot ALTER every column in place
        batch.add_column(sa.Column("attachment", sa.String(500), nullable=True))
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("path", sa.String(500), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_export_jobs_status", "export_jobs", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_export_jobs_status", "export_jobs")
    op.drop_table("export_jobs")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attachment")
