"""Fixtures for the survey tests: SQLite and PostgreSQL (a fresh schema per test), a movable clock, helpers.

Registered for every test by ``pytest_plugins`` in conftest.py; helpers are imported by name. PostgreSQL tests fail
in CI when the server is unreachable and are skipped elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fakes.db import BOTH, database_url
from fakes.db import Clock as SClock
from sqlalchemy import func, select

from bot.app import Services, build_services
from bot.config import load_settings
from bot.core.dialogue import DEGRADED_NOTE
from bot.core.messages import Incoming, Reply
from bot.features.dossiers.fields import mask_name
from bot.features.dossiers.importer import Record, import_records
from bot.features.dossiers.models import Dossier
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

__all__ = [
    "CODE", "STAFF", "SClock", "add_response", "build", "count", "handover", "say", "sclock", "subscribe", "survey_db",
    "survey_record", "svc",
]

CODE = "000.22.27.H49-261126-0003"
STAFF = "test:staff-1"


@pytest.fixture(params=BOTH)
def survey_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request.param, tmp_path / "surveys.sqlite3", "survey_test")


@pytest.fixture
def sclock() -> SClock:
    return SClock()


def build(db_url: str, clock: SClock, knowledge: dict[str, Procedure], resolver: Resolver,
          tmp_path: Path, **surveys: object) -> Services:
    """The assistant without NLU (keyword mode) on ``db_url``; calling it again is a restart."""
    settings = load_settings(
        database={"url": db_url}, staff=[STAFF],
        surveys={"min_published": 3, "exports_dir": str(tmp_path / "exports"), **surveys},
    )
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    services.dossiers.clock = clock
    return services


@pytest.fixture
async def svc(
    survey_db: str, sclock: SClock, knowledge: dict[str, Procedure], resolver: Resolver, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Services]:
    monkeypatch.setenv("DOSSIER_HASH_KEY", "test-survey-hash-key-0123456789")
    services = build(survey_db, sclock, knowledge, resolver, tmp_path)
    yield services
    await services.aclose()


def survey_record(code: str = CODE, status: int = 9, last4: str = "9753", **kw: object) -> Record:
    values: dict[str, object] = {
        "procedure_code": "1.001193",
        "applicant_masked": mask_name("Vũ Đức Hải"),
        "received_at": dt.datetime(2026, 11, 26, 8, 5),
        "appointment_at": dt.datetime(2026, 11, 27, 16, 0),
        "completed_at": dt.datetime(2026, 11, 27, 10, 0),
        "unit": "Trung tâm Phục vụ hành chính công phường Hồng Gai",
    }
    values.update(kw)
    return Record(code=code, status=status, last4=last4, **values)  # type: ignore[arg-type]


async def subscribe(services: Services, user: str, code: str = CODE, channel: str = "test") -> None:
    """The chat verified the dossier and agreed to be contacted about it (as the lookup records it)."""
    async with services.sessions() as session, session.begin():
        d = (await session.execute(select(Dossier).where(Dossier.code == code))).scalar_one()
        await services.dossiers.subscribe(session, channel, user, d)


async def handover(services: Services, code: str = CODE, **kw: object) -> None:
    """The one-stop system reports the result handed over (status 10), as an import does."""
    report = await import_records(services.dossiers, services.sessions, [survey_record(code, 10, **kw)], "import",
                                  "test")
    assert report.ok


async def say(services: Services, text: str = "", user: str = "citizen", payload: str | None = None,
              channel: str = "test") -> Reply:
    """The first reply, without the degraded-mode note (these services run without NLU on purpose)."""
    replies = await services.turns.run(Incoming(channel, user, text, payload))
    assert replies, "the assistant must never be silent"
    return replace(replies[0], text=replies[0].text.removeprefix(DEGRADED_NOTE))


async def count(services: Services, model: type, *where: object) -> int:
    async with services.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def add_response(
    services: Services, answers: dict[str, str], *, submitted: dt.datetime | None = dt.datetime(
        2026, 11, 27, 3, 0, tzinfo=dt.UTC), ticket_text: str | None = None, **fields: object
) -> int:
    """A response written directly (as if answered in chat); its id."""
    from bot.features.surveys.models import FeedbackTicket, SurveyAnswer, SurveyResponse

    now = submitted or dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
    values: dict[str, object] = {
        "form_id": "short", "form_version": 1, "via": "telegram", "channel": "telegram", "user_id": "citizen-1",
        "dossier_code": CODE, "procedure_code": "1.001193", "unit": "Trung tâm Phục vụ hành chính công phường Hồng Gai",
        "late": False, "origin": "chat", "position": 8, "started_at": now, "updated_at": now,
        "submitted_at": submitted,
    }
    values.update(fields)
    async with services.sessions() as session, session.begin():
        response = SurveyResponse(**values)
        session.add(response)
        await session.flush()
        for qid, value in answers.items():
            session.add(SurveyAnswer(response_id=response.id, question_id=qid, value=value, answered_at=now))
        if ticket_text is not None:
            session.add(FeedbackTicket(
                tracking_code=f"PA-261127-{response.id:04d}", source="survey", channel=values["channel"],
                user_id=values["user_id"], response_id=response.id, unit=values["unit"],
                topics=["Thủ tục hành chính: Không hài lòng"], text=ticket_text, status="new", created_at=now,
            ))
        return response.id
