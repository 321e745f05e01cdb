"""Two worker processes on one PostgreSQL database share Telegram's overall rate limit: one sends at a time.

Each process has its own engine and its own fake Bot API, so what each fake received
shows which process sent it. Without a single sender per cluster each process would
send at the full rate and together exceed it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import pytest
from fakes.assistant import Served, channel_settings, serving
from fakes.db import pg_schema_url
from fakes.http import free_port, wait_for
from fakes.telegram import FakeTelegram

from bot.app import build_services
from bot.storage.models import Outbox

pytestmark = pytest.mark.postgres
RATE = 5  # messages/s overall; the limiter allows a burst of RATE, then one every 1/RATE s
LIMITS = {"limits": {"global_per_s": RATE, "per_chat_per_s": 100, "per_chat_burst": 100}}


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from pg_schema_url("cluster_sender_test")


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTelegram, FakeTelegram]]:
    a, b = FakeTelegram().start(), FakeTelegram().start()
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
async def processes(
    pg_url: str, fakes: tuple[FakeTelegram, FakeTelegram]
) -> AsyncIterator[tuple[AsyncExitStack, list[Served]]]:
    async with AsyncExitStack() as stack:
        served = []
        for i, fake in enumerate(fakes):
            settings = channel_settings(pg_url, free_port(), telegram=fake, channels={"telegram": LIMITS})
            services = build_services(settings, [], None, migrate=i == 0)
            stack.push_async_callback(services.aclose)
            served.append(await stack.enter_async_context(serving(services)))
        yield stack, served


async def queue(served: list[Served], prefix: str, n: int) -> None:
    async with served[0].services.sessions() as session, session.begin():
        for i in range(n):
            session.add(Outbox(channel="telegram", user_id=str(9000 + i), text=f"{prefix} {i}",
                               dedupe_key=f"test:{prefix}:{i}", status="pending", attempts=0))
    for s in served:
        s.runtime.sender.nudge()


def sent(fake: FakeTelegram, prefix: str) -> list[float]:
    return [s.at for s in fake.sent if s.text.startswith(prefix + " ")]


async def test_the_overall_rate_limit_holds_across_two_processes(
    processes: tuple[AsyncExitStack, list[Served]], fakes: tuple[FakeTelegram, FakeTelegram]
) -> None:
    _, served = processes
    n = 3 * RATE
    await queue(served, "first", n)
    await wait_for(lambda: len(sent(fakes[0], "first")) + len(sent(fakes[1], "first")) >= n, 60, "all sent")
    await served[0].settled(30)
    counts = sorted(len(sent(f, "first")) for f in fakes)
    assert counts == [0, n], "one process sends for the whole cluster"
    times = sorted(sent(fakes[0], "first") or sent(fakes[1], "first"))
    # Never faster than the limit: k messages after the first take at least (k - burst) / RATE seconds.
    for i in range(n):
        for j in range(i + 1, n):
            assert times[j] - times[i] >= (j - i - RATE) / RATE - 0.02, (i, j)
    assert sorted(s.text for f in fakes for s in f.sent) == sorted(f"first {i}" for i in range(n))  # each once


async def test_when_the_sending_process_stops_the_other_takes_over(
    processes: tuple[AsyncExitStack, list[Served]], fakes: tuple[FakeTelegram, FakeTelegram]
) -> None:
    _, served = processes
    await queue(served, "before", 3)
    await served[0].settled(30)
    leader = 0 if sent(fakes[0], "before") else 1
    await served[leader].runtime.sender.stop()  # as if that process went away: its lock is released
    await queue(served, "after", 3)
    other = fakes[1 - leader]
    await wait_for(lambda: len(sent(other, "after")) == 3, 30, "the other process to send")
    assert sent(fakes[leader], "after") == []
