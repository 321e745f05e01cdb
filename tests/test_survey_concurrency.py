"""One response per dossier under concurrent submits (SQLite and PostgreSQL), and a constraint behind it."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from survey_fixtures import handover, say, subscribe, survey_record

from bot.app import Services
from bot.features.dossiers.importer import import_records
from bot.features.dossiers.models import Dossier
from bot.features.surveys import texts
from bot.features.surveys.models import SurveyAnswer, SurveyResponse

ANSWERS = ("hài lòng", "4", "4", "5", "4", "chưa góp ý", "2", "bỏ qua")


async def _at_review(services: Services, user: str) -> str:
    """The chat consents and answers everything; the payload of its «Gửi đánh giá» button."""
    await say(services, "đánh giá", user=user)  # its open invitation
    reply = await say(services, payload="survey:consent:yes", user=user)
    for answer in ANSWERS:
        reply = await say(services, answer, user=user)
    assert reply.text.startswith(texts.REVIEW_HEAD)
    return reply.buttons[0].payload


async def _two_chats_at_review(services: Services) -> tuple[str, str]:
    await import_records(services.dossiers, services.sessions, [survey_record()], "import", "test")
    await subscribe(services, "applicant")
    await subscribe(services, "spouse")
    await handover(services)
    return await _at_review(services, "applicant"), await _at_review(services, "spouse")


async def test_two_chats_submitting_at_once_make_one_response(svc: Services) -> None:
    a, b = await _two_chats_at_review(svc)
    replies = await asyncio.gather(say(svc, payload=a, user="applicant"), say(svc, payload=b, user="spouse"))
    texts_ = sorted(r.text for r in replies)
    thanks = [t for t in texts_ if "em đã ghi nhận đánh giá" in t]
    refused = [t for t in texts_ if t == texts.already_rated("000.22.27.H49-261126-0003")]
    assert len(thanks) == 1 and len(refused) == 1, texts_
    async with svc.sessions() as session:
        submitted = (await session.execute(
            select(SurveyResponse).where(SurveyResponse.submitted_at.is_not(None))
        )).scalars().all()
    assert len(submitted) == 1


async def test_one_chat_tapping_submit_twice_at_once(svc: Services) -> None:
    a, _ = await _two_chats_at_review(svc)
    replies = await asyncio.gather(*(say(svc, payload=a, user="applicant") for _ in range(3)))
    assert sum("em đã ghi nhận đánh giá" in r.text for r in replies) == 1
    assert all(r.text == texts.ALREADY_SUBMITTED or "em đã ghi nhận" in r.text for r in replies)
    async with svc.sessions() as session:
        submitted = (await session.execute(
            select(SurveyResponse.id).where(SurveyResponse.submitted_at.is_not(None))
        )).all()
        answers = (await session.execute(select(SurveyAnswer.question_id).where(
            SurveyAnswer.response_id == submitted[0][0]))).all()
    assert len(submitted) == 1 and len(answers) == len({a for (a,) in answers}) == 7


async def test_the_database_refuses_a_second_submitted_response(svc: Services) -> None:
    await import_records(svc.dossiers, svc.sessions, [survey_record(status=10)], "import", "test")
    now = dt.datetime(2026, 11, 28, 3, tzinfo=dt.UTC)
    async with svc.sessions() as session:
        dossier_id = (await session.execute(select(Dossier.id))).scalar_one()
    row = {"dossier_id": dossier_id, "form_id": "short", "form_version": 1, "via": "test", "started_at": now,
           "updated_at": now, "submitted_at": now}
    async with svc.sessions() as session, session.begin():
        await session.execute(insert(SurveyResponse).values(**row, channel="test", user_id="a"))
    with pytest.raises(IntegrityError):
        async with svc.sessions() as session, session.begin():
            await session.execute(insert(SurveyResponse).values(**row, channel="test", user_id="b"))
    # Drafts of other chats are allowed; only submission is unique.
    async with svc.sessions() as session, session.begin():
        await session.execute(insert(SurveyResponse).values(**{**row, "submitted_at": None}, channel="test",
                                                             user_id="c"))
