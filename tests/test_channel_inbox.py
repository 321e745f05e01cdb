"""The inbox on SQLite and PostgreSQL: unique keys, per-user order, several claimers, retries, atomic turns."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.db import BOTH, database_url, pg_schema_url
from fakes.http import wait_for
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services, build_services
from bot.config import load_settings
from bot.core.messages import Incoming, Reply
from bot.pipeline.inbox import InboundEvent, Inbox
from bot.pipeline.models import InboxEvent
from bot.pipeline.turns import TurnRunner
from bot.pipeline.workers import InboxWorkers
from bot.storage import db
from bot.storage.models import Conversation, Outbox
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure


@pytest.fixture(params=BOTH)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request.param, tmp_path / "inbox.sqlite3", "channels_test")


@pytest.fixture
async def svc(db_url: str, knowledge: dict[str, Procedure], resolver: Resolver) -> AsyncIterator[Services]:
    s = build_services(load_settings(database={"url": db_url}), [], None, procedures=knowledge, resolver=resolver)
    yield s
    await s.aclose()


def ev(key: str, user: str = "u1", text: str = "xin chào", **kw: object) -> InboundEvent:
    return InboundEvent("test", key, user, text=text, **kw)  # type: ignore[arg-type]


async def rows(svc: Services, *where: Any) -> int:
    async with svc.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(InboxEvent).where(*where))).scalar_one())


async def test_same_key_stored_once_sequentially_and_concurrently(svc: Services) -> None:
    inbox = Inbox(svc.sessions)
    assert [await inbox.accept(ev("k1")) for _ in range(10)] == [True] + [False] * 9
    results = await asyncio.gather(*(inbox.accept(ev("k2")) for _ in range(10)))
    assert sorted(results) == [False] * 9 + [True]
    # A second identity (a resent button tap) is recognised under a new primary key too.
    assert await inbox.accept(ev("k3", payload="m:x", alt_key="cb:1:2:m:x"))
    assert not await inbox.accept(ev("k4", payload="m:x", alt_key="cb:1:2:m:x"))
    assert await rows(svc) == 3


async def test_claims_one_event_per_user_in_arrival_order(svc: Services) -> None:
    inbox = Inbox(svc.sessions)
    for i in range(3):
        for user in ("a", "b"):
            await inbox.accept(ev(f"{user}{i}", user))
    order: dict[str, list[str]] = {"a": [], "b": []}
    while claimed := await inbox.claim(10):
        assert len({c.user_id for c in claimed}) == len(claimed)  # never two of one user at once
        assert await inbox.claim(10) == []  # the next ones wait for these
        for c in claimed:
            order[c.user_id].append(c.event_key)
            async with svc.sessions() as session, session.begin():
                assert await inbox.mark_done(session, c)
    assert order == {"a": ["a0", "a1", "a2"], "b": ["b0", "b1", "b2"]}


async def test_a_lapsed_claim_is_taken_over_and_the_old_worker_cannot_finish(svc: Services) -> None:
    inbox = Inbox(svc.sessions, lease_s=-1)  # every claim already lapsed
    await inbox.accept(ev("k1"))
    [first] = await inbox.claim(1)
    [second] = await inbox.claim(1)
    assert first.id == second.id and second.attempts == 2
    async with svc.sessions() as session, session.begin():
        assert not await inbox.mark_done(session, first)
        assert await inbox.mark_done(session, second)


@pytest.mark.postgres
async def test_several_processes_share_the_inbox() -> None:
    """Four claimers on their own engines (as separate processes would be): each event once, users in order."""
    for url in pg_schema_url():
        await _share(url)


async def _share(url: str) -> None:
    db.upgrade(url)
    engines = [db.create_engine(url) for _ in range(4)]
    inboxes = [Inbox(db.session_factory(e)) for e in engines]
    for i in range(30):
        for user in range(5):
            await inboxes[0].accept(ev(f"{user}-{i:02d}", f"user{user}"))
    active: set[str] = set()
    done: dict[str, list[str]] = {}

    async def claimer(inbox: Inbox) -> None:
        idle = 0
        while idle < 20:
            claimed = await inbox.claim(3)
            idle = 0 if claimed else idle + 1
            for c in claimed:
                assert c.user_id not in active, "two events of one user in flight"
                active.add(c.user_id)
            for c in claimed:
                await asyncio.sleep(0)
                async with inbox.sessions() as session, session.begin():
                    assert await inbox.mark_done(session, c)
                active.discard(c.user_id)
                done.setdefault(c.user_id, []).append(c.event_key)
            await asyncio.sleep(0.005)

    await asyncio.gather(*(claimer(i) for i in inboxes))
    for e in engines:
        await e.dispose()
    assert {u: len(keys) for u, keys in done.items()} == {f"user{u}": 30 for u in range(5)}
    assert all(keys == sorted(keys) for keys in done.values())


class Flaky:
    """A dialogue that fails the first ``failures`` times it sees a message."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.seen: list[str] = []

    async def hear(self, msg: Incoming) -> Incoming:
        return msg

    async def handle(self, session: AsyncSession, conv: Conversation, msg: Incoming) -> list[Reply]:
        self.seen.append(msg.text)
        if len(self.seen) <= self.failures:
            raise RuntimeError("boom")
        return [Reply(f"ok: {msg.text}")]


async def test_a_failure_is_retried_not_dropped(svc: Services) -> None:
    inbox = Inbox(svc.sessions, max_attempts=5)
    flaky = Flaky(failures=2)
    workers = InboxWorkers(inbox, TurnRunner(svc.sessions, flaky), poll_s=0.05)
    await inbox.accept(ev("k1", text="một"))
    # Retries wait 2 s, 4 s ...; pull them forward instead of waiting.
    async with svc.sessions() as session, session.begin():
        await session.execute(update(InboxEvent).values(available_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    workers.start()

    async def hurry() -> bool:
        async with svc.sessions() as session, session.begin():
            await session.execute(
                update(InboxEvent).where(InboxEvent.status == "pending")
                .values(available_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
            )
        workers.wake()
        return await rows(svc, InboxEvent.status == "done") == 1

    await wait_for(hurry, what="the event to succeed on its third attempt")
    await workers.stop()
    assert flaky.seen == ["một"] * 3
    async with svc.sessions() as session:
        texts = list((await session.execute(select(Outbox.text))).scalars())
    assert texts == ["ok: một"]


async def test_a_poison_event_ends_failed_with_an_apology_and_the_next_goes_on(svc: Services) -> None:
    inbox = Inbox(svc.sessions, max_attempts=1)
    flaky = Flaky(failures=1)
    workers = InboxWorkers(inbox, TurnRunner(svc.sessions, flaky), poll_s=0.05, failure_text="xin lỗi")
    await inbox.accept(ev("k1", text="một"))
    await inbox.accept(ev("k2", text="hai"))
    workers.start()
    await wait_for(lambda: _both_finished(svc), what="both events finished")
    await workers.stop()
    async with svc.sessions() as session:
        texts = list((await session.execute(select(Outbox.text).order_by(Outbox.id))).scalars())
    assert texts == ["xin lỗi", "ok: hai"]


async def _both_finished(svc: Services) -> bool:
    return await rows(svc, InboxEvent.status.in_(("done", "failed"))) == 2


async def test_state_replies_and_completion_commit_together(svc: Services) -> None:
    """A turn whose event was taken over leaves no trace: no state change, no reply."""
    inbox = Inbox(svc.sessions)
    workers = InboxWorkers(inbox, svc.turns)
    await inbox.accept(ev("k1", text="", payload="m:procedures"))
    [claimed] = await inbox.claim(1)
    async with svc.sessions() as session, session.begin():  # another worker's claim replaces ours
        await session.execute(update(InboxEvent).values(claim_token="someone-else"))
    await workers.process(claimed)
    async with svc.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Conversation))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(Outbox))).scalar_one() == 0
    # The rightful turn commits all three.
    async with svc.sessions() as session, session.begin():
        await session.execute(update(InboxEvent).values(claim_token=claimed.claim_token))
    await workers.process(claimed)
    async with svc.sessions() as session:
        conv = (await session.execute(select(Conversation))).scalar_one()
        assert conv.pending and conv.pending.get("intent") == "ask_overview"
        assert (await session.execute(select(func.count()).select_from(Outbox))).scalar_one() == 1
        assert (await session.execute(select(InboxEvent.status))).scalar_one() == "done"
        assert (await session.execute(select(InboxEvent.body))).scalar_one() is None  # the text is erased


async def test_purge_keeps_recent_and_unfinished_events(svc: Services) -> None:
    inbox = Inbox(svc.sessions)
    for key in ("old", "recent", "pending"):
        await inbox.accept(ev(key, user=key))
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    async with svc.sessions() as session, session.begin():
        await session.execute(update(InboxEvent).where(InboxEvent.event_key == "old")
                              .values(status="done", processed_at=old))
        await session.execute(update(InboxEvent).where(InboxEvent.event_key == "recent")
                              .values(status="done", processed_at=dt.datetime.now(dt.UTC)))
    assert await inbox.purge(dt.timedelta(days=3)) == 1
    assert await rows(svc) == 2
