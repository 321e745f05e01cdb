"""The dialogue through the real NLU server: each intent, follow-ups, buttons, bad input."""

from __future__ import annotations

import itertools

import pytest

from bot.app import Services, build_services
from bot.config import Settings
from bot.core.messages import Incoming, Reply

pytestmark = pytest.mark.nlu
_ids = itertools.count()


async def say(services: Services, text: str, user: str = "u1", payload: str | None = None) -> Reply:
    replies = await services.turns.run(Incoming("test", user, text, payload, f"e{next(_ids)}"))
    assert replies, "the assistant must never be silent"
    return replies[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chào em nhé", "em chào Anh/Chị"),
        ("ok vậy chào tạm biệt em", "Chúc Anh/Chị"),
        ("em cảm ơn nhiều ạ", "không có gì"),
        ("em có thể hỏi bạn những việc gì", "em có thể giúp"),
        ("mình cần nói chuyện với cán bộ trực", "1800 1096"),
        ("giá xăng hôm nay bao nhiêu", "chỉ hỗ trợ"),
        ("buổi chiều trung tâm đóng cửa lúc mấy giờ", "Giờ làm việc"),
        ("thủ tục đăng ký kết hôn", "Thủ tục đăng ký kết hôn"),
        ("đăng ký kết hôn cần chuẩn bị giấy tờ gì", "hồ sơ «Thủ tục đăng ký kết hôn» gồm"),
        ("lệ phí cấp phiếu lý lịch tư pháp là bao nhiêu", "lệ phí «Cấp Phiếu Lý lịch tư pháp"),
        ("làm hộ chiếu mất mấy ngày thì có", "thời hạn giải quyết"),
        ("khai tử cho bố thì nộp ở chỗ nào", "Nơi nộp"),
        ("hướng dẫn các bước tách thửa đất", "các bước thực hiện"),
        ("đăng ký tạm trú làm online trên vneid được không", "trực tuyến"),
        ("muốn được công nhận hộ nghèo thì cần điều kiện gì", "điều kiện"),
        ("xin mẫu tờ khai đăng ký thường trú", "mẫu"),
        ("hồ sơ của tôi nộp tuần trước giờ đến đâu rồi", "tra cứu"),
        ("tôi muốn gửi phản ánh về cán bộ", "phản ánh"),
        ("tôi muốn tham gia đánh giá mức độ hài lòng", "đánh giá"),
    ],
)
async def test_each_intent_gets_its_answer(services: Services, text: str, expected: str) -> None:
    reply = await say(services, text)
    assert expected.lower() in reply.text.lower()


async def test_follow_ups_keep_the_procedure_and_naming_another_switches(services: Services) -> None:
    first = await say(services, "lam giay khai sinh can giay to gi")
    assert "khai sinh" in first.text and "Giấy chứng sinh" in first.text
    fee = await say(services, "còn lệ phí?")
    assert "lệ phí «Thủ tục đăng ký khai sinh»" in fee.text
    time = await say(services, "mất bao lâu?")
    assert "thời hạn giải quyết «Thủ tục đăng ký khai sinh»" in time.text
    switched = await say(services, "thế còn lệ phí đăng ký kết hôn")
    assert "đăng ký kết hôn" in switched.text and "khai sinh" not in switched.text


async def test_buttons_and_typed_numbers_pick_an_aspect(services: Services) -> None:
    reply = await say(services, "thủ tục đăng ký khai tử")
    labels = [b.label for b in reply.buttons]
    assert "Lệ phí" in labels
    by_number = await say(services, str(labels.index("Lệ phí") + 1))
    assert "lệ phí «Thủ tục đăng ký khai tử»" in by_number.text
    by_button = await say(services, "", payload=reply.buttons[0].payload)
    assert "khai tử" in by_button.text


async def test_unknown_procedure_is_declined_with_the_hotline(services: Services) -> None:
    reply = await say(services, "thủ tục cấp giấy phép bay flycam trên vịnh cần những gì")
    assert services.office.hotline in reply.text


async def test_generic_question_without_context_asks_which_procedure(services: Services) -> None:
    reply = await say(services, "lệ phí bao nhiêu vậy ad", user="fresh")
    assert "thủ tục nào" in reply.text or "tên thủ tục" in reply.text
    assert reply.buttons
    chosen = await say(services, "", user="fresh", payload=reply.buttons[0].payload)
    assert "lệ phí" in chosen.text.lower()


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀🙏😀", "x" * 10_000, "<b>hi</b><script>alert(1)</script>", "'; DROP TABLE conversations; --",
     "\x00\x01\x02", "khai sinh " * 1500],
)
async def test_bad_input_gets_a_polite_reply(services: Services, text: str) -> None:
    reply = await say(services, text, user="odd")
    assert reply.text.startswith("Dạ")
    after = await say(services, "xin chào", user="odd")
    assert "chào" in after.text


async def test_state_survives_a_restart(
    settings: Settings, services: Services, nlu_server: tuple[str, str | None]
) -> None:
    await say(services, "đăng ký kết hôn cần giấy tờ gì", user="restart")
    await services.aclose()
    again = build_services(settings, [nlu_server[0]], nlu_server[1],
                           procedures=services.procedures, resolver=services.resolver)
    try:
        reply = await say(again, "lệ phí bao nhiêu", user="restart")
    finally:
        await again.aclose()
    assert "đăng ký kết hôn" in reply.text


async def test_degraded_mode_still_answers_from_the_knowledge_base(offline_services: Services) -> None:
    reply = await say(offline_services, "lam giay khai sinh can giay to gi")
    assert "dự phòng" in reply.text and "Giấy chứng sinh" in reply.text
    hours = await say(offline_services, "trung tâm làm việc mấy giờ")
    assert "Giờ làm việc" in hours.text
