"""The web chat while a clerk holds it, in real headless Chromium: one tab is the citizen's chat, another the clerk's.

While the chat is held the page shows no "Đang trả lời…" from the assistant (it will not answer),
says who the citizen is talking to, shows the clerk's reply, and the citizen's next message reaches
the clerk's page, not the assistant. The clerk's messages are labelled "Cán bộ" on the page and in what a
screen reader reads, the assistant's "Trợ lý". Screenshots of the chat at 1280 and 360 px are taken on the way.
"""

from __future__ import annotations

import pytest
from browser.staff_fixtures import LAPTOP, PHONE, Browser
from fakes.http import wait_for
from staff_console_fixtures import PASSWORD, Console

from bot.features.handoff import texts

pytestmark = pytest.mark.browser
REPLIES = "#log li.msg:not(.user)"


async def _replies(b: Browser) -> list[tuple[str, str]]:
    """Each reply as a screen reader reads it, "Trợ lý: …" or "Cán bộ: …", split into who and what."""
    found = await b.js(f"return Array.from(document.querySelectorAll('{REPLIES}')).map(e => e.textContent)")
    return [(who, text) for who, _, text in (str(t).partition(": ") for t in found)]


async def _bot_lines(b: Browser) -> list[str]:
    return [text for _, text in await _replies(b)]


async def _label_shown(b: Browser, css: str) -> str:
    """The author's label of the last bubble matching ``css`` when it is drawn on the page, else ''."""
    found = await b.js(f"""const all = document.querySelectorAll('{css} > .who');
        const who = all[all.length - 1]; const box = who.getBoundingClientRect();
        return box.width > 1 && box.height > 1 ? who.firstChild.textContent : '';""")
    return str(found)


async def _say(b: Browser, text: str) -> bool:
    """Sends a message from the chat page; True when the page shows the typing indicator right after."""
    from selenium.webdriver.common.keys import Keys

    box = await b.find("#message")
    await b.call(box.send_keys, text)
    await b.call(box.send_keys, Keys.ENTER)
    return bool(await b.js("return !document.getElementById('typing').hidden"))


async def _tab(b: Browser, handle: str) -> None:
    await b.call(b.driver.switch_to.window, handle)


async def test_a_clerk_holds_the_web_chat(console: Console, browser: Browser) -> None:
    b = browser
    await b.open("/")
    chat_tab = await b.call(lambda: b.driver.current_window_handle)
    await wait_for(lambda: b.js("return !!document.querySelector('#composer')"), 30, "the chat page")
    assert await _say(b, "Cho tôi gặp cán bộ")  # the assistant answers this one: it says it is typing

    async def asked() -> bool:
        return any("đã chuyển yêu cầu" in t for t in await _bot_lines(b))
    await wait_for(asked, 30, "the assistant's answer")
    assert "Đang chờ cán bộ" in await b.text("#held")
    assert not await _say(b, "Tôi muốn hỏi về hồ sơ cấp đổi căn cước")  # held: nobody is "typing"
    await console.served.settled()
    before = await _bot_lines(b)

    # The clerk, in another tab: the queue says the request came from the web chat.
    await b.call(b.driver.switch_to.new_window, "tab")
    clerk_tab = await b.call(lambda: b.driver.current_window_handle)
    await b.sign_in("minh", PASSWORD)
    await b.open("/staff/handoff")
    assert "Web" in await b.text("#handoffs") and "cấp đổi căn cước" in await b.text("#handoffs")
    await b.click("#handoffs a.open")
    await b.click("#take")
    answer = "Dạ, Anh/Chị mang căn cước cũ và đến quầy số 3 ạ."
    await b.type("#reply-text", answer)
    await b.click("#send-reply")

    await _tab(b, chat_tab)

    async def answered() -> bool:
        return answer in await _bot_lines(b)
    await wait_for(answered, 30, "the clerk's reply in the chat")
    assert await _bot_lines(b) == [*before, texts.TAKEN, answer]
    # Who answers is told apart in what is read and what is seen (a label, not a colour only).
    assert [who for who, _ in await _replies(b)][-2:] == ["Trợ lý", "Cán bộ"]
    assert await _label_shown(b, "#log li.msg.clerk") == "Cán bộ"
    assert await _label_shown(b, "#log li.msg.bot") == "Trợ lý"

    async def talking() -> bool:
        return "trực tiếp với cán bộ" in await b.text("#held")
    await wait_for(talking, 30, "the page to say a clerk is answering")
    assert not await _say(b, "Tôi có cần ảnh thẻ không ạ?")
    await b.shot("webchat-clerk-1280")

    await _tab(b, clerk_tab)

    async def reached() -> bool:
        return "cần ảnh thẻ không" in await b.text("#chat")
    await wait_for(reached, 30, "the citizen's message on the clerk's page")
    await console.served.settled()
    await _tab(b, chat_tab)
    assert await _bot_lines(b) == [*before, texts.TAKEN, answer]  # the assistant said nothing
    await b.size(*PHONE)
    await b.open("/")
    await wait_for(answered, 30, "the history after a reload")
    assert "trực tiếp với cán bộ" in await b.text("#held")
    assert await _label_shown(b, "#log li.msg.clerk") == "Cán bộ"  # the history keeps who wrote what
    await b.shot("webchat-clerk-360")
    assert await b.page_width() <= PHONE[0]
    await b.size(*LAPTOP)

    # Handed back: the assistant answers again, and says it is typing again.
    await _tab(b, clerk_tab)
    await b.click("#hand-back")
    await _tab(b, chat_tab)

    async def back() -> bool:
        return texts.BACK in await _bot_lines(b)
    await wait_for(back, 30, "the hand-back in the chat")
    await wait_for(lambda: b.js("return document.getElementById('held').hidden"), 30, "the notice to go")
    assert await _say(b, "giờ làm việc")

    async def hours() -> bool:
        return "7h30" in (await _bot_lines(b))[-1]
    await wait_for(hours, 30, "the assistant's answer")
    assert await b.refused() == []  # the chat and the console ran under their strict policy
