"""Telegram end to end: python-telegram-bot against a local fake Bot API, our real web server between."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fakes.assistant import TELEGRAM_SECRET, Served, channel_settings, serving, sqlite_url
from fakes.db import pg_schema_url
from fakes.http import free_port, load_payload, wait_for
from fakes.surveys import HASH_KEY, last4, survey_records
from fakes.surveys import code as dossier_code
from fakes.telegram import FakeTelegram, Sent, callback_update, text_update

from bot.app import Services, build_services
from bot.config import Settings
from bot.features.dossiers.importer import import_records
from bot.features.surveys.models import SurveyAnswer, SurveyResponse

CHAT = 5123456789
_ids = itertools.count(900_000)


@pytest.fixture
def settings(tmp_path: Path, fake_tg: FakeTelegram) -> Settings:
    return channel_settings(sqlite_url(tmp_path), free_port(), telegram=fake_tg)


async def turn(
    fake: FakeTelegram, served: Served, client: httpx.AsyncClient, update: dict, chat: int = CHAT
) -> list[Sent]:
    before = len(fake.messages_to(chat))
    response = await fake.deliver(client, update)
    assert response.status_code == 200, response.text
    await served.settled()
    return fake.messages_to(chat)[before:]


def text(chat: int, words: str) -> dict:
    return text_update(next(_ids), chat, words)


def tap(chat: int, sent: Sent, data: str) -> dict:
    assert data in [payload for _, payload in sent.buttons], (data, sent.buttons)
    return callback_update(next(_ids), chat, message_id=abs(hash(sent.text)) % 10**6, data=data)


async def procedure_conversation(fake: FakeTelegram, served: Served, client: httpx.AsyncClient) -> None:
    """/start → menu → "Hỏi về thủ tục" → a procedure → a typed follow-up on the same procedure."""
    start = load_payload("telegram/message_start.json")
    start["update_id"] = next(_ids)
    greeting = await turn(fake, served, client, start)
    assert len(greeting) == 1 and "em chào" in greeting[0].text.lower()
    assert greeting[0].parse_mode == "HTML"
    assert ("Hỏi về thủ tục", "m:procedures") in greeting[0].buttons

    menu = await turn(fake, served, client, tap(CHAT, greeting[0], "m:procedures"))
    assert len(menu) == 1 and menu[0].buttons
    procedure = next(p for _, p in menu[0].buttons if p == "p:1.001193")  # đăng ký khai sinh

    answer = await turn(fake, served, client, tap(CHAT, menu[0], procedure))
    assert len(answer) >= 1 and "khai sinh" in answer[0].text.lower()

    fee = await turn(fake, served, client, text(CHAT, "lệ phí bao nhiêu"))
    assert fee and "lệ phí" in fee[0].text.lower()
    assert len(fake.answered) == 2  # both taps answered


async def test_webhook_is_registered_with_its_secret(served: Served, fake_tg: FakeTelegram) -> None:
    assert fake_tg.webhook["url"] == f"{served.url}/telegram/webhook"
    assert fake_tg.webhook["secret_token"] == TELEGRAM_SECRET
    assert set(fake_tg.webhook["allowed_updates"]) == {"message", "callback_query"}


async def test_procedure_conversation_degraded(
    served: Served, fake_tg: FakeTelegram, client: httpx.AsyncClient
) -> None:
    await procedure_conversation(fake_tg, served, client)


async def test_same_update_ten_times_sequentially_and_concurrently(
    served: Served, fake_tg: FakeTelegram, client: httpx.AsyncClient
) -> None:
    update = text(CHAT, "giờ làm việc của trung tâm")
    for _ in range(10):
        assert (await fake_tg.deliver(client, update)).status_code == 200
    again = text(CHAT, "địa chỉ trung tâm ở đâu")
    responses = await asyncio.gather(*(fake_tg.deliver(client, again) for _ in range(10)))
    assert {r.status_code for r in responses} == {200}
    await served.settled()
    assert len(fake_tg.messages_to(CHAT)) == 2
    assert await served.inbox_rows() == 2
    assert await served.outbox_rows() == 2


async def test_button_tapped_twice_answers_once(
    served: Served, fake_tg: FakeTelegram, client: httpx.AsyncClient
) -> None:
    greeting = await turn(fake_tg, served, client, text(CHAT, "xin chào"))
    first = tap(CHAT, greeting[-1], "m:ask_office_info")
    second = callback_update(next(_ids), CHAT, first["callback_query"]["message"]["message_id"], "m:ask_office_info")
    assert (await fake_tg.deliver(client, first)).status_code == 200
    assert (await fake_tg.deliver(client, second)).status_code == 200
    await served.settled()
    await wait_for(lambda: len(fake_tg.answered) == 2, what="both taps answered")
    assert len(fake_tg.messages_to(CHAT)) == len(greeting) + 1
    assert sorted(fake_tg.answered) == sorted([first["callback_query"]["id"], second["callback_query"]["id"]])


async def test_five_quick_messages_answered_in_order(
    served: Served, fake_tg: FakeTelegram, client: httpx.AsyncClient
) -> None:
    codes = ["1.001193", "1.000894", "1.004222", "1.014061", "1.013978"]
    names = [served.services.procedures[c].name.lower() for c in codes]
    for code in codes:  # one after the other, each acknowledged before the next: arrival order is known
        update = callback_update(next(_ids), CHAT, next(_ids), f"a:ask_fee:{code}")
        assert (await fake_tg.deliver(client, update)).status_code == 200
    await served.settled()
    sent = [s.text.lower() for s in fake_tg.messages_to(CHAT)]
    assert len(sent) == 5
    for name, reply in zip(names, sent, strict=True):
        assert name.removeprefix("thủ tục ")[:25] in reply


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", TELEGRAM_SECRET + "x"])
async def test_wrong_or_missing_secret_is_rejected(
    served: Served, fake_tg: FakeTelegram, client: httpx.AsyncClient, secret: str | None
) -> None:
    url = f"{served.url}/telegram/webhook"
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    response = await client.post(url, json=text(CHAT, "xin chào"), headers=headers)
    assert response.status_code == 401
    assert await served.inbox_rows() == 0
    assert fake_tg.messages_to(CHAT) == []


async def test_body_over_256_kb_is_refused(served: Served, client: httpx.AsyncClient) -> None:
    update = text(CHAT, "a" * (300 * 1024))
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    response = await client.post(f"{served.url}/telegram/webhook", json=update, headers=headers)
    assert response.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: refused while streaming
        for _ in range(40):
            yield b"x" * 8192

    response = await client.post(f"{served.url}/telegram/webhook", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert await served.inbox_rows() == 0


@pytest.mark.parametrize(
    "payload", ["message_photo", "message_sticker", "edited_message", "group_message", "my_chat_member"]
)
async def test_recorded_updates_of_other_kinds(
    served: Served, fake_tg: FakeTelegram, client: httpx.AsyncClient, payload: str
) -> None:
    update = load_payload(f"telegram/{payload}.json")
    assert (await fake_tg.deliver(client, update)).status_code == 200
    await served.settled()
    replied = fake_tg.messages_to(CHAT)
    if payload in ("message_photo", "message_sticker"):  # asked to type the question
        assert len(replied) == 1 and "gõ câu hỏi" in replied[0].text
    else:
        assert replied == [] and await served.inbox_rows() == 0


@pytest.mark.nlu
async def test_procedure_conversation_with_nlu(
    services: Services, fake_tg: FakeTelegram, client: httpx.AsyncClient
) -> None:
    async with serving(services) as served:
        answer = await turn(fake_tg, served, client, text(CHAT, "làm giấy khai sinh cho con cần gì"))
        assert answer and "khai sinh" in answer[0].text.lower()
        assert "dự phòng" not in answer[0].text  # the NLU server answered
        fee = await turn(fake_tg, served, client, text(CHAT, "còn lệ phí thì sao"))
        assert fee and "lệ phí" in fee[0].text.lower() and "khai sinh" in fee[0].text.lower()
        await procedure_conversation(fake_tg, served, client)


async def test_polling_conversation(offline_services: Services, fake_tg: FakeTelegram) -> None:
    """Polling mode: the library's Updater fetches updates; the same handler stores them in the inbox."""
    async with serving(offline_services, mode="polling") as served:
        assert fake_tg.calls_of("deleteWebhook")  # polling starts by removing any webhook

        async def send(update: dict) -> list[Sent]:
            before = len(fake_tg.messages_to(CHAT))
            fake_tg.queue_update(update)
            await wait_for(lambda: len(fake_tg.messages_to(CHAT)) > before, what="a reply")
            await served.settled()
            return fake_tg.messages_to(CHAT)[before:]

        greeting = await send(text(CHAT, "xin chào"))
        info = await send(tap(CHAT, greeting[-1], "m:ask_office_info"))
        assert info and fake_tg.answered
        assert await served.inbox_rows(status="done") == 2


@pytest.fixture
def _hash_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSSIER_HASH_KEY", HASH_KEY)


async def test_survey_with_buttons(
    _hash_key: None, offline_services: Services, fake_tg: FakeTelegram, client: httpx.AsyncClient
) -> None:
    """A satisfaction survey answered with inline-keyboard taps, every tap answered."""
    services = offline_services
    assert (await import_records(services.dossiers, services.sessions, survey_records(1), "import", "t")).ok
    async with serving(services) as served:
        greeting = await turn(fake_tg, served, client, text(CHAT, "xin chào"))
        ask_code = await turn(fake_tg, served, client, tap(CHAT, greeting[-1], "m:rate_service"))
        assert "mã hồ sơ" in ask_code[0].text
        await turn(fake_tg, served, client, text(CHAT, dossier_code(0)))
        consent = await turn(fake_tg, served, client, text(CHAT, last4(0)))
        question = await turn(fake_tg, served, client, tap(CHAT, consent[-1], consent[-1].buttons[0][1]))
        for _ in range(12):  # each question: tap its second choice (or skip), then submit at the review
            last = question[-1]
            if "Câu" not in last.text:
                break
            choices = [p for _, p in last.buttons if ":a:" in p or ":skip:" in p]
            question = await turn(fake_tg, served, client, tap(CHAT, last, choices[min(1, len(choices) - 1)]))
        submit = next(p for _, p in question[-1].buttons if ":submit:" in p)
        thanks = await turn(fake_tg, served, client, tap(CHAT, question[-1], submit))
        assert "đã ghi nhận đánh giá" in thanks[0].text
        assert await served.count(SurveyResponse) == 1
        assert await served.count(SurveyAnswer) >= 7
        await wait_for(lambda: len(fake_tg.answered) == len(fake_tg.calls_of("answerCallbackQuery")) >= 10,
                       what="every tap answered")


@pytest.mark.postgres
async def test_conversation_and_duplicates_on_postgres(
    fake_tg: FakeTelegram, client: httpx.AsyncClient, knowledge: dict, resolver: object
) -> None:
    """The same path on PostgreSQL: row locks instead of the SQLite gate, the sender's advisory lock."""
    for url in pg_schema_url():
        settings = channel_settings(url, free_port(), telegram=fake_tg)
        services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)  # type: ignore[arg-type]
        try:
            async with serving(services) as served:
                await procedure_conversation(fake_tg, served, client)
                update = text(CHAT, "giờ làm việc")
                before = len(fake_tg.messages_to(CHAT))
                responses = await asyncio.gather(*(fake_tg.deliver(client, update) for _ in range(10)))
                assert {r.status_code for r in responses} == {200}
                await served.settled()
                assert len(fake_tg.messages_to(CHAT)) == before + 1
        finally:
            await services.aclose()
