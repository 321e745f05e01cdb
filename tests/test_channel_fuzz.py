"""10,000 fuzzed webhook bodies, authentic (right secret or signature): no crash, no 5xx, all processed.

Bodies are recorded payloads with values replaced, keys dropped or added, and raw
junk (bad UTF-8, non-objects, deep nesting). Deterministic seed, bounded count.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.assistant import TELEGRAM_SECRET, ZALO_BOT_SECRET, Served, channel_settings, sqlite_url
from fakes.http import free_port, load_payload
from fakes.telegram import FakeTelegram, text_update
from fakes.zalo import FakeZaloBot, FakeZaloOA

from bot.channels.zalo_oa_client import signature
from bot.config import Settings

COUNTS = {"telegram": 4000, "zalo": 3000, "zalo_bot": 3000}
TEMPLATES = {
    "telegram": ["telegram/message_text.json", "telegram/callback_query.json", "telegram/message_photo.json",
                 "telegram/edited_message.json", "telegram/my_chat_member.json"],
    "zalo": ["zalo/oa_user_send_text.json", "zalo/oa_follow.json", "zalo/oa_user_send_image.json",
             "zalo/oa_user_received_message.json"],
    "zalo_bot": ["zalo/bot_message_text.json", "zalo/bot_message_sticker.json"],
}
FAST = {"limits": {"global_per_s": 10_000, "per_chat_per_s": 1000, "per_chat_burst": 1000}}


def junk(rnd: random.Random, depth: int = 0) -> Any:
    kind = rnd.randrange(14)
    if kind == 0:
        return None
    if kind == 1:
        return rnd.choice([True, False])
    if kind == 2:
        return rnd.choice([0, -1, 1, 2**31, 2**63, -(2**70), 10**30])
    if kind == 3:
        return rnd.choice([0.5, -1e308, 1e308, 3.14])
    if kind == 4:
        return ""
    if kind == 5:
        return "".join(chr(rnd.randrange(1, 0x2FFFF)) for _ in range(rnd.randrange(1, 40)))
    if kind == 6:
        return "\ud800 lone surrogate \x00 nul " + "<b>&amp;</b>"
    if kind == 7:
        return "x" * rnd.choice([4097, 20_000])
    if kind == 8 and depth < 4:
        return {f"k{i}": junk(rnd, depth + 1) for i in range(rnd.randrange(4))}
    if kind == 9 and depth < 4:
        return [junk(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    if kind == 10:
        return rnd.choice(["m:procedures", "p:1.001193", "a:ask_fee:9.999", "#12|m:help", "/start", "1", "99"])
    if kind == 11:
        return str(rnd.randrange(10**12))
    return rnd.choice(["lệ phí bao nhiêu", "làm căn cước", "xin chào", "PRIVATE", "GROUP", "private"])


def mutate(value: Any, rnd: random.Random, depth: int = 0) -> Any:
    if isinstance(value, dict):
        out = {k: (mutate(v, rnd, depth + 1) if rnd.random() < 0.5 else v)
               for k, v in value.items() if rnd.random() > 0.08}
        if rnd.random() < 0.1:
            out[rnd.choice(["extra", "message", "result", "sender", "update_id", "callback_query"])] = junk(rnd)
        return out
    if isinstance(value, list):
        return [mutate(v, rnd, depth + 1) for v in value if rnd.random() > 0.1]
    return junk(rnd) if rnd.random() < 0.35 else value


def raw_junk(rnd: random.Random) -> bytes:
    return rnd.choice([
        b"", b"null", b"[]", b"42", b'"text"', b"{", b"\xff\xfe\x00garbage", b"[" * 50_000 + b"]" * 50_000,
        b'{"update_id": 1, "message": ' * 2000, bytes(rnd.randrange(256) for _ in range(200)),
    ])


def fuzz_body(channel: str, rnd: random.Random) -> bytes:
    if rnd.random() < 0.1:
        return raw_junk(rnd)
    body = mutate(load_payload(rnd.choice(TEMPLATES[channel])), rnd)
    if rnd.random() < 0.25:  # new ids: these bodies are stored and processed, not deduplicated
        if channel == "telegram" and isinstance(body, dict):
            body["update_id"] = rnd.randrange(10**9)
        elif channel == "zalo" and isinstance(body.get("message"), dict):
            body["message"]["msg_id"] = f"fz{rnd.randrange(10**12)}"
        elif channel == "zalo_bot" and isinstance(body.get("result"), dict) and isinstance(
            body["result"].get("message"), dict
        ):
            body["result"]["message"]["message_id"] = f"fz{rnd.randrange(10**12)}"
    if channel == "zalo" and isinstance(body, dict) and rnd.random() < 0.85:
        body["timestamp"] = str(int(time.time() * 1000))  # fresh, so the signature is checked and passes
    return json.dumps(body, ensure_ascii=rnd.random() < 0.5).encode("utf-8", "surrogatepass")


def headers_for(channel: str, raw: bytes, oa: FakeZaloOA) -> dict[str, str]:
    if channel == "telegram":
        return {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET, "Content-Type": "application/json"}
    if channel == "zalo_bot":
        return {"X-Bot-Api-Secret-Token": ZALO_BOT_SECRET, "Content-Type": "application/json"}
    try:
        stamp = str(json.loads(raw).get("timestamp", ""))
    except Exception:
        stamp = ""
    if not (stamp.isascii() and stamp.isdigit()):
        stamp = str(int(time.time() * 1000))  # no usable timestamp: signed anyway, refused as unauthentic
    return {"X-ZEvent-Signature": signature(oa.app_id, raw, stamp, oa.oa_secret_key)}


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTelegram, FakeZaloOA, FakeZaloBot]]:
    tg, oa, bot = FakeTelegram().start(), FakeZaloOA().start(), FakeZaloBot().start()
    yield tg, oa, bot
    for fake in (tg, oa, bot):
        fake.stop()


@pytest.fixture
def settings(tmp_path: Path, fakes: tuple[FakeTelegram, FakeZaloOA, FakeZaloBot]) -> Settings:
    tg, oa, bot = fakes
    return channel_settings(
        sqlite_url(tmp_path), free_port(), telegram=tg, zalo_oa=oa, zalo_bot=bot,
        channels={"telegram": FAST, "zalo_oa": FAST, "zalo_bot": FAST, "inbox": {"workers": 16}},
    )


async def test_ten_thousand_fuzzed_bodies(
    served: Served, fakes: tuple[FakeTelegram, FakeZaloOA, FakeZaloBot], caplog: pytest.LogCaptureFixture
) -> None:
    tg, oa, _ = fakes
    caplog.set_level(logging.ERROR)
    paths = {"telegram": "/telegram/webhook", "zalo": "/zalo/webhook", "zalo_bot": "/zalo-bot/webhook"}
    statuses: Counter[tuple[str, int]] = Counter()

    async def fuzz(channel: str, count: int, seed: int) -> None:  # one platform's deliveries, in sequence
        rnd = random.Random(seed)
        for _ in range(count):
            raw = fuzz_body(channel, rnd)
            response = await client.post(served.url + paths[channel], content=raw,
                                         headers=headers_for(channel, raw, oa))
            statuses[(channel, response.status_code)] += 1
            assert response.status_code < 500, (channel, raw[:300], response.text)

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(fuzz(ch, n, 20261129 + i) for i, (ch, n) in enumerate(COUNTS.items())))
        await served.settled(timeout_s=600)
        assert sum(statuses.values()) == 10_000
        stored = await served.inbox_rows()
        assert stored > 1000, statuses  # the fuzz reached the processing, not only the parsers
        assert await served.inbox_rows(status="done") == stored  # every stored event processed, none failed
        # Still serving normally afterwards.
        before = len(tg.messages_to(5123456789))
        assert (await tg.deliver(client, text_update(10**10, 5123456789, "xin chào"))).status_code == 200
        await served.settled()
        assert len(tg.messages_to(5123456789)) == before + 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith(("bot", "uvicorn"))]
    assert errors == [], [r.getMessage() for r in errors[:5]]
