"""The dialogue's routing on the fake understander (fast tier): each kind of message reaches its answer.

Understanding itself is measured on the real Rasa server (test_dialogue.py, marker ``nlu``).
"""

from __future__ import annotations

from bot.app import Services
from bot.core import texts
from bot.core.messages import Incoming, Reply


async def say(services: Services, text: str, user: str = "u1", payload: str | None = None) -> Reply:
    replies = await services.turns.run(Incoming("test", user, text, payload))
    assert replies, "the assistant must never be silent"
    return replies[0]


async def test_a_greeting_is_greeted_with_the_menu_and_thanks_are_acknowledged(routed_services: Services) -> None:
    hello = await say(routed_services, "xin chào")
    assert hello.text == texts.greet(routed_services.office) and hello.buttons
    assert (await say(routed_services, "cảm ơn em nhiều")).text == texts.THANK


async def test_a_follow_up_keeps_the_procedure(routed_services: Services) -> None:
    first = await say(routed_services, "đăng ký kết hôn cần giấy tờ gì")
    assert "hồ sơ «Thủ tục đăng ký kết hôn» gồm" in first.text
    fee = await say(routed_services, "còn lệ phí thì sao")
    assert "lệ phí «Thủ tục đăng ký kết hôn»" in fee.text


async def test_the_menu_button_for_the_dossier_lookup_asks_for_the_code(routed_services: Services) -> None:
    reply = await say(routed_services, "", payload="m:check_dossier_status")
    assert "mã hồ sơ" in reply.text and texts.greet(routed_services.office) != reply.text


async def test_words_only_emoji_are_asked_to_be_typed(routed_services: Services) -> None:
    assert (await say(routed_services, "😀🙏")).text == texts.TYPE_WORDS


async def test_a_typed_yes_to_is_it_this_one_answers_the_question_asked(routed_services: Services) -> None:
    text = (
        "Tôi là giáo viên đã nghỉ hưu nhưng lương hưu chưa được tính phụ cấp thâm niên, đề nghị giải quyết thì "
        "nộp ở đâu?"
    )
    asked = await say(routed_services, text, user="yes")
    assert asked.text.startswith("Dạ, có phải") and asked.buttons[0].label == texts.CONFIRM_YES
    yes = await say(routed_services, "đúng rồi", user="yes")
    assert "nhà giáo" in yes.text and "Nguồn:" in yes.text, yes.text
    again = await say(routed_services, text, user="no")
    assert (await say(routed_services, "dung roi", user="no")).text == yes.text  # without tone marks too
    assert again.buttons
