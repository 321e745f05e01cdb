"""The one sender: limits, "retry after", order per chat, Telegram HTML and length, through the fake Bot API."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fakes.assistant import Served, channel_settings, sqlite_url
from fakes.http import free_port
from fakes.telegram import FakeTelegram
from sqlalchemy import select

from bot.channels.common import split_text, utf16_len
from bot.config import Settings
from bot.pipeline.ratelimit import ChannelLimiter, Gcra
from bot.settings.channels import RateLimits
from bot.storage.models import Outbox


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_gcra_allows_a_burst_then_the_rate() -> None:
    bucket = Gcra(rate=1.0, burst=3)
    assert [bucket.reserve(100.0) for _ in range(5)] == [100.0, 100.0, 100.0, 101.0, 102.0]
    assert bucket.reserve(110.0) == 110.0  # idle long enough: the burst is back


async def test_limiter_per_chat_global_and_pause() -> None:
    clock = FakeClock()
    limiter = ChannelLimiter(RateLimits(global_per_s=2, per_chat_per_s=1, per_chat_burst=1), clock, clock.sleep)
    start = clock.now
    await limiter.acquire("a")
    await limiter.acquire("b")
    await limiter.acquire("c")  # third overall within a second: waits for the global bucket
    assert clock.now - start == pytest.approx(0.5)
    await limiter.acquire("a")  # a's second message waits for its own bucket (1/s)
    assert clock.now - start == pytest.approx(1.0)
    limiter.pause(5)
    await limiter.acquire("d")
    assert clock.now - start == pytest.approx(6.0)


def test_split_text_respects_limits_and_keeps_everything() -> None:
    text = "\n\n".join(f"Đoạn {i}: " + "chữ " * 300 for i in range(20))
    pieces = split_text(text, 4096, utf16_len)
    assert all(utf16_len(p) <= 4096 for p in pieces) and len(pieces) > 1
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())
    emoji = "😀" * 5000  # two UTF-16 units each
    assert all(utf16_len(p) <= 4096 for p in split_text(emoji, 4096, utf16_len))
    assert split_text("ngắn", 10) == ["ngắn"]


@pytest.fixture
def settings(tmp_path: Path, fake_tg: FakeTelegram) -> Settings:
    return channel_settings(sqlite_url(tmp_path), free_port(), telegram=fake_tg)


async def queue(served: Served, *rows: tuple[str, str, list[list[str]] | None]) -> None:
    async with served.services.sessions() as session, session.begin():
        for i, (chat, text, buttons) in enumerate(rows):
            session.add(Outbox(channel="telegram", user_id=chat, text=text, buttons=buttons,
                               dedupe_key=f"test:{chat}:{i}:{hash(text)}", status="pending", attempts=0))
    served.runtime.sender.nudge()


async def test_a_429_storm_delivers_every_message_once_after_waiting(served: Served, fake_tg: FakeTelegram) -> None:
    fake_tg.fail_next_sends = 8
    chats = [str(1000 + i) for i in range(6)]
    await queue(served, *[(chat, f"tin {chat}/{n}", None) for chat in chats for n in range(3)])
    await served.settled(90)
    assert fake_tg.rejected_sends == 8
    texts = [s.text for s in fake_tg.sent]
    assert sorted(texts) == sorted(f"tin {chat}/{n}" for chat in chats for n in range(3))  # each once
    for chat in chats:  # and in order within each chat
        assert [s.text for s in fake_tg.messages_to(chat)] == [f"tin {chat}/{n}" for n in range(3)]
    assert await served.outbox_rows(status="sent") == 18


async def test_user_text_is_escaped_and_long_replies_split(served: Served, fake_tg: FakeTelegram) -> None:
    hostile = "Hồ sơ của <b>Nguyễn & Co</b> <script>alert(1)</script> "
    long_text = hostile + "\n\n".join("Giấy tờ cần nộp: " + "bản sao chứng thực; " * 60 for _ in range(8))
    assert len(long_text) > 4096
    await queue(served, ("42", long_text, [["Xem tiếp", "m:help"], ["Quá dài", "x" * 65]]))
    await served.settled()
    pieces = fake_tg.messages_to("42")
    assert len(pieces) > 1 and all(p.parse_mode == "HTML" for p in pieces)
    assert pieces[0].text.startswith("Hồ sơ của &lt;b&gt;Nguyễn &amp; Co&lt;/b&gt; &lt;script&gt;")
    assert all(utf16_len(html.unescape(p.text)) <= 4096 for p in pieces)
    shown = " ".join(html.unescape(p.text) for p in pieces)
    assert " ".join(shown.split()) == " ".join(long_text.split())
    assert [p.buttons for p in pieces[:-1]] == [[]] * (len(pieces) - 1)
    assert pieces[-1].buttons == [("Xem tiếp", "m:help")]  # callback data over 64 bytes is left out


async def test_a_blocked_user_is_recorded_undeliverable(served: Served, fake_tg: FakeTelegram) -> None:
    fake_tg.blocked_chats.add("77")
    await queue(served, ("77", "thông báo", None), ("78", "thông báo", None))
    await served.settled()
    async with served.services.sessions() as session:
        status = {u: st for u, st in (await session.execute(select(Outbox.user_id, Outbox.status))).all()}
    assert status == {"77": "undeliverable", "78": "sent"}
