"""Zalo Official Account end to end: signed webhook in, our httpx client out, against a local fake."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import httpx
import pytest
from fakes.assistant import Served, channel_settings, serving, sqlite_url
from fakes.http import free_port, load_payload
from fakes.surveys import HASH_KEY, last4, survey_records
from fakes.surveys import code as dossier_code
from fakes.zalo import FakeZaloOA, OASent, oa_text_event
from sqlalchemy import select

from bot.app import Services, build_services
from bot.config import Settings
from bot.features.dossiers.importer import import_records
from bot.features.surveys.models import SurveyAnswer, SurveyResponse
from bot.pipeline.models import ChannelToken
from bot.storage.models import Outbox

USER = "8390000000000000001"
_ids = itertools.count(1)


@pytest.fixture
def settings(tmp_path: Path, fake_oa: FakeZaloOA) -> Settings:
    return channel_settings(sqlite_url(tmp_path), free_port(), zalo_oa=fake_oa)


def url(served: Served) -> str:
    return f"{served.url}/zalo/webhook"


def say(words: str, user: str = USER) -> dict:
    return oa_text_event(user, f"msg-{next(_ids)}", words)


async def turn(fake: FakeZaloOA, served: Served, client: httpx.AsyncClient, event: dict) -> list[OASent]:
    user = (event.get("sender") or event["follower"])["id"]
    before = len(fake.messages_to(user))
    response = await fake.deliver(client, url(served), event)
    assert response.status_code == 200, response.text
    await served.settled()
    return fake.messages_to(user)[before:]


def tap(sent: OASent, payload: str, user: str = USER) -> dict:
    """What Zalo sends when a query button is tapped: its payload as the citizen's message."""
    button = next(b for b in sent.buttons if b["payload"].endswith("|" + payload))
    assert button["type"] == "oa.query.hide"
    return say(button["payload"], user)


async def procedure_conversation(fake: FakeZaloOA, served: Served, client: httpx.AsyncClient) -> None:
    follow = load_payload("zalo/oa_follow.json")
    follow["timestamp"] = str(next(_ids))
    greeting = await turn(fake, served, client, follow)
    assert len(greeting) == 1 and "em chào" in greeting[0].text.lower()
    assert 0 < len(greeting[0].buttons) <= 5
    menu = await turn(fake, served, client, tap(greeting[0], "m:procedures"))
    answer = await turn(fake, served, client, tap(menu[0], "p:1.001193"))
    assert "khai sinh" in answer[0].text.lower()
    fee = await turn(fake, served, client, say("lệ phí bao nhiêu"))
    assert "lệ phí" in fee[0].text.lower()


async def test_procedure_conversation_with_buttons(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    await procedure_conversation(fake_oa, served, client)
    assert all(len(s.buttons) <= 5 for s in fake_oa.sent)


async def test_button_tapped_twice_answers_once(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    greeting = await turn(fake_oa, served, client, say("xin chào"))
    first, second = tap(greeting[0], "m:ask_office_info"), tap(greeting[0], "m:ask_office_info")
    assert first["message"]["msg_id"] != second["message"]["msg_id"]
    for event in (first, second):
        assert (await fake_oa.deliver(client, url(served), event)).status_code == 200
    await served.settled()
    assert len(fake_oa.messages_to(USER)) == 2


async def test_same_event_ten_times_sequentially_and_concurrently(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    event = say("giờ làm việc")
    for _ in range(10):
        assert (await fake_oa.deliver(client, url(served), event)).status_code == 200
    other = say("địa chỉ ở đâu")
    responses = await asyncio.gather(*(fake_oa.deliver(client, url(served), other) for _ in range(10)))
    assert {r.status_code for r in responses} == {200}
    await served.settled()
    assert len(fake_oa.messages_to(USER)) == 2
    assert await served.inbox_rows() == 2


@pytest.mark.parametrize("case", ["missing", "wrong", "other-body", "stale", "future", "no-mac-prefix-wrong"])
async def test_bad_signatures_are_rejected(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient, case: str
) -> None:
    raw, headers = fake_oa.signed(say("xin chào"))
    if case == "missing":
        del headers["X-ZEvent-Signature"]
    elif case == "wrong":
        headers["X-ZEvent-Signature"] = "mac=" + "0" * 64
    elif case == "other-body":
        raw = raw.replace("xin chào".encode(), b"xin chao")
    elif case in ("stale", "future"):
        shift = -4 * 3600_000 if case == "stale" else 3600_000
        raw, headers = fake_oa.signed(say("xin chào"), timestamp_ms=int(time.time() * 1000) + shift)
    else:
        headers["X-ZEvent-Signature"] = "f" * 64
    response = await client.post(url(served), content=raw, headers=headers)
    assert response.status_code == 401
    assert await served.inbox_rows() == 0


async def test_signature_without_mac_prefix_is_accepted(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    raw, headers = fake_oa.signed(say("xin chào"))
    headers["X-ZEvent-Signature"] = headers["X-ZEvent-Signature"].removeprefix("mac=")
    assert (await client.post(url(served), content=raw, headers=headers)).status_code == 200


async def test_expired_token_is_refreshed_and_the_new_pair_stored(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    await turn(fake_oa, served, client, say("xin chào"))
    fake_oa.expire_access_token()
    replies = await turn(fake_oa, served, client, say("giờ làm việc"))
    assert len(replies) == 1 and fake_oa.refreshes == 1
    async with served.services.sessions() as session:
        row = (await session.execute(select(ChannelToken))).scalar_one()
    assert (row.access_token, row.refresh_token) == (fake_oa.access_token, fake_oa.refresh_token)
    assert row.version == 2 and row.expires_at is not None


async def test_outside_reply_window_is_recorded_undeliverable_not_retried(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    fake_oa.outside_window.add(USER)
    assert (await fake_oa.deliver(client, url(served), say("xin chào"))).status_code == 200
    await served.settled()
    async with served.services.sessions() as session:
        row = (await session.execute(select(Outbox))).scalar_one()
    assert row.status == "undeliverable" and "-230" in (row.last_error or "")
    assert fake_oa.messages_to(USER) == []


async def test_media_message_asks_for_text_and_foreign_events_are_ignored(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    image = await turn(fake_oa, served, client, load_payload("zalo/oa_user_send_image.json"))
    assert len(image) == 1 and "gõ câu hỏi" in image[0].text
    for name in ("oa_user_received_message",):
        assert (await fake_oa.deliver(client, url(served), load_payload(f"zalo/{name}.json"))).status_code == 200
    other_oa = say("xin chào")
    other_oa["recipient"]["id"] = "another-oa"
    assert (await fake_oa.deliver(client, url(served), other_oa)).status_code == 200
    await served.settled()
    assert await served.inbox_rows() == 1


@pytest.mark.nlu
async def test_procedure_conversation_with_nlu(
    services: Services, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    async with serving(services) as served:
        answer = await turn(fake_oa, served, client, say("làm căn cước cần những gì"))
        assert answer and "dự phòng" not in answer[0].text
        await procedure_conversation(fake_oa, served, client)


async def test_survey_with_at_most_five_buttons(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, knowledge: dict, resolver: object,
    fake_oa: FakeZaloOA, client: httpx.AsyncClient,
) -> None:
    """The survey on Zalo OA: taps on query buttons; a question with 7 choices shows 5 buttons
    and numbers the rest, and the citizen types one of those numbers."""
    monkeypatch.setenv("DOSSIER_HASH_KEY", HASH_KEY)
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)  # type: ignore[arg-type]
    try:
        assert (await import_records(services.dossiers, services.sessions, survey_records(1), "import", "t")).ok
        async with serving(services) as served:
            greeting = await turn(fake_oa, served, client, say("xin chào"))
            await turn(fake_oa, served, client, tap(greeting[0], "m:rate_service"))
            await turn(fake_oa, served, client, say(dossier_code(0)))
            consent = await turn(fake_oa, served, client, say(last4(0)))
            question = await turn(fake_oa, served, client, tap(consent[-1], "survey:consent:yes"))
            typed_overflow = False
            for _ in range(12):
                last = question[-1]
                assert len(last.buttons) <= 5
                if "Câu" not in last.text:
                    break
                sixth = next((line for line in last.text.splitlines() if line.startswith("6. ")), "")
                if sixth and "quay lại" not in sixth.lower():  # an answer past Zalo's 5 buttons: typed
                    question = await turn(fake_oa, served, client, say("6"))
                    typed_overflow = True
                    continue
                choices = [b["payload"].split("|", 1)[1] for b in last.buttons]
                choice = next((p for p in choices if ":a:" in p or ":skip:" in p), None)
                assert choice, (last.text, choices)
                question = await turn(fake_oa, served, client, tap(last, choice))
            assert typed_overflow
            submit = next(b["payload"].split("|", 1)[1] for b in question[-1].buttons if ":submit:" in b["payload"])
            thanks = await turn(fake_oa, served, client, tap(question[-1], submit))
            assert "đã ghi nhận đánh giá" in thanks[0].text
            assert await served.count(SurveyResponse) == 1
            assert await served.count(SurveyAnswer) >= 7
    finally:
        await services.aclose()
