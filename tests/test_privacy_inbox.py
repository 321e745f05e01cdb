"""/xoadulieu through the inbox workers (how webhooks are served), SQLite and PostgreSQL.

The erasure commits in the same transaction as the turn: the event done and the
confirmation queued. That confirmation is then the only row naming the chat, and
the purge removes it once it has been delivered.
"""

from __future__ import annotations

from sqlalchemy import select, update
from survey_fixtures import count
from test_privacy import _rows_naming

from bot.app import Services
from bot.core.dialogue import DEGRADED_NOTE
from bot.features.privacy import texts
from bot.features.privacy.purge import purger
from bot.features.surveys.models import FeedbackTicket
from bot.pipeline.inbox import InboundEvent, Inbox
from bot.pipeline.models import InboxEvent
from bot.pipeline.workers import InboxWorkers
from bot.storage.models import Outbox

USER = "citizen-inbox-5521"


async def _send(services: Services, inbox: Inbox, workers: InboxWorkers, key: str, text: str) -> list[str]:
    """One message through the inbox and a worker's turn; the texts it queued."""
    assert await inbox.accept(InboundEvent("test", key, USER, text))
    [event] = await inbox.claim(1)
    await workers.process(event)
    async with services.sessions() as session:
        rows = await session.execute(select(Outbox.text).where(Outbox.dedupe_key.like(f"reply:test:{key}:%")))
        return list(rows.scalars())


async def test_erasure_inside_a_worker_turn(svc: Services) -> None:
    inbox = Inbox(svc.sessions)
    workers = InboxWorkers(inbox, svc.turns)
    await _send(svc, inbox, workers, "1", "tôi muốn phản ánh cán bộ hướng dẫn chưa rõ giấy tờ cần nộp")
    await _send(svc, inbox, workers, "2", "1")
    assert await count(svc, FeedbackTicket, FeedbackTicket.user_id == USER) == 1
    [confirm] = await _send(svc, inbox, workers, "3", "/xoadulieu")
    assert confirm.endswith(texts.CONFIRM)  # after the degraded-mode note: these services run without NLU
    assert await _send(svc, inbox, workers, "4", "xoá") == [DEGRADED_NOTE + texts.ERASED]
    assert await count(svc, InboxEvent, InboxEvent.status != "done") == 0  # every turn committed

    # What is left naming the chat: only the confirmation, waiting for the sender.
    assert await _rows_naming(svc, USER) == ["outbox.user_id"]
    async with svc.sessions() as session:
        [left] = (await session.execute(select(Outbox.text).where(Outbox.user_id == USER))).scalars()
        assert left.endswith(texts.ERASED)
    await purger(svc).run()
    assert await count(svc, Outbox, Outbox.user_id == USER) == 1  # not sent yet: kept
    async with svc.sessions() as session, session.begin():
        await session.execute(update(Outbox).where(Outbox.user_id == USER).values(status="sent"))
    await purger(svc).run()
    assert await _rows_naming(svc, USER) == []
