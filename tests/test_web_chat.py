"""The web chat over real HTTP (our uvicorn server, SQLite, degraded NLU): sessions, resends, stream resume,
limits, origins and headers. The browser's side is in tests/test_web_browser.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.assistant import Served, channel_settings, serving, sqlite_url
from fakes.http import free_port, wait_for

from bot.app import build_services
from bot.pipeline.models import InboxEvent
from bot.web.chat import texts
from bot.web.chat.models import WebMessage
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

ALLOWED = "https://tthc.example.gov.vn"


@pytest.fixture
async def served(
    tmp_path: Path, knowledge: dict[str, Procedure], resolver: Resolver, request: pytest.FixtureRequest
) -> AsyncIterator[Served]:
    web: dict[str, Any] = {"allowed_origins": [ALLOWED], "keepalive_s": 1.0}
    web.update(getattr(request, "param", {}))
    settings = channel_settings(sqlite_url(tmp_path), free_port(), channels={"web": web})
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    try:
        async with serving(services) as s:
            yield s
    finally:
        await services.aclose()


@pytest.fixture
async def browser(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps its cookie, as a browser does, and has opened its session."""
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        assert (await client.get("/chat/history")).json()["messages"] == []
        yield client


def message(client_id: str, text: str = "", **kw: Any) -> dict[str, Any]:
    return {"client_id": client_id, "text": text, **kw}


async def history(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return list((await client.get("/chat/history")).json()["messages"])


async def replied(client: httpx.AsyncClient, served: Served, n_bot: int) -> list[dict[str, Any]]:
    async def enough() -> bool:
        return sum(m["role"] == "bot" for m in await history(client)) >= n_bot
    await wait_for(enough, 30, "the reply")
    await served.settled()
    return await history(client)


async def test_a_resent_message_is_answered_once(browser: httpx.AsyncClient, served: Served) -> None:
    first = await browser.post("/chat/messages", json=message("client-0001", "làm giấy khai sinh cần gì"))
    again = await browser.post("/chat/messages", json=message("client-0001", "làm giấy khai sinh cần gì"))
    assert first.json() == {"ok": True, "resent": False, "held": None}
    assert again.json() == {"ok": True, "resent": True, "held": None}
    shown = await replied(browser, served, 1)
    assert [m["role"] for m in shown] == ["user", "bot"]
    assert "khai sinh" in shown[1]["text"].lower()
    assert await served.count(InboxEvent, channel="web") == 1


async def test_buttons_come_with_the_reply_and_a_press_is_answered(browser: httpx.AsyncClient, served: Served) -> None:
    await browser.post("/chat/messages", json=message("client-0002", "xin chào"))
    shown = await replied(browser, served, 1)
    buttons = shown[-1]["buttons"]
    assert buttons and all(b["label"] and b["payload"] for b in buttons)
    pressed = await browser.post(
        "/chat/messages", json=message("client-0003", payload=buttons[0]["payload"], label=buttons[0]["label"])
    )
    assert pressed.status_code == 200
    shown = await replied(browser, served, 2)
    assert shown[2] == {**shown[2], "role": "user", "text": buttons[0]["label"]}


async def _first_event(client: httpx.AsyncClient, last_event_id: int) -> dict[str, Any]:
    async with asyncio.timeout(30), client.stream(
        "GET", "/chat/events", headers={"Last-Event-ID": str(last_event_id)}
    ) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        event_id = None
        async for line in stream.aiter_lines():
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                data: dict[str, Any] = json.loads(line[6:])
                assert data["id"] == event_id
                return data
    raise AssertionError("stream ended")


async def test_the_stream_resumes_after_the_last_event_seen(browser: httpx.AsyncClient, served: Served) -> None:
    await browser.post("/chat/messages", json=message("client-0004", "lệ phí làm hộ chiếu"))
    user, bot = await replied(browser, served, 1)
    assert await _first_event(browser, 0) == user
    assert await _first_event(browser, user["id"]) == bot  # nothing seen twice, nothing skipped


async def test_html_in_a_message_stays_text(browser: httpx.AsyncClient, served: Served) -> None:
    await browser.post("/chat/messages", json=message("client-0005", "<img src=x onerror=alert(1)>"))
    shown = await replied(browser, served, 1)
    assert shown[0]["text"] == "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("served", [{"limits": {"per_session_per_min": 2, "max_text_chars": 50}}], indirect=True)
async def test_limits_get_one_clear_answer(browser: httpx.AsyncClient, served: Served) -> None:
    too_long = await browser.post("/chat/messages", json=message("client-0006", "a" * 51))
    assert too_long.status_code == 429 and too_long.json()["message"] == texts.LIMIT
    for i in range(2):
        assert (await browser.post("/chat/messages", json=message(f"client-001{i}", "xin chào"))).status_code == 200
    third = await browser.post("/chat/messages", json=message("client-0020", "xin chào"))
    assert third.status_code == 429 and third.json()["message"] == texts.LIMIT
    assert await served.count(WebMessage, role="user") == 2


@pytest.mark.parametrize("served", [{"limits": {"sessions_per_address_per_hour": 1}}], indirect=True)
async def test_sessions_per_address_are_limited(browser: httpx.AsyncClient, served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as other_browser:
        refused = await other_browser.get("/chat/history")
    assert refused.status_code == 429 and refused.json()["message"] == texts.LIMIT
    assert (await browser.get("/chat/history")).status_code == 200  # the open session goes on


async def test_other_sites_cannot_post_and_bad_input_is_answered_politely(
    browser: httpx.AsyncClient, served: Served
) -> None:
    cross = await browser.post("/chat/messages", json=message("client-0030", "hi"), headers={"Origin": ALLOWED})
    assert cross.status_code == 403 and cross.json()["message"] == texts.FORBIDDEN
    bodies = (b"not json", b"[]", json.dumps(message("x", "hi")).encode(), json.dumps(message("client-0031")).encode())
    for body in bodies:
        r = await browser.post("/chat/messages", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["message"].startswith("Dạ")
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as stranger:
        assert (await stranger.post("/chat/messages", json=message("client-0032", "hi"))).status_code == 401
        assert (await stranger.get("/chat/events")).status_code == 401
    assert await served.count(WebMessage) == 0


async def test_pages_carry_a_strict_policy_and_only_our_assets(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and page.headers["x-content-type-options"] == "nosniff"
    assert "<script src=\"/static/chat.js\"" in page.text and "http" not in page.text.split("<body")[0]
    frame = await browser.get("/widget")
    assert f"frame-ancestors 'self' {ALLOWED}" in frame.headers["content-security-policy"]
    widget = await browser.get("/widget.js")
    assert widget.headers["content-type"].startswith("text/javascript") and "/widget" in widget.text
    for asset in ("site.css", "chat.css", "chat.js", "results.js"):
        assert (await browser.get(f"/static/{asset}")).status_code == 200


async def test_erasing_my_data_clears_the_web_history(browser: httpx.AsyncClient, served: Served) -> None:
    await browser.post("/chat/messages", json=message("client-0040", "tra cứu hồ sơ 000.00.27.H49-261120-0031"))
    await replied(browser, served, 1)
    await browser.post("/chat/messages", json=message("client-0041", "/xoadulieu"))
    shown = await replied(browser, served, 2)
    erase = next(b for b in shown[-1]["buttons"] if b["payload"].endswith(":erase"))
    await browser.post("/chat/messages", json=message("client-0042", payload=erase["payload"], label=erase["label"]))

    async def only_the_confirmation() -> bool:
        left = await history(browser)
        return len(left) == 1 and left[0]["role"] == "bot"
    # 90 s: SQLite reuses the erased outbox rows' ids, and the sender skips an id it finished within 60 s.
    await wait_for(only_the_confirmation, 90, "the history to be erased")
    assert "000.00.27.H49-261120-0031" not in json.dumps(await history(browser), ensure_ascii=False)
