"""Understanding that does not mislead, through the real NLU server and the whole knowledge base.

- The sibling the citizen's action names is the one answered ("mất sổ đỏ" → the re-issue of a lost
  certificate, not the first registration).
- A "which procedure?" list offers only the levels the centre receives; a lone level twin is no choice.
- "phí bn" is a fee question; right after a list it asks again which procedure, with the same buttons.
- When which aspect is asked is in doubt (here: a proxy in front of the real server brings its second
  intent close behind the first), the answer is the overview with a button per aspect, not a
  confident answer about the wrong aspect.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import Services, build_services
from bot.config import Settings
from bot.core.messages import Incoming, Reply
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

pytestmark = pytest.mark.nlu
UNSURE_LABELS = ["Giấy tờ", "Lệ phí", "Thời hạn", "Nơi nộp", "Nộp trực tuyến"]


async def say(services: Services, text: str, user: str = "u1", payload: str | None = None) -> Reply:
    replies = await services.turns.run(Incoming("test", user, text, payload))
    assert replies, "the assistant must never be silent"
    return replies[0]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("mất sổ đỏ thì làm lại cần giấy tờ gì", "Cấp lại Giấy chứng nhận do bị mất"),
        ("sổ đỏ bị rách muốn đổi cần giấy tờ gì", "Cấp đổi Giấy chứng nhận quyền sử dụng đất"),
        ("hộ kinh doanh muốn tạm ngừng kinh doanh thì nộp hồ sơ ở đâu", "Tạm ngừng kinh doanh"),
        ("gia hạn giấy phép xây dựng nhà ở cần những giấy tờ gì", "Gia hạn giấy phép xây dựng"),
        ("tôi đổi CCCD rồi, giờ cập nhật sổ đỏ cần giấy tờ gì", "Đăng ký biến động"),
    ],
)
async def test_the_sibling_asked_for_is_answered(services: Services, text: str, name: str) -> None:
    reply = await say(services, text)
    assert f"«{name}" in reply.text, reply.text


async def test_fee_shorthand_is_a_fee_question(services: Services) -> None:
    u = await services.understander.understand("phí bn")
    assert u.intent == "ask_fee", (u.intent, u.confidence)
    await say(services, "làm sổ đỏ lần đầu")
    reply = await say(services, "phí bn")
    assert "lệ phí «Đăng ký đất đai" in reply.text


async def test_a_list_without_the_levels_the_centre_does_not_receive(services: Services) -> None:
    listed = await say(services, "cấp thẻ bảo hiểm y tế")
    payloads = [b.payload for b in listed.buttons]
    assert payloads[0] == "p:2.000639", payloads  # "(thực hiện tại cấp tỉnh)"
    assert "p:1.003116" not in payloads, payloads  # "(... cấp trung ương)", ministry level only: not here
    again = await say(services, "phí bn")  # no procedure chosen yet: the same list, for the fee
    assert "lệ phí" in again.text and [b.payload for b in again.buttons] == [b.payload for b in listed.buttons]
    chosen = await say(services, "", payload=again.buttons[0].payload)
    assert chosen.text.startswith("Dạ, lệ phí «Cấp thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)»")


async def test_a_lone_level_twin_is_no_choice(services: Services) -> None:
    reply = await say(services, "cấp lại thẻ bảo hiểm y tế cần giấy tờ gì")
    assert "«Cấp lại thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)»" in reply.text, reply.text


@pytest.fixture
async def doubtful_services(
    settings: Settings, nlu_server: tuple[str, str | None], knowledge: dict[str, Procedure], resolver: Resolver
) -> AsyncIterator[Services]:
    """The assistant over a proxy to the real NLU server that brings the second intent close to the first."""
    from fakes.http import ServerThread
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    rasa, token = nlu_server

    async def doubtful(request: Request) -> JSONResponse:
        async with httpx.AsyncClient() as http:
            r = await http.post(f"{rasa}/model/parse", params=request.query_params, content=await request.body())
        data = r.json()
        ranking = data["intent_ranking"]
        first = ranking[0]["confidence"]
        ranking[1]["confidence"] = first - 0.05
        return JSONResponse(json.loads(json.dumps(data)))

    proxy = ServerThread(Starlette(routes=[Route("/model/parse", doubtful, methods=["POST"])])).start()
    s = build_services(settings, [proxy.url], token, procedures=knowledge, resolver=resolver)
    try:
        yield s
    finally:
        await s.aclose()
        proxy.stop()


async def test_a_doubtful_aspect_gets_the_overview_and_every_aspect(doubtful_services: Services) -> None:
    reply = await say(doubtful_services, "đăng ký kết hôn cần chuẩn bị giấy tờ gì")
    assert reply.text.startswith("Dạ, «Thủ tục đăng ký kết hôn»"), reply.text
    assert "• Thời hạn" in reply.text and "mời chọn bên dưới" in reply.text
    assert [b.label for b in reply.buttons] == UNSURE_LABELS
    assert all(b.payload.endswith(":1.000894") for b in reply.buttons)
    documents = await say(doubtful_services, "", payload=reply.buttons[0].payload)
    assert "hồ sơ «Thủ tục đăng ký kết hôn» gồm" in documents.text


async def test_a_sure_aspect_is_answered(services: Services) -> None:
    reply = await say(services, "đăng ký kết hôn cần chuẩn bị giấy tờ gì")
    assert "hồ sơ «Thủ tục đăng ký kết hôn» gồm" in reply.text
