"""Formal questions understood as asked, with the real NLU server: authority and "where to go" questions
as ask_where, "trình tự thực hiện" as ask_steps, "có được ... không" as conditions, and legal-advice
questions (definitions, how an amount is computed) not sent to a procedure intent. A letter of several
sentences is read by its question, not by the situation told before it, and a long official name by the
words around it."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.understanding import question_sentence


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Cơ quan nào có thẩm quyền giải quyết việc đăng ký giám hộ?", "ask_where"),
        ("Tôi muốn xin giấy xác nhận tình trạng hôn nhân thì tôi phải đến đâu?", "ask_where"),
        ("Thẩm quyền đăng ký tạm trú được quy định như thế nào?", "ask_where"),
        ("Trình tự thực hiện thủ tục tách hộ gồm những bước nào?", "ask_steps"),
        ("Người đang chấp hành án treo có được đăng ký kết hôn không?", "ask_conditions"),
        ("Hộ cận nghèo được hiểu là gì?", "out_of_scope"),
        ("Cách tính tiền thuê đất hằng năm như thế nào?", "out_of_scope"),
        ("Trợ cấp mai táng được tính như thế nào?", "out_of_scope"),
        (
            "Kính gửi Trung tâm. Gia đình tôi vừa chuyển về xã được hai tháng, con tôi sắp vào lớp 1. "
            "Xin hỏi tôi phải đến cơ quan nào để đăng ký thường trú cho cả nhà?",
            "ask_where",
        ),
        (
            "Tôi đã làm việc ở công ty 7 năm, tháng trước công ty cho nghỉ vì thu hẹp sản xuất. "
            "Vậy tôi có đủ điều kiện hưởng trợ cấp thất nghiệp không?",
            "ask_conditions",
        ),
        (
            "Tôi cho bạn vay tiền có giấy biên nhận, nay bạn không chịu trả. "
            "Tôi có thể khởi kiện đòi lại không và án phí là bao nhiêu?",
            "out_of_scope",
        ),
        ("thi bằng lái xe máy hết bao nhiêu tiền vậy ad", "ask_fee"),
        # A long official name's own words ("cơ chế", "trao đổi") do not make it a question about the steps.
        (
            "cấp tín chỉ các-bon theo cơ chế trao đổi bù trừ tín chỉ các-bon trong nước mất bao lâu",
            "ask_processing_time",
        ),
    ],
)
async def test_formal_question_intent(services: Services, text: str, intent: str) -> None:
    u = await services.understander.understand(text)
    assert u.nlu_used
    assert u.intent == intent, (u.intent, u.confidence)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        (
            "Kính gửi Trung tâm. Tôi bị mất giấy phép lái xe. Xin hỏi tôi cần nộp hồ sơ ở đâu? Xin cảm ơn.",
            "xin hoi toi can nop ho so o dau",
        ),
        ("Tôi muốn mở quán ăn. Hồ sơ gồm những gì? Mất bao lâu?", "ho so gom nhung gi"),
        ("Tôi ở xã Tiên Yên.\nlàm căn cước thì lên đâu ạ", "lam can cuoc thi len dau a"),
        ("làm căn cước ở đâu?", None),
        ("Tôi ở xã Tiên Yên. Xin cảm ơn Trung tâm.", None),
    ],
)
def test_the_question_of_a_letter_is_its_first_asked_sentence(text: str, question: str | None) -> None:
    assert question_sentence(text) == question
