"""/healthz for a load balancer: 200 ok, 200 degraded without the NLU (per replica), 503 without the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fakes.assistant import channel_settings, serving, sqlite_url
from fakes.http import free_port
from fakes.telegram import FakeTelegram

from bot.app import build_services
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

DEAD_NLU = "http://127.0.0.1:9"  # nothing listens on the discard port


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


async def _get(
    db_url: str, nlu: list[str], token: str | None, fake_tg: FakeTelegram, knowledge: dict[str, Procedure],
    resolver: Resolver, *, migrate: bool = True,
) -> dict[str, httpx.Response]:
    """GET /healthz and /livez from our real server on these settings."""
    settings = channel_settings(db_url, free_port(), telegram=fake_tg)
    services = build_services(settings, nlu, token, procedures=knowledge, resolver=resolver, migrate=migrate)
    try:
        async with serving(services) as served, httpx.AsyncClient(timeout=30) as client:
            return {path: await client.get(f"{served.url}{path}") for path in ("/healthz", "/livez")}
    finally:
        await services.aclose()


async def test_nlu_down_is_degraded_but_ready(
    tmp_path: Path, fake_tg: FakeTelegram, knowledge: dict[str, Procedure], resolver: Resolver
) -> None:
    got = await _get(sqlite_url(tmp_path), [DEAD_NLU], None, fake_tg, knowledge, resolver)
    health = got["/healthz"]
    assert health.status_code == 200  # the assistant still answers, from keywords: keep it in rotation
    body = health.json()
    assert body["status"] == "degraded" and body["database"] == {"status": "ok"}
    assert body["nlu"] == {"status": "down", "replicas": [{"url": DEAD_NLU, "up": False}]}
    assert body["channels"] == ["telegram", "web"]
    assert got["/livez"].status_code == 200


async def test_database_down_is_503_and_still_alive(
    fake_tg: FakeTelegram, knowledge: dict[str, Procedure], resolver: Resolver
) -> None:
    got = await _get("postgresql+psycopg://postgres@127.0.0.1:1/none", [DEAD_NLU], None, fake_tg, knowledge,
                     resolver, migrate=False)
    health = got["/healthz"]
    assert health.status_code == 503
    assert health.json()["status"] == "unavailable" and health.json()["database"]["status"] == "down"
    assert got["/livez"].status_code == 200  # restarting the process would not bring the database back


@pytest.mark.nlu
async def test_each_nlu_replica_is_reported(
    tmp_path: Path, fake_tg: FakeTelegram, nlu_server: tuple[str, str | None], knowledge: dict[str, Procedure],
    resolver: Resolver,
) -> None:
    url, token = nlu_server
    got = await _get(sqlite_url(tmp_path), [url, DEAD_NLU], token, fake_tg, knowledge, resolver)
    body = got["/healthz"].json()
    assert got["/healthz"].status_code == 200 and body["status"] == "degraded"
    assert body["nlu"] == {"status": "partial", "replicas": [{"url": url, "up": True}, {"url": DEAD_NLU, "up": False}]}
    assert "token" not in got["/healthz"].text.lower()

    got = await _get(sqlite_url(tmp_path), [url], token, fake_tg, knowledge, resolver)
    assert got["/healthz"].status_code == 200 and got["/healthz"].json()["status"] == "ok"
