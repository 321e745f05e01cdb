"""Zalo Bot Platform end to end: webhook with its secret header, and polling; numbered choices."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fakes.assistant import ZALO_BOT_SECRET, Served, channel_settings, serving, sqlite_url
from fakes.http import free_port, load_payload, wait_for
from fakes.surveys import HASH_KEY, survey_records, survey_script
from fakes.zalo import FakeZaloBot, bot_text_update

from bot.app import Services, build_services
from bot.config import Settings
from bot.features.dossiers.importer import import_records
from bot.features.surveys.models import SurveyAnswer, SurveyResponse
from bot.storage.models import Outbox

CHAT = "e4ea2cd5189df1c3a88c"
_ids = itertools.count(1)


@pytest.fixture
def settings(tmp_path: Path, fake_bot: FakeZaloBot) -> Settings:
    return channel_settings(sqlite_url(tmp_path), free_port(), zalo_bot=fake_bot)


def say(words: str) -> dict:
    return bot_text_update(CHAT, f"m{next(_ids)}", words)


async def turn(fake: FakeZaloBot, served: Served, client: httpx.AsyncClient, update: dict) -> list[str]:
    before = len(fake.messages_to(CHAT))
    response = await fake.deliver(client, update)
    assert response.status_code == 200, response.text
    await served.settled()
    return fake.messages_to(CHAT)[before:]


async def numbered_conversation(send: Callable[[str], Awaitable[list[str]]]) -> None:
    """Greeting with numbered choices → "1" (procedures) → a number (a procedure) → a typed follow-up."""
    greeting = await send("xin chào")
    assert "1. Hỏi về thủ tục" in greeting[-1] and "gõ số" in greeting[-1]
    menu = await send("1")
    lines = [line for line in menu[-1].splitlines() if line[:2].rstrip(".").isdigit()]
    number = next(line.split(".")[0] for line in lines if "khai sinh" in line.lower())
    answer = await send(number)
    assert "khai sinh" in answer[0].lower()
    fee = await send("lệ phí bao nhiêu")
    assert "lệ phí" in fee[0].lower()


async def test_webhook_conversation_with_numbered_choices(
    served: Served, fake_bot: FakeZaloBot, client: httpx.AsyncClient
) -> None:
    assert fake_bot.webhook == {"url": f"{served.url}/zalo-bot/webhook", "secret_token": ZALO_BOT_SECRET}

    async def send(words: str) -> list[str]:
        return await turn(fake_bot, served, client, say(words))

    await numbered_conversation(send)


async def test_polling_conversation(offline_services: Services, fake_bot: FakeZaloBot) -> None:
    async with serving(offline_services, mode="polling") as served:
        assert fake_bot.webhook == {}  # deleted: getUpdates needs no webhook

        async def send(words: str) -> list[str]:
            before = len(fake_bot.messages_to(CHAT))
            fake_bot.queue_update(say(words))
            await wait_for(lambda: len(fake_bot.messages_to(CHAT)) > before, what="a reply")
            await served.settled()
            return fake_bot.messages_to(CHAT)[before:]

        await numbered_conversation(send)


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-value"])
async def test_wrong_or_missing_secret_is_rejected(
    served: Served, fake_bot: FakeZaloBot, client: httpx.AsyncClient, secret: str | None
) -> None:
    headers = {} if secret is None else {"X-Bot-Api-Secret-Token": secret}
    response = await client.post(f"{served.url}/zalo-bot/webhook", json=say("xin chào"), headers=headers)
    assert response.status_code == 401
    assert await served.inbox_rows() == 0


async def test_same_update_ten_times(served: Served, fake_bot: FakeZaloBot, client: httpx.AsyncClient) -> None:
    update = say("giờ làm việc")
    for _ in range(10):
        assert (await fake_bot.deliver(client, update)).status_code == 200
    await served.settled()
    assert len(fake_bot.messages_to(CHAT)) == 1 and await served.inbox_rows() == 1


async def test_sticker_asks_for_text(served: Served, fake_bot: FakeZaloBot, client: httpx.AsyncClient) -> None:
    replies = await turn(fake_bot, served, client, load_payload("zalo/bot_message_sticker.json"))
    assert len(replies) == 1 and "gõ câu hỏi" in replies[0]


async def test_long_text_split_under_2000_and_429_waited(served: Served, fake_bot: FakeZaloBot) -> None:
    paragraph = "Dạ, thông báo về hồ sơ của Anh/Chị: " + "nội dung dài " * 40
    long_text = "\n\n".join(f"{i}. {paragraph}" for i in range(12))
    fake_bot.fail_next_sends = 2
    async with served.services.sessions() as session, session.begin():
        session.add(Outbox(channel="zalo_bot", user_id=CHAT, text=long_text, buttons=[["Hủy nhận tin", "x:1"]],
                           dedupe_key="test:long", status="pending", attempts=0))
    served.runtime.sender.nudge()
    await served.settled(60)
    pieces = fake_bot.messages_to(CHAT)
    assert len(pieces) > 1 and all(len(p) <= 2000 for p in pieces)
    assert fake_bot.rejected_sends == 2
    joined = " ".join(" ".join(p.split()) for p in pieces)
    assert " ".join(long_text.split()) in joined and "1. Hủy nhận tin" in pieces[-1]


async def test_survey_with_numbered_choices(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, knowledge: dict, resolver: object,
    fake_bot: FakeZaloBot, client: httpx.AsyncClient,
) -> None:
    monkeypatch.setenv("DOSSIER_HASH_KEY", HASH_KEY)
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)  # type: ignore[arg-type]
    try:
        assert (await import_records(services.dossiers, services.sessions, survey_records(1), "import", "t")).ok
        async with serving(services) as served:
            replies: list[str] = []
            for kind, value in [("text", "xin chào"), *survey_script(0)]:
                if kind == "tap":  # no buttons on this platform: the menu's number instead
                    value = "3"
                replies = await turn(fake_bot, served, client, say(value))
                assert all(len(r) <= 2000 for r in replies)
            assert await served.count(SurveyResponse) == 1
            assert await served.count(SurveyAnswer) >= 7
            assert any("đã ghi nhận đánh giá" in r for r in fake_bot.messages_to(CHAT))
    finally:
        await services.aclose()


@pytest.mark.nlu
async def test_conversation_with_nlu(services: Services, fake_bot: FakeZaloBot, client: httpx.AsyncClient) -> None:
    async with serving(services) as served:
        answer = await turn(fake_bot, served, client, say("đăng ký kết hôn cần giấy tờ gì"))
        assert answer and "kết hôn" in answer[0].lower() and "dự phòng" not in answer[0]
        fee = await turn(fake_bot, served, client, say("lệ phí bao nhiêu"))
        assert fee and "kết hôn" in fee[0].lower()
