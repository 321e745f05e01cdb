"""Test databases (a fresh PostgreSQL schema; skipped when unreachable, failed in CI) and a movable clock."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_URL = os.environ.get("TTHC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pg_schema_url(prefix: str = "channels_test") -> Iterator[str]:
    import psycopg

    base = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL needed in CI: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


# Parameters of a fixture that runs its tests on both databases (see ``database_url``).
BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def database_url(kind: str, sqlite_file: Path, pg_prefix: str) -> Iterator[str]:
    """A SQLite file URL, or a fresh PostgreSQL schema (dropped afterwards) for ``kind`` "postgres"."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{sqlite_file}"
    else:
        yield from pg_schema_url(pg_prefix)


class Clock:
    """Aware UTC time that tests move by hand."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
