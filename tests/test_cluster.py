"""Several worker processes on one PostgreSQL database: a crash mid-event, start-up, order and exactly once.

Each "process" here has its own engine (its own connections, as separate processes
would); the crash test runs a real separate process that SIGKILLs itself in the middle
of a turn. The real Rasa server answers the NLU.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import pytest
from fakes.db import pg_schema_url
from fakes.http import wait_for
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services, build_services
from bot.config import load_settings
from bot.core.messages import Incoming, Reply
from bot.pipeline.inbox import InboundEvent, Inbox
from bot.pipeline.models import InboxEvent
from bot.pipeline.turns import Finish, TurnRunner
from bot.pipeline.workers import InboxWorkers
from bot.runtime import build_runtime
from bot.storage.models import Conversation, Outbox

pytestmark = pytest.mark.postgres
CRASH_TEXT = "làm giấy khai sinh cho con cần gì"
JOURNEY = ["xin chào", CRASH_TEXT, "lệ phí bao nhiêu"]


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from pg_schema_url("cluster_test")


def _services(url: str, nlu: tuple[str, str | None], *, migrate: bool = True) -> Services:
    return build_services(load_settings(database={"url": url}), [nlu[0]], nlu[1], migrate=migrate)


@pytest.fixture
async def two(pg_url: str, nlu_server: tuple[str, str | None]) -> AsyncIterator[tuple[Services, Services]]:
    """Two processes' services (separate engines) on one database."""
    a, b = _services(pg_url, nlu_server), _services(pg_url, nlu_server, migrate=False)
    yield a, b
    await a.aclose()
    await b.aclose()


class Recording:
    """The real turns, noting which process handled which message, and two of one user at once."""

    def __init__(self, inner: TurnRunner, name: str, log: list[tuple[str, str, str]], busy: set[str]) -> None:
        self.inner, self.name, self.log, self.busy = inner, name, log, busy

    async def run(self, msg: Incoming, finish: Finish | None = None) -> list[Reply]:
        if msg.user_id in self.busy:  # noted, not raised: the worker would take an exception for a retry
            self.log.append((self.name, msg.user_id, "TWO AT ONCE"))
        self.busy.add(msg.user_id)
        try:
            replies = await self.inner.run(msg, finish)
            await asyncio.sleep(0)  # let the other process run in between
        finally:
            self.busy.discard(msg.user_id)
        self.log.append((self.name, msg.user_id, msg.text))
        return replies


async def _events(services: Services) -> dict[str, tuple[str, str, int]]:
    """event key -> (status, claim token, attempts)."""
    async with services.sessions() as session:
        rows = await session.execute(select(InboxEvent.event_key, InboxEvent.status, InboxEvent.claim_token,
                                            InboxEvent.attempts))
        return {r.event_key: (r.status, r.claim_token or "", r.attempts) for r in rows}


async def _replies(services: Services, user: str) -> list[tuple[str, str]]:
    """(event key, text) of the replies queued for ``user``, in the order they were queued."""
    async with services.sessions() as session:
        rows = await session.execute(select(Outbox.dedupe_key, Outbox.text).where(Outbox.user_id == user)
                                     .order_by(Outbox.id))
        return [(str(k).split(":")[2], t) for k, t in rows]


async def _accept(inbox: Inbox, user: str, texts: list[str]) -> list[str]:
    keys = [f"{user}-{i}" for i in range(len(texts))]
    for key, text in zip(keys, texts, strict=True):
        assert await inbox.accept(InboundEvent("telegram", key, user, text=text))
    return keys


async def test_two_runtimes_process_each_users_events_in_order_and_once(two: tuple[Services, Services]) -> None:
    log: list[tuple[str, str, str]] = []
    busy: set[str] = set()
    scripts = {f"{500 + u}": [JOURNEY[0], *(["đổi cccd cần gì", "mất bao lâu"] if u % 2 else JOURNEY[1:]), "cảm ơn"]
               for u in range(10)}
    runtimes = []
    for name, services in zip("ab", two, strict=True):
        services.turns = cast(TurnRunner, Recording(services.turns, name, log, busy))
        runtimes.append(build_runtime(services, "webhook"))
    for user, texts in scripts.items():  # a burst: everything stored before anyone processes
        await _accept(runtimes[int(user) % 2].inbox, user, texts)
    for runtime in runtimes:
        await runtime.start()
    try:
        async def done() -> bool:
            return all(s == "done" for s, _, _ in (await _events(two[0])).values())
        await wait_for(done, 120, "every event processed")
    finally:
        for runtime in runtimes:
            await runtime.stop()
    assert {name for name, _, _ in log} == {"a", "b"}, "both processes took part"
    for user, texts in scripts.items():
        assert [t for _, u, t in log if u == user] == texts  # each message once, in the order sent
        replied = [key for key, _ in await _replies(two[0], user)]
        assert replied == sorted(replied, key=lambda k: int(k.rsplit("-", 1)[1]))  # replies queued in order
        assert {k for k in replied} == {f"{user}-{i}" for i in range(len(texts))}


async def test_a_starting_process_leaves_events_another_live_process_holds(two: tuple[Services, Services]) -> None:
    live, starting = two
    inbox = Inbox(live.sessions, lease_s=600)
    await _accept(inbox, "700", ["xin chào", "lệ phí khai sinh"])
    [held] = await inbox.claim(10)  # the live process is in the middle of this turn
    runtime = build_runtime(starting, "webhook")
    await runtime.start()
    try:
        await _accept(runtime.inbox, "701", ["xin chào"])
        runtime.workers.wake()

        async def other_done() -> bool:
            return (await _events(starting))["701-0"][0] == "done"
        await wait_for(other_done, 60, "the new process to serve another user")
        events = await _events(starting)
        assert events["700-0"] == ("processing", held.claim_token, 1)  # not taken from the live process
        assert events["700-1"][0] == "pending"  # and the user's next message waits for it
        async with live.sessions() as session, session.begin():
            assert await inbox.mark_done(session, held)  # the live process still owns its turn
    finally:
        await runtime.stop()


async def test_a_process_killed_mid_event_is_recovered_by_another_once_and_in_order(
    pg_url: str, nlu_server: tuple[str, str | None]
) -> None:
    services = _services(pg_url, nlu_server)
    try:
        inbox = Inbox(services.sessions)
        scripts = {"800": JOURNEY, **{f"{801 + u}": ["xin chào", "đổi cccd cần gì", "cảm ơn"] for u in range(4)}}
        for user, texts in scripts.items():
            await _accept(inbox, user, texts)
        child = subprocess.run(
            [sys.executable, __file__, pg_url, nlu_server[0], nlu_server[1] or ""], timeout=300, check=False,
        )
        assert child.returncode == -signal.SIGKILL, "the worker process should have died mid-turn"
        before = await _events(services)
        assert before["800-0"][0] == "done" and before["800-1"][0] == "processing"  # killed inside this turn
        assert [k for k, _ in await _replies(services, "800")] == ["800-0"]  # its turn's writes rolled back
        finished_by_dead = {k for k, (s, _, _) in before.items() if s == "done"}

        log: list[tuple[str, str, str]] = []
        survivor = InboxWorkers(Inbox(services.sessions), cast(TurnRunner, Recording(
            services.turns, "survivor", log, set())), poll_s=0.2)
        survivor.start()
        try:
            async def done() -> bool:
                return all(s == "done" for s, _, _ in (await _events(services)).values())
            await wait_for(done, 120, "the dead process's events taken over after its lease")
        finally:
            await survivor.stop()
        redone = {f"{u}-{scripts[u].index(t)}" for _, u, t in log}
        assert not redone & finished_by_dead  # nothing the dead process committed was processed again
        assert redone | finished_by_dead == set(before)  # and everything else was, once
        assert [t for _, u, t in log if u == "800"] == JOURNEY[1:]
        replies = await _replies(services, "800")
        assert [k for k, _ in replies] == ["800-0", "800-1", "800-2"]  # one reply each, in order
        assert "khai sinh" in replies[-1][1].lower()  # the fee question understood in the recovered context
        async with services.sessions() as session:
            conv = (await session.execute(select(Conversation).where(Conversation.user_id == "800"))).scalar_one()
            assert conv.last_procedure is not None
    finally:
        await services.aclose()


async def _crashing_worker(url: str, nlu_url: str, token: str) -> None:
    """A worker process that dies (SIGKILL) after the dialogue ran CRASH_TEXT, before its commit."""
    services = _services(url, (nlu_url, token or None), migrate=False)

    class Crashing:
        async def run(self, msg: Incoming, finish: Finish) -> list[Reply]:
            async def crash_first(session: AsyncSession, replies: list[Reply]) -> bool:
                if msg.text == CRASH_TEXT:
                    os.kill(os.getpid(), signal.SIGKILL)
                return await finish(session, replies)

            return await services.turns.run(msg, crash_first)

    workers = InboxWorkers(Inbox(services.sessions, lease_s=2), cast(Any, Crashing()), poll_s=0.1)
    workers.start()
    await asyncio.sleep(240)  # killed long before


if __name__ == "__main__":
    asyncio.run(_crashing_worker(*sys.argv[1:4]))
