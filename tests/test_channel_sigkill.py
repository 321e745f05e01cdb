"""The assistant killed with SIGKILL at random points during 50 surveys, restarted each time.

The real server runs as a subprocess (`python -m bot serve`, webhook mode, SQLite) behind
the fake Telegram Bot API; the test plays Telegram, resending every update until it is
acknowledged. Each survey depends on its state at every turn (code, phone digits, consent,
then answers typed as numbers that pick among the current question's choices). Afterwards:
every acknowledged update processed once, each chat's replies and answers exactly those of
an uninterrupted run (so each survey resumed at the same question), and no duplicate rows.
"""

from __future__ import annotations

import asyncio
import html
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.assistant import TELEGRAM_SECRET
from fakes.http import free_port, wait_for
from fakes.surveys import HASH_KEY, survey_records, survey_script
from fakes.telegram import FakeTelegram, callback_update, text_update
from telegram import Update

from bot.app import build_services
from bot.channels.telegram import render, to_event
from bot.config import ROOT, load_settings
from bot.core.messages import Incoming
from bot.features.dossiers.importer import import_records

USERS = 50
MAX_KILLS = 8
FAST = "1000"


def script(user: int) -> list[tuple[str, str]]:
    return [("text", "/start"), *survey_script(user)]


def update(user: int, turn: int) -> dict[str, Any]:
    chat, update_id = 10_000 + user, 1_000_000 + user * 100 + turn
    kind, value = script(user)[turn]
    if kind == "text":
        return text_update(update_id, chat, value)
    return callback_update(update_id, chat, message_id=500_000 + update_id, data=value)


async def reference(tmp_path: Path) -> tuple[dict[int, list[str]], dict[str, list[tuple[str, str]]], int]:
    """What an uninterrupted run sends each chat, each chat's survey answers, and the number of replies."""
    settings = load_settings(database={"url": f"sqlite+aiosqlite:///{tmp_path / 'reference.sqlite3'}"})
    services = build_services(settings, [], None)
    try:
        await import_records(services.dossiers, services.sessions, survey_records(USERS), "import", "test")
        sent: dict[int, list[str]] = {}
        replies = 0
        for user in range(USERS):
            for turn in range(len(script(user))):
                event = to_event(Update.de_json(update(user, turn), None))
                assert event is not None
                msg = Incoming("telegram", event.user_id, event.text, event.payload)
                out = await services.turns.run(msg)
                replies += len(out)
                sent.setdefault(10_000 + user, []).extend(
                    html.unescape(m.text) for r in out for m in render(r)
                )
        return sent, _answers(tmp_path / "reference.sqlite3"), replies
    finally:
        await services.aclose()


def _answers(db: Path) -> dict[str, list[tuple[str, str]]]:
    """Each chat's submitted answers, in question order."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT r.user_id, a.question_id, a.value FROM survey_answers a JOIN survey_responses r "
            "ON r.id = a.response_id WHERE r.submitted_at IS NOT NULL ORDER BY r.user_id, a.id"
        ).fetchall()
    answers: dict[str, list[tuple[str, str]]] = {}
    for user, question, value in rows:
        answers.setdefault(user, []).append((question, value))
    return answers


def _scalar(db: Path, sql: str) -> Any:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(sql).fetchone()[0]


def _collapse(items: list[str]) -> list[str]:
    """Consecutive repeats removed: delivery is at least once, so a kill may resend the last message."""
    return [x for i, x in enumerate(items) if i == 0 or items[i - 1] != x]


class Assistant:
    """`python -m bot serve` as a subprocess that can be killed and started again."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--no-nlu"], cwd=ROOT, env=self.env, stdout=out, stderr=out
            )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    async def ready(self, client: httpx.AsyncClient) -> bool:
        try:
            return (await client.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200
        except httpx.HTTPError:
            return False


async def test_sigkill_during_fifty_conversations(
    tmp_path: Path, fake_tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_HASH_KEY", HASH_KEY)
    expected, expected_answers, expected_replies = await reference(tmp_path)

    db = tmp_path / "killed.sqlite3"
    settings = load_settings(database={"url": f"sqlite+aiosqlite:///{db}"})
    services = build_services(settings, [], None)
    await import_records(services.dossiers, services.sessions, survey_records(USERS), "import", "test")
    await services.aclose()

    port = free_port()
    secrets = {"TELEGRAM_", "ZALO_", "DOSSIER_PUSH_SECRET", "TTHC_"}
    env = {k: v for k, v in os.environ.items() if not any(k.startswith(s) for s in secrets)}
    env.update({
        "DOSSIER_HASH_KEY": HASH_KEY, "TELEGRAM_BOT_TOKEN": fake_tg.token, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TTHC_DATABASE__URL": f"sqlite+aiosqlite:///{db}", "TTHC_CHANNELS__SERVER__PORT": str(port),
        "TTHC_CHANNELS__TELEGRAM__API_BASE_URL": fake_tg.url,
        "TTHC_CHANNELS__TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        "TTHC_CHANNELS__TELEGRAM__LIMITS__GLOBAL_PER_S": FAST, "TTHC_CHANNELS__TELEGRAM__LIMITS__PER_CHAT_PER_S": FAST,
        "TTHC_CHANNELS__TELEGRAM__LIMITS__PER_CHAT_BURST": FAST, "TTHC_CHANNELS__INBOX__POLL_S": "0.2",
        "TTHC_CHANNELS__SENDER__POLL_S": "0.2",
    })
    assistant = Assistant(env, port, tmp_path / "assistant.log")
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    rnd = random.Random(7)
    kills = 0
    acked = 0
    total = sum(len(script(u)) for u in range(USERS))
    # Kill at random points of progress, not of time: on a fast machine the conversations
    # would otherwise end before the assistant had been killed enough times.
    points = sorted(rnd.sample(range(total // 10, total * 9 // 10), MAX_KILLS))
    try:
        assistant.start()
        async with httpx.AsyncClient(timeout=10) as client:
            await wait_for(lambda: assistant.ready(client), 120, "the assistant to start")

            async def citizen(user: int) -> None:
                nonlocal acked
                for turn in range(len(script(user))):
                    while True:  # as Telegram does: resend until acknowledged
                        try:
                            response = await client.post(url, json=update(user, turn), headers=headers)
                            if response.status_code == 200:
                                acked += 1
                                break
                        except httpx.HTTPError:
                            pass
                        await asyncio.sleep(0.05)
                    await asyncio.sleep(rnd.uniform(0, 0.3))

            async def killer(conversations: asyncio.Future[Any]) -> None:
                nonlocal kills
                for point in points:
                    while acked < point and not conversations.done():
                        await asyncio.sleep(0.01)
                    if conversations.done():
                        break
                    assistant.kill()
                    kills += 1
                    assistant.start()
                    await wait_for(lambda: assistant.ready(client), 120, "the assistant to restart")

            conversations = asyncio.ensure_future(asyncio.gather(*(citizen(u) for u in range(USERS))))
            await asyncio.gather(conversations, killer(conversations))

            def settled() -> bool:
                return _scalar(db, "SELECT count(*) FROM inbox_events WHERE status != 'done'") == 0 and _scalar(
                    db, "SELECT count(*) FROM outbox WHERE status = 'pending'") == 0
            await wait_for(settled, 180, "every event processed and every reply sent")
    finally:
        assistant.stop()

    assert kills >= 5, "the conversations ended before the assistant was killed enough times"
    updates = sum(len(script(u)) for u in range(USERS))
    assert _scalar(db, "SELECT count(*) FROM inbox_events") == updates  # each acknowledged update, once
    assert _scalar(db, "SELECT count(*) FROM inbox_events WHERE status = 'done'") == updates
    assert _scalar(db, "SELECT count(*) FROM outbox") == expected_replies  # no reply queued twice
    assert _scalar(db, "SELECT count(*) FROM outbox WHERE status = 'sent'") == expected_replies
    assert _scalar(db, "SELECT count(*) FROM conversations") == USERS
    assert _scalar(db, "SELECT count(*) FROM survey_responses") == USERS
    assert _scalar(db, "SELECT count(*) FROM survey_responses WHERE submitted_at IS NOT NULL") == USERS
    assert _scalar(db, "SELECT count(*) FROM survey_consents") == USERS
    answers = _answers(db)
    assert len(expected_answers) == USERS and all(len(a) >= 7 for a in expected_answers.values())
    assert answers == expected_answers  # every answer applied once, to the question it was typed for
    for chat, texts in expected.items():
        got = [html.unescape(s.text) for s in fake_tg.messages_to(chat)]
        assert _collapse(got) == _collapse(texts), f"chat {chat}"
