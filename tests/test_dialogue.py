"""The dialogue through the real NLU server: each intent, follow-ups, buttons, bad input."""

from __future__ import annotations

import pytest

from bot.app import Services, build_services
from bot.config import Settings
from bot.core import texts
from bot.core.messages import Incoming, Reply

pytestmark = pytest.mark.nlu


async def say(services: Services, text: str, user: str = "u1", payload: str | None = None) -> Reply:
    replies = await services.turns.run(Incoming("test", user, text, payload))
    assert replies, "the assistant must never be silent"
    return replies[0]


# Each expected fragment is in that intent's reply and in no other reply of the list (the greeting says
# "em chào", "tra cứu hồ sơ" and "đánh giá"; the help lists "phản ánh"; several replies give the phone).
INTENT_REPLIES = [
    ("chào em nhé", "Em là trợ lý ảo của"),
    ("ok vậy chào tạm biệt em", "Chúc Anh/Chị một ngày tốt lành"),
    ("em cảm ơn nhiều ạ", "không có gì ạ"),
    ("em có thể hỏi bạn những việc gì", "Hỏi thủ tục: giấy tờ cần chuẩn bị"),
    ("mình cần nói chuyện với cán bộ trực", "yêu cầu của Anh/Chị"),
    ("giá xăng hôm nay bao nhiêu", "em chỉ hỗ trợ được các câu hỏi về thủ tục"),
    ("buổi chiều trung tâm đóng cửa lúc mấy giờ", "• Địa chỉ:"),
    ("thủ tục đăng ký kết hôn", "Anh/Chị muốn xem thêm phần nào"),
    ("đăng ký kết hôn cần chuẩn bị giấy tờ gì", "hồ sơ «Thủ tục đăng ký kết hôn» gồm"),
    ("lệ phí cấp phiếu lý lịch tư pháp là bao nhiêu", "lệ phí «Cấp Phiếu Lý lịch tư pháp"),
    ("làm hộ chiếu mất mấy ngày thì có", "thời hạn giải quyết «"),
    ("khai tử cho bố thì nộp ở chỗ nào", "»:\n• Nơi nộp:"),
    ("hướng dẫn các bước tách thửa đất", "các bước thực hiện «"),
    ("đăng ký tạm trú làm online trên vneid được không", "có thể nộp trực tuyến"),
    ("muốn được công nhận hộ nghèo thì cần điều kiện gì", "điều kiện thực hiện «"),
    ("xin mẫu tờ khai đăng ký thường trú", "mẫu đơn, tờ khai"),
    ("hồ sơ của tôi nộp tuần trước giờ đến đâu rồi", "để tra cứu hồ sơ, Anh/Chị cho em xin mã hồ sơ"),
    ("tôi muốn gửi phản ánh về cán bộ", "nhắn nội dung phản ánh, kiến nghị trong một tin nhắn"),
    ("tôi muốn tham gia đánh giá mức độ hài lòng", "mã hồ sơ đã nhận kết quả"),
]


@pytest.mark.parametrize(("text", "expected"), INTENT_REPLIES)
async def test_each_intent_gets_its_answer(services: Services, text: str, expected: str) -> None:
    reply = await say(services, text)
    assert expected in reply.text
    others = [e for t, e in INTENT_REPLIES if t != text]
    assert [e for e in others if e in reply.text] == [], "the reply must not also read as another intent's"


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
    if not any(ch.isalpha() for ch in text):  # nothing to understand: asked to type words, with the menu
        assert reply.text == texts.TYPE_WORDS and reply.buttons
    after = await say(services, "xin chào", user="odd")
    assert after.text == texts.greet(services.office)


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
