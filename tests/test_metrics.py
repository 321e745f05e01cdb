"""Prometheus metrics: what an operator's scrape of /metrics shows after real traffic through the webhook."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fakes.assistant import TELEGRAM_SECRET, channel_settings, serving, sqlite_url
from fakes.http import free_port, wait_for
from fakes.telegram import FakeTelegram, text_update
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_services
from bot.config import ROOT
from bot.ops import metrics
from bot.pipeline.backlog import read_backlog
from bot.pipeline.inbox import InboundEvent, Inbox
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient, url: str) -> Samples:
    response = await client.get(f"{url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


async def test_metrics_count_real_turns_through_the_webhook(
    tmp_path: Path, fake_tg: FakeTelegram, knowledge: dict[str, Procedure], resolver: Resolver
) -> None:
    settings = channel_settings(sqlite_url(tmp_path), free_port(), telegram=fake_tg)
    # No NLU server: every message is understood by the keyword fallback, which must be counted.
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    fake_tg.blocked_chats.add("43")
    try:
        async with serving(services) as served, httpx.AsyncClient(timeout=30) as client:
            before = await scrape(client, served.url)
            headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
            messages = [(1, 42, "xin chào"), (2, 42, "lệ phí đăng ký kết hôn"), (3, 43, "xin chào")]
            for update_id, chat_id, text in messages:
                update = text_update(update_id, chat_id, text)
                response = await client.post(f"{served.url}/telegram/webhook", json=update, headers=headers)
                assert response.status_code == 200
            await served.settled()
            await wait_for(lambda: len(fake_tg.messages_to(42)) >= 2, 30, "the replies to chat 42")
            after = await scrape(client, served.url)
    finally:
        await services.aclose()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("tthc_messages_in_total", channel="telegram") == 3
    assert delta("tthc_turn_seconds_count", channel="telegram") == 3
    assert delta("tthc_messages_out_total", channel="telegram") >= 2  # chat 42's replies (split replies count more)
    assert delta("tthc_sender_failures_total", channel="telegram", reason="undeliverable") == 1  # chat 43 blocked us
    assert delta("tthc_nlu_fallbacks_total", reason="nlu_unavailable") == 3
    # The backlog is read from the database at scrape time: all processed, all sent.
    assert ("tthc_inbox_backlog", frozenset({("channel", "telegram"), ("status", "pending")})) in after
    assert value(after, "tthc_inbox_backlog", channel="telegram", status="pending") == 0
    assert value(after, "tthc_outbox_backlog", channel="telegram") == 0


async def test_backlog_is_what_the_database_holds_at_scrape_time(
    tmp_path: Path, knowledge: dict[str, Procedure], resolver: Resolver
) -> None:
    settings = channel_settings(sqlite_url(tmp_path), free_port())
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    try:
        inbox = Inbox(services.sessions)
        for i, user in enumerate(["1", "1", "2"]):
            assert await inbox.accept(InboundEvent("telegram", f"u{i}", user, text="xin chào"))
        await inbox.claim(1)  # one user's first event is being worked on
        body, _ = await metrics.exposition(lambda: read_backlog(services.sessions), ["telegram", "zalo"])
    finally:
        await services.aclose()
    samples = parse(body.decode())
    assert value(samples, "tthc_inbox_backlog", channel="telegram", status="pending") == 2
    assert value(samples, "tthc_inbox_backlog", channel="telegram", status="processing") == 1
    # An idle channel is reported at 0, not left out.
    assert ("tthc_inbox_backlog", frozenset({("channel", "zalo"), ("status", "pending")})) in samples


async def test_metrics_still_answer_with_the_database_down(knowledge: dict[str, Procedure], resolver: Resolver) -> None:
    settings = channel_settings("postgresql+psycopg://postgres@127.0.0.1:1/none", free_port())
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver, migrate=False)
    metrics.turn_committed("telegram")  # counted before the database went away
    try:
        body, _ = await metrics.exposition(lambda: read_backlog(services.sessions), ["telegram"])
    finally:
        await services.aclose()
    names = {name for name, _ in parse(body.decode())}
    assert "tthc_messages_in_total" in names
    assert "tthc_inbox_backlog" not in names  # unknown, rather than a wrong 0


def test_multiprocess_mode_sums_every_worker(tmp_path: Path) -> None:
    """Two worker processes count; a third one's exposition answers for both (PROMETHEUS_MULTIPROC_DIR)."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    work = "from bot.ops import metrics; metrics.turn_committed('telegram'); metrics.sender_outcome('zalo', 'sent')"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", work], cwd=ROOT, env=env, check=True, timeout=120)
    show = "from prometheus_client import generate_latest; from bot.ops.metrics import process_registry; " \
           "print(generate_latest(process_registry()).decode())"
    out = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, check=True, timeout=120,
                         capture_output=True, text=True).stdout
    samples = parse(out)
    assert value(samples, "tthc_messages_in_total", channel="telegram") == 2
    assert value(samples, "tthc_messages_out_total", channel="zalo") == 2
