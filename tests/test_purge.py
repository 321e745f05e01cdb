"""The retention job on a simulated clock (SQLite and PostgreSQL): what is past its period goes, the rest stays,
a second run deletes nothing; small batches; the server's daily hook."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fakes.http import wait_for
from sqlalchemy import func, select
from survey_fixtures import SClock, add_response

from bot.app import Services, build_services
from bot.config import load_settings
from bot.features.dossiers.models import Dossier, DossierLookupFailure, DossierSubscription
from bot.features.privacy import texts
from bot.features.privacy.purge import daily, purger
from bot.features.surveys.models import SurveyResponse
from bot.pipeline.models import InboxEvent
from bot.runtime import build_runtime
from bot.storage.models import Conversation, ExportJob, Outbox
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure


@pytest.fixture
async def psvc(
    survey_db: str, sclock: SClock, knowledge: dict[str, Procedure], resolver: Resolver, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Services]:
    """Batches of 2 rows, so three rows to delete take two transactions."""
    monkeypatch.setenv("DOSSIER_HASH_KEY", "test-purge-hash-key-0123456789")
    settings = load_settings(database={"url": survey_db}, retention={"batch_size": 2},
                             surveys={"exports_dir": str(tmp_path / "exports")})
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    services.dossiers.clock = sclock
    yield services
    await services.aclose()


def _ago(clock: SClock, **delta: float) -> dt.datetime:
    return clock() - dt.timedelta(**delta)


async def _seed(s: Services, clock: SClock, tmp_path: Path) -> None:
    """Rows on both sides of every period; user ids say which side ("old-…" must go)."""
    def conv(user: str, **ago: float) -> Conversation:
        return Conversation(channel="test", user_id=user, created_at=_ago(clock, days=60),
                            updated_at=_ago(clock, **ago))

    def event(key: str, status: str, **ago: float) -> InboxEvent:
        at = _ago(clock, **ago)
        return InboxEvent(channel="test", event_key=key, user_key=key, status=status, attempts=1, available_at=at,
                          created_at=at, processed_at=at if status == "done" else None)

    def out(key: str, status: str, text: str = "…", **ago: float) -> Outbox:
        return Outbox(channel="test", user_id=key, text=text, dedupe_key=key, status=status, attempts=0,
                      created_at=_ago(clock, **ago))

    def dossier(code: str, status: int, **ago: float) -> Dossier:
        at = _ago(clock, **ago)
        return Dossier(code=code, procedure_code="1.001193", status=status, phone_hash="x" * 64,
                       status_changed_at=at, created_at=at, updated_at=at)

    def sub(user: str, d: Dossier, revoked: dt.datetime | None = None) -> DossierSubscription:
        return DossierSubscription(channel="test", user_id=user, dossier_id=d.id, purpose="p", text_version="v1",
                                   granted_at=_ago(clock, days=400), revoked_at=revoked)

    async with s.sessions() as session, session.begin():
        session.add_all([conv("old-c1", days=31), conv("old-c2", days=45), conv("old-c3", days=90),
                         conv("new-c", days=29)])
        session.add_all([DossierLookupFailure(chat_key="test:old-f", code_digest="d", at=_ago(clock, hours=25)),
                         DossierLookupFailure(chat_key="test:new-f", code_digest="d", at=_ago(clock, hours=23))])
        session.add_all([event("old-i", "done", hours=73), event("new-i", "done", hours=71),
                         event("new-i-pending", "pending", hours=100)])
        session.add_all([
            out("reply:old-r", "sent", hours=73), out("reply:new-r", "sent", hours=71),
            out("reply:new-r-pending", "pending", hours=100),
            out("dossier:old-n", "sent", days=31), out("survey:old-n", "undeliverable", days=40),
            out("dossier:new-n", "sent", days=29),
            out("reply:old-e", "sent", texts.ERASED, minutes=5), out("reply:new-e", "pending", texts.ERASED, minutes=5),
        ])
        open_, closed, recent = dossier("A-1", 4, days=200), dossier("A-2", 10, days=91), dossier("A-3", 10, days=89)
        session.add_all([open_, closed, recent])
        await session.flush()
        session.add_all([sub("old-s-revoked", open_, _ago(clock, days=366)), sub("new-s-revoked", open_,
                         _ago(clock, days=364)), sub("old-s-closed", closed), sub("new-s-open", open_),
                         sub("new-s-recent", recent)])
        session.add_all([
            ExportJob(channel="test", user_id=user, filters={}, status=status, created_at=_ago(clock, days=days))
            for user, status, days in (("old-j", "done", 8), ("new-j", "done", 6), ("new-j-pending", "pending", 30))
        ])
    await add_response(s, {"q1": "hai_long"}, submitted=_ago(clock, days=366), user_id="old-a",
                       dossier_code="A-1")
    await add_response(s, {"q1": "hai_long"}, submitted=_ago(clock, days=364), user_id="new-a",
                       dossier_code="A-2")
    exports = tmp_path / "exports"
    exports.mkdir()
    for name, days in (("sipas_old.xlsx", 8), ("sipas_new.xlsx", 6)):
        (exports / name).write_bytes(b"x")
        stamp = _ago(clock, days=days).timestamp()
        os.utime(exports / name, (stamp, stamp))


async def _linked_users(s: Services) -> set[str]:
    """Every user id or key still present in a table the purge looks after."""
    found: set[str] = set()
    async with s.sessions() as session:
        for column in (Conversation.user_id, InboxEvent.user_key, Outbox.dedupe_key, DossierSubscription.user_id,
                       DossierLookupFailure.chat_key, SurveyResponse.user_id, ExportJob.user_id):
            found |= {str(v).split(":")[-1] for v in (await session.execute(select(column))).scalars() if v}
    return found


async def test_purge_removes_what_is_past_its_period_and_nothing_else(
    psvc: Services, sclock: SClock, tmp_path: Path
) -> None:
    await _seed(psvc, sclock, tmp_path)
    done = await purger(psvc).run()
    assert done["conversations_idle"] == 3  # in two batches of at most 2
    assert done["outbox_notifications"] == 2 and done["erasure_confirmations"] == 1
    assert done["surveys_responses_unlinked"] == 1 and done["export_files"] == 1
    assert await _linked_users(psvc) == {
        "new-c", "new-f", "new-i", "new-i-pending", "new-r", "new-r-pending", "new-n", "new-e",
        "new-s-revoked", "new-s-open", "new-s-recent", "new-a", "new-j", "new-j-pending",
    }
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["sipas_new.xlsx"]
    async with psvc.sessions() as session:  # the old answers stay, anonymous
        assert (await session.execute(select(func.count()).select_from(SurveyResponse))).scalar_one() == 2

    again = await purger(psvc).run()
    assert not any(again.values()), again

    sclock.advance(days=2)  # time passes: what was just inside a period is now outside it
    await purger(psvc).run()
    assert await _linked_users(psvc) == {"new-i-pending", "new-r-pending", "new-e", "new-s-open", "new-j-pending"}


async def test_the_servers_janitor_purges_once_a_day(psvc: Services, sclock: SClock) -> None:
    async def idle(user: str) -> None:
        async with psvc.sessions() as session, session.begin():
            session.add(Conversation(channel="test", user_id=user, updated_at=_ago(sclock, days=31)))

    await idle("first")
    await daily(psvc)  # at start
    await idle("second")
    await daily(psvc)  # the janitor's next round, an hour later: not yet a day
    assert await _linked_users(psvc) == {"second"}


async def test_the_running_server_purges_when_it_starts(psvc: Services, sclock: SClock) -> None:
    async with psvc.sessions() as session, session.begin():
        session.add(Conversation(channel="test", user_id="idle", updated_at=_ago(sclock, days=31)))
    runtime = build_runtime(psvc, "polling")  # no channel configured: inbox, workers, sender, janitor
    await runtime.start()
    try:
        async def purged() -> bool:
            return not await _linked_users(psvc)

        await wait_for(purged, 30, "the janitor's first purge")
    finally:
        await runtime.stop()
