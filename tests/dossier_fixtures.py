"""Fixtures for the dossier tests: the database on SQLite and PostgreSQL, a movable clock, helpers.

Test modules take them with ``from dossier_fixtures import *``. PostgreSQL tests get
a fresh schema each; when the server is unreachable they fail in CI and are
skipped elsewhere.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import Services, build_services
from bot.config import load_settings
from bot.core.messages import Incoming, Reply
from bot.dossiers.fields import mask_name
from bot.dossiers.importer import Record, import_records
from bot.storage.models import Outbox
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

__all__ = [
    "DATA", "HASH_KEY", "Clock", "chat", "clock", "count", "db_url", "dsvc", "load", "outbox_rows", "record",
]

DATA = Path(__file__).parent / "data" / "dossiers"
HASH_KEY = "test-dossier-hash-key-0123456789"
PG_URL = os.environ.get("TTHC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_events = itertools.count()


class Clock:
    """Aware UTC time that tests move by hand."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def _pg_schema_url() -> Iterator[str]:
    import psycopg

    base = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL needed in CI: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    schema = f"dossier_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'dossiers.sqlite3'}"
    else:
        yield from _pg_schema_url()


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
    replies = await services.dialogue.handle(Incoming("test", user, text, payload, f"d{next(_events)}"))
    assert replies, "the assistant must never be silent"
    return replies[0]


async def count(services: Services, model: type, *where: object) -> int:
    async with services.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def outbox_rows(services: Services) -> list[Outbox]:
    async with services.sessions() as session:
        return list((await session.execute(select(Outbox).order_by(Outbox.id))).scalars())
