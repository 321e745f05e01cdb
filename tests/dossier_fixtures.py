"""Fixtures for the dossier tests: the database on SQLite and PostgreSQL, a movable clock, helpers.

Registered for every test by ``pytest_plugins`` in conftest.py; helpers are imported by name. PostgreSQL tests get
a fresh schema each; when the server is unreachable they fail in CI and are
skipped elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fakes.db import BOTH, Clock, database_url
from sqlalchemy import func, select

from bot.app import Services, build_services
from bot.config import load_settings
from bot.core.messages import Incoming, Reply
from bot.features.dossiers.fields import mask_name
from bot.features.dossiers.importer import Record, import_records
from bot.storage.models import Outbox
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

__all__ = [
    "DATA", "HASH_KEY", "Clock", "chat", "clock", "count", "db_url", "dsvc", "load", "outbox_rows", "record",
]

DATA = Path(__file__).parent / "data" / "dossiers"
HASH_KEY = "test-dossier-hash-key-0123456789"


@pytest.fixture(params=BOTH)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request.param, tmp_path / "dossiers.sqlite3", "dossier_test")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def dsvc(
    db_url: str,
    clock: Clock,
    knowledge: dict[str, Procedure],
    resolver: Resolver,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Services]:
    """The assistant without NLU (keyword mode) on the parametrised database, with a movable clock."""
    monkeypatch.setenv("DOSSIER_HASH_KEY", HASH_KEY)
    settings = load_settings(database={"url": db_url})
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    services.dossiers.clock = clock
    yield services
    await services.aclose()


def record(code: str, last4: str = "6789", status: int = 4, **kw: object) -> Record:
    values: dict[str, object] = {
        "procedure_code": "1.012783",
        "applicant_masked": mask_name("Nguyễn Văn An"),
        "received_at": dt.datetime(2026, 11, 20, 8, 15),
        "appointment_at": dt.datetime(2026, 12, 4, 16, 0),
        "unit": "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
    }
    values.update(kw)
    return Record(code=code, status=status, last4=last4, **values)  # type: ignore[arg-type]


async def load(services: Services, *records: Record) -> None:
    report = await import_records(services.dossiers, services.sessions, list(records), "demo", "test")
    assert report.ok


async def chat(services: Services, text: str, user: str = "citizen", payload: str | None = None) -> Reply:
    replies = await services.turns.run(Incoming("test", user, text, payload))
    assert replies, "the assistant must never be silent"
    return replies[0]


async def count(services: Services, model: type, *where: object) -> int:
    async with services.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def outbox_rows(services: Services) -> list[Outbox]:
    async with services.sessions() as session:
        return list((await session.execute(select(Outbox).order_by(Outbox.id))).scalars())
