"""The web server: it refuses to start without its secrets, reports health, answers 5xx with the database down."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fakes.assistant import TELEGRAM_SECRET, channel_settings, serving, sqlite_url
from fakes.http import free_port
from fakes.telegram import FakeTelegram, text_update

from bot.app import build_services
from bot.config import ROOT, load_settings
from bot.runtime import check_settings
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

SECRET_ENV = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "ZALO_BOT_TOKEN", "ZALO_BOT_WEBHOOK_SECRET",
              "ZALO_OA_APP_ID", "ZALO_OA_APP_SECRET", "ZALO_OA_SECRET_KEY", "DOSSIER_PUSH_SECRET")


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"TELEGRAM_BOT_TOKEN": "1:x"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"ZALO_BOT_TOKEN": "1:x"}, "ZALO_BOT_WEBHOOK_SECRET"),
        ({"ZALO_BOT_TOKEN": "1:x", "ZALO_BOT_WEBHOOK_SECRET": "short"}, "ZALO_BOT_WEBHOOK_SECRET"),
        ({"ZALO_OA_APP_ID": "1", "ZALO_OA_APP_SECRET": "s"}, "ZALO_OA_SECRET_KEY"),
    ],
)
def test_webhook_mode_refuses_to_start_without_its_secrets(env: dict[str, str], missing: str) -> None:
    settings = load_settings(**env)
    problems = check_settings(settings, "webhook")
    assert any(missing in p for p in problems)
    assert check_settings(settings, "polling") == []


def test_serve_exits_with_a_clear_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env.update(TELEGRAM_BOT_TOKEN="1:x", TTHC_DATABASE__URL=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--no-nlu"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr


async def test_health_and_database_down(
    tmp_path: Path, fake_tg: FakeTelegram, knowledge: dict[str, Procedure], resolver: Resolver
) -> None:
    settings = channel_settings(sqlite_url(tmp_path), free_port(), telegram=fake_tg)
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    try:
        async with serving(services) as served, httpx.AsyncClient(timeout=30) as client:
            health = await client.get(f"{served.url}/healthz")
            assert health.status_code == 200 and health.json()["channels"] == ["telegram", "web"]
    finally:
        await services.aclose()

    # The same server with its database unreachable: the platform must be told to retry.
    down = channel_settings("postgresql+psycopg://postgres@127.0.0.1:1/none", free_port(), telegram=fake_tg)
    services = build_services(down, [], None, procedures=knowledge, resolver=resolver, migrate=False)
    try:
        async with serving(services) as served, httpx.AsyncClient(timeout=30) as client:
            assert (await client.get(f"{served.url}/healthz")).status_code == 503
            response = await client.post(
                f"{served.url}/telegram/webhook", json=text_update(1, 42, "xin chào"),
                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            )
            assert response.status_code == 503
    finally:
        await services.aclose()
