"""Short forms that name a family, and questions that name a procedure only by its content, on the real records.

A head such as "giải quyết hưởng trợ cấp" starts several official names; carried as an alias by
one of them, it answered every benefit question (unemployment benefit, which the catalogue does
not hold, included) with that one. A question that describes the situation instead of the name
is searched in the records' own text and offered as a choice.
"""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.messages import Incoming
from bot.core.texts import CONFIRM_OTHER, CONFIRM_YES
from knowledge_base.aliases import naming_families
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure
from tests.test_resolver_catalogue import resolve


def test_a_head_several_names_start_with_is_not_an_alias(knowledge: dict[str, Procedure]) -> None:
    teachers = knowledge["1.001646"]  # "Giải quyết hưởng trợ cấp đối với nhà giáo đã nghỉ hưu ..."
    assert "giải quyết hưởng trợ cấp" not in [a.casefold() for a in teachers.aliases]
    # The name less its level stays: "Thủ tục đăng ký khai sinh" is the plain birth registration.
    assert "đăng ký khai sinh" in knowledge["1.001193"].aliases


def test_a_shortening_inside_other_names_names_a_family() -> None:
    entries = [
        ("Giải quyết hưởng trợ cấp đối với nhà giáo", ["giải quyết hưởng trợ cấp"]),
        ("Giải quyết hưởng trợ cấp một lần đối với người ra nước ngoài", ["giải quyết hưởng trợ cấp một lần"]),
        ("Thủ tục đăng ký khai sinh", ["đăng ký khai sinh"]),
        ("Đăng ký khai sinh có yếu tố nước ngoài", []),
    ]
    assert naming_families(entries) == [{"giải quyết hưởng trợ cấp"}, set(), set(), set()]


@pytest.mark.parametrize(
    "text",
    [
        "Giải quyết hưởng trợ cấp thất nghiệp cần những giấy tờ gì?",
        "hồ sơ hưởng trợ cấp thất nghiệp gồm những gì",
    ],
)
def test_a_family_head_is_not_answered_with_one_of_them(resolver: Resolver, text: str) -> None:
    r = resolve(resolver, text)
    assert not (r.kind == "confident" and r.candidates[0].code == "1.001646"), r


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # back pay of a pension whose holder died ("Truy lĩnh lương hưu ... của người hưởng đã chết")
        (
            "Bố tôi đang lĩnh lương hưu thì mất, còn hai tháng lương chưa lĩnh, gia đình muốn nhận số tiền đó "
            "thì cần giấy tờ gì?",
            "2.000717",
        ),
        # temporary residence registration, described by a tenant
        (
            "Tôi thuê trọ để đi làm ở thành phố hơn một tháng, chủ nhà bảo phải khai báo nơi ở với công an "
            "phường, cần mang theo gì?",
            "1.004194",
        ),
    ],
)
def test_a_situation_described_finds_its_procedure_among_the_offers(resolver: Resolver, text: str, code: str) -> None:
    r = resolve(resolver, text)
    assert r.kind == "ambiguous" and code in [c.code for c in r.candidates], r


async def test_one_procedure_left_is_confirmed_not_listed_alone(routed_services: Services) -> None:
    # The records' text offers one procedure, not with the confidence of a name said outright. A one-button
    # "which procedure?" reads oddly: it is asked to confirm.
    text = (
        "Tôi là giáo viên đã nghỉ hưu nhưng lương hưu chưa được tính phụ cấp thâm niên, đề nghị giải quyết thì "
        "nộp ở đâu?"
    )
    reply = (await routed_services.turns.run(Incoming("test", "u1", text, None)))[0]
    assert reply.text.startswith("Dạ, có phải") and "nhà giáo" in reply.text, reply
    assert [b.label for b in reply.buttons] == [CONFIRM_YES, CONFIRM_OTHER]
    yes = (await routed_services.turns.run(Incoming("test", "u1", "", reply.buttons[0].payload)))[0]
    assert "nhà giáo" in yes.text, yes
    other = (await routed_services.turns.run(Incoming("test", "u2", text, None)))[0]
    assert (await routed_services.turns.run(Incoming("test", "u2", "", other.buttons[1].payload)))[0].buttons


async def test_a_far_weaker_served_procedure_does_not_replace_the_one_asked_about(routed_services: Services) -> None:
    # The e-signature certificate's extension is a ministry procedure; a building permit's extension (served
    # here) came in on "gia hạn" alone: it is not confirmed in its place, the list stays whole.
    text = "Chứng thư chữ ký số của cơ quan tôi sắp hết thời hạn sử dụng, muốn kéo dài thêm thì làm thế nào?"
    reply = (await routed_services.turns.run(Incoming("test", "u1", text, None)))[0]
    assert not reply.text.startswith("Dạ, có phải"), reply
    assert any("chứng thư" in b.label.lower() for b in reply.buttons), reply
