"""Formal questions understood as asked, with the real NLU server: authority and "where to go" questions
as ask_where, "trình tự thực hiện" as ask_steps, "có được ... không" as conditions, and legal-advice
questions (definitions, how an amount is computed) not sent to a procedure intent."""

from __future__ import annotations

import pytest

from bot.app import Services


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
    ],
)
async def test_formal_question_intent(services: Services, text: str, intent: str) -> None:
    u = await services.understander.understand(text)
    assert u.nlu_used
    assert u.intent == intent, (u.intent, u.confidence)
