"""A cluster to load: `python -m bot serve --workers N` on a fresh PostgreSQL database, and citizens posting.

Shared by tools.bench_cluster and tools.soak. The server runs against the fake Telegram Bot
API (tests/fakes); the citizens post updates to its webhook and resend each one until
it is acknowledged, as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.config import ROOT
from tools.bench_core import CONVERSATIONS, rss_mb

SECRET = "bench-cluster-webhook-secret"
ADMIN_URL = os.environ.get("TTHC_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new PostgreSQL database for one run (SQLAlchemy URL), dropped afterwards."""
    import psycopg

    name = f"tthc_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = ADMIN_URL.rpartition("/")
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass
class Cluster:
    """`python -m bot serve --workers N` as a subprocess, against the fake Bot API."""

    workers: int
    db_url: str
    fake_url: str
    fake_token: str
    nlu_urls: list[str]
    nlu_token: str | None
    lease_s: float
    log: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        from tests.fakes.http import free_port

        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "TTHC_", "PG"))}
        fast = "10000"  # the platform's limits lifted: the number is the assistant's own capacity
        env.update({
            "TELEGRAM_BOT_TOKEN": self.fake_token, "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TTHC_DATABASE__URL": self.db_url, "TTHC_CHANNELS__SERVER__PORT": str(self.port),
            "TTHC_CHANNELS__TELEGRAM__API_BASE_URL": self.fake_url,
            "TTHC_CHANNELS__TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{self.port}/telegram/webhook",
            "TTHC_CHANNELS__TELEGRAM__LIMITS__GLOBAL_PER_S": fast,
            "TTHC_CHANNELS__TELEGRAM__LIMITS__PER_CHAT_PER_S": fast,
            "TTHC_CHANNELS__TELEGRAM__LIMITS__PER_CHAT_BURST": fast,
            "TTHC_CHANNELS__INBOX__LEASE_S": str(self.lease_s),
            "TTHC_CHANNELS__INBOX__POLL_S": "0.2", "TTHC_CHANNELS__SENDER__POLL_S": "0.2",
            "TTHC_NLU__URLS": json.dumps(self.nlu_urls),
        })
        if self.nlu_token:
            env["NLU_TOKEN"] = self.nlu_token
        args = [sys.executable, "-m", "bot", "serve", "--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(args + ([] if self.nlu_urls else ["--no-nlu"]), cwd=ROOT, env=env,
                                         stdout=out, stderr=out)

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/webhook"

    async def ready(self, client: httpx.AsyncClient) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return (await client.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200
        return False

    def worker_pids(self) -> list[int]:
        """The processes running a runtime: uvicorn's workers, or the server itself with one."""
        assert self.proc is not None
        if self.workers == 1:
            return [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [int(p) for p in children if "spawn_main" in _cmdline(int(p))]

    def leader_pid(self) -> int | None:
        """The worker holding the sender's advisory lock (workers name their sessions tthc-worker-PID)."""
        import psycopg

        with psycopg.connect(_psycopg_url(self.db_url)) as conn:
            row = conn.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()"
            ).fetchone()
        if row and str(row[0]).startswith("tthc-worker-"):
            return int(str(row[0]).rsplit("-", 1)[1])
        return None

    def rss_mb(self) -> float:
        return round(sum(rss_mb(p) for p in self.worker_pids()), 1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    return ""


@dataclass
class Citizens:
    """Simulated citizens posting updates to the webhook; what was acknowledged, and when."""

    client: httpx.AsyncClient
    cluster: Cluster
    first_sent: dict[int, float] = field(default_factory=dict)  # update id -> perf_counter
    chat_of: dict[int, int] = field(default_factory=dict)
    acked: set[int] = field(default_factory=set)
    resends: int = 0
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post(self, chat: int, text: str) -> None:
        """One update, resent until acknowledged (a worker may die with the request in flight)."""
        from tests.fakes.telegram import text_update

        update_id = next(self.ids)
        self.chat_of[update_id] = chat
        self.first_sent[update_id] = time.perf_counter()
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        while True:
            with contextlib.suppress(httpx.HTTPError):
                response = await self.client.post(
                    self.cluster.webhook, json=text_update(update_id, chat, text), headers=headers
                )
                if response.status_code == 200:
                    self.acked.add(update_id)
                    return
            self.resends += 1
            await asyncio.sleep(0.1)

    async def citizen(self, chat: int, texts: list[str], start_at: float) -> None:
        await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
        for text in texts:
            await self.post(chat, text)
            await asyncio.sleep(0.05)


async def settled(db_url: str, timeout_s: float) -> None:
    """Waits until every stored event is processed and every reply sent."""
    import psycopg

    deadline = time.monotonic() + timeout_s
    with psycopg.connect(_psycopg_url(db_url), autocommit=True) as conn:
        while time.monotonic() < deadline:
            busy = conn.execute(
                "SELECT (SELECT count(*) FROM inbox_events WHERE status IN ('pending', 'processing'))"
                " + (SELECT count(*) FROM outbox WHERE status = 'pending')"
            ).fetchone()
            if busy and busy[0] == 0:
                return
            await asyncio.sleep(0.2)
    raise TimeoutError("the cluster did not finish its backlog")


def outbox_rows(db_url: str) -> list[tuple[int, str, str, Any, str]]:
    import psycopg

    with psycopg.connect(_psycopg_url(db_url)) as conn:
        return list(conn.execute(
            "SELECT id, user_id, text, buttons, dedupe_key FROM outbox "
            "WHERE dedupe_key LIKE 'reply:telegram:u:%' ORDER BY id"
        ).fetchall())


def script_of(user: int, n: int) -> list[str]:
    conversation = CONVERSATIONS[user % len(CONVERSATIONS)]
    return [conversation[i % len(conversation)] for i in range(n)]
