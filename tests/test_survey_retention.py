"""Retention: past the period, answers stay for the statistics but are unlinked from the person."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from survey_fixtures import SClock, add_response, count

from bot.app import Services
from bot.features.surveys.models import SurveyAnswer, SurveyResponse

OLD = dt.datetime(2025, 10, 1, 3, tzinfo=dt.UTC)  # more than 365 days before the test clock (2026-11-28)
RECENT = dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)


async def test_old_answers_are_unlinked_and_old_drafts_deleted(svc: Services, sclock: SClock) -> None:
    old = await add_response(svc, {"tiep_can": "5"}, submitted=OLD, started_at=OLD, updated_at=OLD)
    recent = await add_response(svc, {"tiep_can": "4"}, submitted=RECENT, user_id="citizen-2")
    await add_response(svc, {"tiep_can": "1"}, submitted=None, started_at=OLD, updated_at=OLD, user_id="citizen-3")
    assert svc.surveys is not None
    async with svc.sessions() as session, session.begin():
        done = await svc.surveys.service.apply_retention(session)
    assert done["responses_unlinked"] == 1 and done["drafts_deleted"] == 1
    async with svc.sessions() as session:
        rows = {r.id: r for r in (await session.execute(select(SurveyResponse))).scalars()}
    assert set(rows) == {old, recent}
    assert (rows[old].channel, rows[old].user_id, rows[old].dossier_code) == (None, None, None)
    assert rows[old].via == "telegram" and rows[old].procedure_code == "1.001193"  # the statistics stay
    assert rows[recent].user_id == "citizen-2"
    assert await count(svc, SurveyAnswer) == 2


def test_chat_export_files_are_deleted_after_a_week(tmp_path: Path) -> None:
    import os

    from bot.features.surveys.export import delete_old_exports

    now = dt.datetime(2026, 11, 28, 3, tzinfo=dt.UTC)
    old, fresh, other = tmp_path / "sipas_old.xlsx", tmp_path / "sipas_new.xlsx", tmp_path / "notes.txt"
    for path in (old, fresh, other):
        path.write_text("x")
    os.utime(old, ((now - dt.timedelta(days=8)).timestamp(),) * 2)
    os.utime(other, ((now - dt.timedelta(days=30)).timestamp(),) * 2)
    os.utime(fresh, ((now - dt.timedelta(days=1)).timestamp(),) * 2)
    assert delete_old_exports(tmp_path, dt.timedelta(days=7), now) == 1
    assert not old.exists() and fresh.exists() and other.exists()
