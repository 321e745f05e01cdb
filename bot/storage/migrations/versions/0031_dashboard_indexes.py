"""Indexes for the staff dashboard's filters and the export's pivot (issue 15).

Each dashboard filter (unit, procedure) narrows by form and period first; the answers
index carries the value so the GROUP BY reads the index alone.

Revision ID: 0031_dashboard_indexes
Revises: 0016_web_chat (needs the survey tables and the console: depends on 0015_staff)
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0031_dashboard_indexes"
down_revision = "0016_web_chat"
branch_labels = None
depends_on = ("0015_staff",)

# updated_at and id ride along: the dashboard's cache signature (count, last id, last write) reads the index only.
INDEXES = (
    ("ix_survey_responses_form_period", "survey_responses", ["form_id", "submitted_at", "updated_at", "id"]),
    ("ix_survey_responses_form_procedure", "survey_responses",
     ["form_id", "procedure_code", "submitted_at", "updated_at", "id"]),
    ("ix_survey_responses_form_unit", "survey_responses", ["form_id", "unit", "submitted_at", "updated_at", "id"]),
    ("ix_survey_answers_values", "survey_answers", ["response_id", "question_id", "value"]),
    ("ix_survey_invitations_created", "survey_invitations", ["created_at", "dossier_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in INDEXES:
        op.drop_index(name, table)
