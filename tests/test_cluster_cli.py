"""The operator's commands around the cluster: `serve --workers` (PostgreSQL; refused on SQLite), `db backup`."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fakes.db import pg_schema_url
from fakes.http import wait_for
from fakes.telegram import FakeTelegram

from bot.config import ROOT
from bot.storage import db
from tools.cluster_load import Citizens, Cluster, settled


def run_bot(*args: str, db_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "TTHC_"))}
    env["TTHC_DATABASE__URL"] = db_url
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_several_workers_on_sqlite_are_refused_with_the_reason(tmp_path: Path) -> None:
    result = run_bot("serve", "--workers", "3", "--no-nlu", db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}")
    assert result.returncode == 2
    assert "needs PostgreSQL" in result.stderr and "--workers 1" in result.stderr


def test_db_backup_copies_a_consistent_sqlite_database(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite3"
    db.upgrade(f"sqlite+aiosqlite:///{source}")
    with sqlite3.connect(source) as conn:
        conn.executemany(
            "INSERT INTO conversations (channel, user_id) VALUES (?, ?)", [("telegram", str(i)) for i in range(50)]
        )
    target = tmp_path / "backups" / "copy.sqlite3"
    result = run_bot("db", "backup", str(target), db_url=f"sqlite+aiosqlite:///{source}")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 50
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not list(target.parent.glob("*.partial"))


def test_db_backup_points_postgresql_users_to_pg_dump(tmp_path: Path) -> None:
    result = run_bot("db", "backup", str(tmp_path / "x"), db_url="postgresql+psycopg://u@127.0.0.1:1/none")
    assert result.returncode == 2 and "pg_dump" in result.stderr
    assert not (tmp_path / "x").exists()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from pg_schema_url("cluster_serve_test")


@pytest.mark.postgres
async def test_serve_with_two_workers_answers_every_citizen_and_stops_cleanly(pg_url: str, tmp_path: Path) -> None:
    """`python -m bot serve --workers 2` on PostgreSQL, as deployed (degraded NLU to keep it light)."""
    fake = FakeTelegram().start()
    cluster = Cluster(2, pg_url, fake.url, fake.token, [], None, 30.0, tmp_path / "serve.log")
    chats = [6000 + i for i in range(12)]
    try:
        cluster.start()
        async with httpx.AsyncClient(timeout=30) as client:
            await wait_for(lambda: cluster.ready(client), 120, "the server to start")
            await wait_for(lambda: len(cluster.worker_pids()) == 2, 60, "two worker processes")
            citizens = Citizens(client, cluster)
            for chat in chats:
                await citizens.post(chat, "xin chào")
            await wait_for(lambda: all(fake.messages_to(c) for c in chats), 60, "a reply to everyone")
            await settled(pg_url, 30)
        assert all("Dạ, em chào Anh/Chị" in fake.messages_to(c)[0].text for c in chats)
        assert len({len(fake.messages_to(c)) for c in chats}) == 1  # the same answer to each, once
        assert cluster.proc is not None
        cluster.proc.send_signal(signal.SIGTERM)
        assert cluster.proc.wait(timeout=60) == 0
    finally:
        cluster.stop()
        fake.stop()
