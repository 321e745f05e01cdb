"""Engine and session factory; migrations applied with Alembic, the only source of schema."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def sync_url(url: str) -> str:
    """The synchronous driver URL Alembic uses for the same database."""
    u = make_url(url)
    driver = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}.get(u.drivername)
    return u.set(drivername=driver).render_as_string(hide_password=False) if driver else url


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return cfg


def private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only (0600), or narrow an existing one.

    The database and exports hold personal data; the umask (often 022) would leave
    them readable by every local account. SQLite gives its -wal and -shm files the
    database file's mode.
    """
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database schema to ``revision``; creates the SQLite folder if needed.

    "heads": features add their tables on branches of their own, all applied.
    """
    u = make_url(url)
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        private_file(Path(u.database))
    command.upgrade(alembic_config(url), revision)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers and one writer work at once; busy_timeout waits instead of failing.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        # A few connections stay open: opening one (an aiosqlite thread) costs 10-20 ms a turn.
        engine = create_async_engine(url, pool_size=4, max_overflow=16)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def install_sqlite_pragmas(engine: Engine) -> None:
    """For synchronous engines (Alembic) on SQLite."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
