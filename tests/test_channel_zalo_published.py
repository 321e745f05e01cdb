"""Zalo as the platform publishes it: token expiry and renewal, retried deliveries, error codes, bare bot bodies."""

from __future__ import annotations

import itertools
import json
import logging
import time
from pathlib import Path

import httpx
import pytest
from fakes.assistant import Served, channel_settings, serving, sqlite_url
from fakes.http import free_port, load_payload, wait_for
from fakes.zalo import FakeZaloBot, FakeZaloOA, bot_text_update, oa_text_event
from sqlalchemy import select

from bot.app import build_services
from bot.channels.zalo_errors import oa_action
from bot.channels.zalo_oa import ZaloOAChannel
from bot.config import Settings
from bot.pipeline.models import ChannelToken
from bot.runtime import check_settings
from bot.settings.channels import Action
from bot.storage.models import Outbox
from bot.zalo_check import check

USER = "8390000000000000001"
CHAT = "e4ea2cd5189df1c3a88c"
_ids = itertools.count(1)


@pytest.fixture
def settings(tmp_path: Path, fake_oa: FakeZaloOA, fake_bot: FakeZaloBot) -> Settings:
    return channel_settings(sqlite_url(tmp_path), free_port(), zalo_oa=fake_oa, zalo_bot=fake_bot)


def say(words: str) -> dict:
    return oa_text_event(USER, f"pub-{next(_ids)}", words)


async def outbox(served: Served) -> Outbox:
    async with served.services.sessions() as session:
        return (await session.execute(select(Outbox))).scalar_one()


async def test_expired_token_minus_220_is_renewed_and_the_reply_resent(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    fake_oa.expire_access_token(as_expired=True)  # Zalo: -220 "access_token is expired or removed"
    assert (await fake_oa.deliver(client, f"{served.url}/zalo/webhook", say("giờ làm việc"))).status_code == 200
    await served.settled()
    assert fake_oa.refreshes == 1 and len(fake_oa.messages_to(USER)) == 1
    assert (await outbox(served)).status == "sent"


async def test_a_retry_fifty_minutes_later_is_accepted_and_answered_once(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    """Zalo resends a delivery it got no 200 for with the original timestamp (here after 50 min)."""
    event, stamp = say("địa chỉ ở đâu"), int(time.time() * 1000) - 50 * 60_000
    url = f"{served.url}/zalo/webhook"
    assert (await fake_oa.deliver(client, url, event, timestamp_ms=stamp, retry=3)).status_code == 200
    assert (await fake_oa.deliver(client, url, event, timestamp_ms=stamp, retry=4)).status_code == 200
    await served.settled()
    assert len(fake_oa.messages_to(USER)) == 1 and await served.inbox_rows() == 1


async def test_a_timestamp_more_than_a_minute_ahead_is_refused(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient
) -> None:
    url = f"{served.url}/zalo/webhook"
    ahead = await fake_oa.deliver(client, url, say("xin chào"), timestamp_ms=int(time.time() * 1000) + 90_000)
    assert ahead.status_code == 401
    old = await fake_oa.deliver(client, url, say("xin chào"), timestamp_ms=int(time.time() * 1000) - 4 * 3600_000)
    assert old.status_code == 401
    assert await served.inbox_rows() == 0


@pytest.mark.parametrize(
    ("answer", "meaning"),
    [
        ("oa_send_interaction_expired", "last interaction expired"),
        ("oa_send_outside_window", "past 7 days"),
        ("oa_send_not_follower", "not followed the OA"),
    ],
)
async def test_reply_refusals_are_undeliverable_with_their_meaning(
    served: Served, fake_oa: FakeZaloOA, client: httpx.AsyncClient, answer: str, meaning: str
) -> None:
    fake_oa.refusals[USER] = answer
    assert (await fake_oa.deliver(client, f"{served.url}/zalo/webhook", say("xin chào"))).status_code == 200
    await served.settled()
    row = await outbox(served)
    code = str(load_payload(f"zalo/{answer}.json")["error"])
    assert row.status == "undeliverable" and code in (row.last_error or "") and meaning in (row.last_error or "")


def test_error_table_meanings() -> None:
    assert oa_action(-220) is oa_action(-216) is Action.TOKEN
    assert oa_action(-1, http_status=401) is Action.TOKEN  # a refused token without Zalo's JSON body
    assert oa_action(-124) is Action.FAILED  # a ZNS code, not one of the OA send API
    assert oa_action(-232, overrides={-232: Action.FAILED}) is Action.FAILED


def test_oa_id_is_required(settings: Settings) -> None:
    oa = settings.channels.zalo_oa.model_copy(update={"oa_id": ""})
    bare = settings.model_copy(update={"channels": settings.channels.model_copy(update={"zalo_oa": oa})})
    assert any("oa_id" in p for p in check_settings(bare, "webhook"))
    channel = ZaloOAChannel(oa, app_id="1", secret_key="k", client=None, tokens=None, store=None)  # type: ignore[arg-type]
    assert channel.verify(b"{}", {"timestamp": "1"}, "mac=00") == "channels.zalo_oa.oa_id is not configured"


async def test_seed_token_is_renewed_ahead_of_its_expiry_without_any_message(
    settings: Settings, knowledge: dict, resolver: object, fake_oa: FakeZaloOA
) -> None:
    """ZALO_OA_TOKEN_EXPIRES_IN=1800: inside the one-hour margin, so the job renews it at start."""
    seeded = settings.model_copy(update={"zalo_oa_token_expires_in": 1800})
    services = build_services(seeded, ["http://127.0.0.1:9"], None, procedures=knowledge, resolver=resolver)  # type: ignore[arg-type]
    try:
        async with serving(services):
            await wait_for(lambda: fake_oa.refreshes == 1, what="the token job")
            async def stored() -> bool:
                async with services.sessions() as session:
                    row = (await session.execute(select(ChannelToken))).scalar_one_or_none()
                return row is not None and row.access_token == fake_oa.access_token and row.expires_at is not None
            await wait_for(stored, what="the new pair stored")
    finally:
        await services.aclose()


async def test_failed_renewal_is_an_alert(
    settings: Settings, knowledge: dict, resolver: object, fake_oa: FakeZaloOA, caplog: pytest.LogCaptureFixture
) -> None:
    seeded = settings.model_copy(update={"zalo_oa_token_expires_in": 60})
    fake_oa.refresh_token = "spent-elsewhere"  # our refresh token no longer works
    services = build_services(seeded, ["http://127.0.0.1:9"], None, procedures=knowledge, resolver=resolver)  # type: ignore[arg-type]
    try:
        with caplog.at_level(logging.WARNING, logger="bot.ops.alerts"):
            async with serving(services) as served:
                tokens = served.runtime.channels["zalo"]._tokens
                await wait_for(lambda: tokens.alert.firing, what="the alert")
    finally:
        await services.aclose()
    assert [r for r in caplog.records if "ALERT zalo_token_refresh_failed" in r.getMessage()]


async def test_bot_webhook_takes_the_bare_body_and_the_wrapped_one(
    served: Served, fake_bot: FakeZaloBot, client: httpx.AsyncClient
) -> None:
    bare = load_payload("zalo/bot_webhook_text.json")
    wrapped = bot_text_update(CHAT, "wrapped-1", "giờ làm việc")
    for body in (bare, wrapped):  # posted as they are, not through the fake's delivery
        headers = {"X-Bot-Api-Secret-Token": fake_bot.webhook["secret_token"]}
        assert (await client.post(fake_bot.webhook["url"], json=body, headers=headers)).status_code == 200
    await served.settled()
    assert len(fake_bot.messages_to(CHAT)) >= 2 and await served.inbox_rows() == 2


async def test_bot_403_is_retried_as_a_server_error(served: Served, fake_bot: FakeZaloBot) -> None:
    fake_bot.fail_next_sends, fake_bot.fail_status = 1, 403
    async with served.services.sessions() as session, session.begin():
        session.add(Outbox(channel="zalo_bot", user_id=CHAT, text="Dạ, hồ sơ đã có kết quả ạ.", buttons=[],
                           dedupe_key="test:403", status="pending", attempts=0))
    served.runtime.sender.nudge()
    await served.settled(60)
    assert fake_bot.rejected_sends == 1 and fake_bot.messages_to(CHAT) == ["Dạ, hồ sơ đã có kết quả ạ."]


async def test_zalo_check_against_the_fakes(settings: Settings, fake_oa: FakeZaloOA, fake_bot: FakeZaloBot) -> None:
    lines: list[str] = []
    assert await check(settings, USER, lines.append) == 0, lines
    text = "\n".join(lines)
    assert f"the token works for OA {fake_oa.oa_id}" in text
    assert "OK    a text to the test follower delivered" in text
    assert "OK    a message with buttons to the test follower delivered" in text
    assert "Zalo bot token works" in text and "NOT VERIFIED  the webhook signature variant" in text
    sent = fake_oa.messages_to(USER)
    assert len(sent) == 2 and sent[1].buttons


async def test_zalo_check_says_what_fails(settings: Settings, fake_oa: FakeZaloOA) -> None:
    fake_oa.refusals[USER] = "oa_send_interaction_expired"
    fake_oa.refresh_token = "spent-elsewhere"
    fake_oa.expire_access_token()
    lines: list[str] = []
    assert await check(settings, USER, lines.append) == 1
    text = "\n".join(lines)
    assert "FAIL  the token was refused: -216 the access token is invalid" in text
    assert "FAIL  a text to the test follower refused: -216" in text


@pytest.mark.parametrize("variant", ["upper-hex", "app-secret"])
def test_signature_variants(settings: Settings, fake_oa: FakeZaloOA, variant: str) -> None:
    """Upper-case hex is taken as is; the app secret signs only when configured to."""
    oa = settings.channels.zalo_oa
    key = fake_oa.oa_secret_key
    if variant == "app-secret":
        oa = oa.model_copy(update={"signature_key": "app_secret"})
        fake_oa.oa_secret_key, key = fake_oa.app_secret, fake_oa.app_secret
    raw, headers = fake_oa.signed(say("xin chào"))
    mac = headers["X-ZEvent-Signature"]
    if variant == "upper-hex":
        mac = "mac=" + mac.removeprefix("mac=").upper()
    data = json.loads(raw)
    channel = ZaloOAChannel(oa, app_id=fake_oa.app_id, secret_key=key, client=None, tokens=None, store=None)  # type: ignore[arg-type]
    assert channel.verify(raw, data, mac) is None
    other = ZaloOAChannel(oa, app_id=fake_oa.app_id, secret_key="another-key", client=None, tokens=None, store=None)  # type: ignore[arg-type]
    assert other.verify(raw, data, mac) == "bad signature"
