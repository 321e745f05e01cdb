"""Live handoff in real headless Chromium: a Telegram citizen asks for a person, a clerk takes and answers.

The citizen writes through the fake Telegram to our server; the clerk works in the
browser. Screenshots of the chat page at laptop and phone widths are taken on the way
(tmp_path, and TTHC_SCREENSHOTS when set) to be looked at.
"""

from __future__ import annotations

import pytest
from browser.staff_fixtures import LAPTOP, PHONE, Browser
from fakes.http import wait_for
from handoff_fixtures import Citizen
from staff_console_fixtures import PASSWORD, Console

from bot.features.handoff import texts

pytestmark = pytest.mark.browser


async def test_clerk_takes_a_telegram_chat_answers_and_hands_it_back(console: Console, browser: Browser) -> None:
    b, citizen = browser, Citizen(console, chat=8201)
    told = await citizen.say("Cho tôi gặp cán bộ")
    assert len(told) == 1 and "đã chuyển yêu cầu" in told[0]
    await citizen.say("Tôi nộp hồ sơ đăng ký kết hôn hôm thứ Hai, bao giờ có kết quả ạ?")

    console.services.dossiers.clock.advance(minutes=3)  # type: ignore[attr-defined]
    await b.sign_in("minh", PASSWORD)
    await b.open("/staff/handoff")
    queue = await b.text("#handoffs")
    assert "Đang chờ cán bộ" in queue and "bao giờ có kết quả" in queue
    assert "Telegram" in queue and "chờ 3 phút" in queue  # how long the citizen has waited, said plainly
    await b.shot("handoff-queue-1280")
    await b.click("#handoffs a.open")
    assert "đăng ký kết hôn hôm thứ Hai" in await b.text("#chat")
    await b.click("#take")
    assert await b.text("#handoff-status") == "Đang trao đổi"
    answer = "Dạ, hồ sơ của Anh/Chị hẹn trả ngày 03/12, Anh/Chị mang theo giấy hẹn ạ."
    await b.type("#reply-text", answer)
    await b.click("#send-reply")
    await wait_for(lambda: any("hẹn trả ngày 03/12" in s.text for s in console.tg.messages_to(8201)), 30,
                   "the clerk's reply on Telegram")
    await console.served.settled()
    assert citizen.received() == [texts.TAKEN, answer]

    # The citizen's answer reaches the page (the page's script fetches it) and the assistant says nothing.
    assert await citizen.say("Cảm ơn cán bộ, tôi cần mang thêm gì không?") == []

    async def on_page() -> bool:
        return "tôi cần mang thêm gì không" in await b.text("#chat")
    await wait_for(on_page, 30, "the citizen's message on the page")

    async def delivered() -> bool:  # the script also moves the clerk's line from «đang gửi» to «đã gửi»
        return await b.text("#chat .clerk .delivery") == "đã gửi"
    await wait_for(delivered, 30, "the delivery shown on the page")
    await b.shot("handoff-1280")
    await b.size(*PHONE)
    await b.open("/staff/handoff/1")
    await b.shot("handoff-360-top", full=False)
    await b.shot("handoff-360")
    assert await b.page_width() <= PHONE[0] and await b.small_targets() == []
    await Citizen(console, chat=8202).say("gặp cán bộ ạ")  # a second one waits: the queue's take button
    await b.open("/staff/handoff")
    await b.shot("handoff-queue-360")
    assert await b.page_width() <= PHONE[0] and await b.small_targets() == []
    await b.size(*LAPTOP)

    await b.open("/staff/handoff/1")
    await b.click("#hand-back")
    assert "Yêu cầu #1" not in await b.text("#handoffs") and "Yêu cầu #2" in await b.text("#handoffs")
    await console.served.settled()
    assert citizen.received() == [texts.BACK]
    again = await citizen.say("giờ làm việc")
    assert len(again) == 1 and "7h30" in again[0]  # the assistant answers again
    assert await b.refused() == []
