"""Everyday names and the centre's levels, on the knowledge base the assistant loads (33 curated entries
over the 2,642 national records).

A citizen names a procedure by what happened to a paper and what they want done with it ("mất sổ đỏ",
"gia hạn giấy phép xây dựng"); siblings on one paper differ only by that action, and the wrong sibling
answered with confidence gives the wrong documents and fee. A "which procedure?" list offers only the
variants the centre receives (``centre.serves_levels``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from knowledge_base.everyday import EverydayNames, load_everyday, with_everyday
from knowledge_base.importer import NATIONAL_PATH, load_national
from knowledge_base.loader import KnowledgeBaseError
from knowledge_base.resolver import Resolution, Resolver
from knowledge_base.resolver_levels import served
from knowledge_base.schema import Procedure
from nlu.normalize import normalize


def resolve(resolver: Resolver, text: str) -> Resolution:
    return resolver.resolve(normalize(text), original=text)


# Pairs of siblings: the same paper, the action decides.
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tôi bị mất sổ đỏ thì làm lại thế nào?", "1.012786"),  # Cấp lại Giấy chứng nhận do bị mất
        ("mat so do lam lai o dau", "1.012786"),
        ("Làm mất giấy chứng nhận quyền sử dụng đất phải làm gì", "1.012786"),
        ("làm sổ đỏ lần đầu cần giấy tờ gì", "1.013978"),  # ... not the first registration
        ("Sổ đỏ nhà em bị rách thì làm sao", "1.012783"),  # Cấp đổi Giấy chứng nhận
        ("sổ đỏ bị hư hỏng thì đổi thế nào", "1.012783"),
        ("Tạm ngừng kinh doanh hộ kinh doanh cần làm gì", "1.001570"),
        ("hộ kinh doanh muốn tạm nghỉ kinh doanh 3 tháng", "1.001570"),
        ("chấm dứt hộ kinh doanh", "1.001266"),  # ... not its sibling, the suspension
        ("Gia hạn giấy phép xây dựng nộp ở đâu", "1.013227"),
        ("xin giấy phép xây dựng nhà ở", "1.013225"),  # ... not the extension
        ("Tôi làm CCCD mới rồi, giờ cập nhật sổ đỏ thế nào", "1.013833"),  # Đăng ký biến động
        ("đổi CCCD rồi thì cập nhật sổ đỏ thế nào", "1.013833"),
    ],
)
def test_the_sibling_the_action_names_is_answered(resolver: Resolver, text: str, code: str) -> None:
    r = resolve(resolver, text)
    assert r.kind == "confident", r
    assert r.candidates[0].code == code, r


def test_everyday_names_carry_the_national_codes_they_say(knowledge: dict[str, Procedure]) -> None:
    names = load_everyday()
    assert names
    national = load_national(NATIONAL_PATH)
    for code, entry in names.items():
        assert code in national, code
        assert national[code].name.casefold().startswith(entry.name.casefold()), code
        assert {a.casefold() for a in entry.aliases} <= {a.casefold() for a in knowledge[code].aliases}


def test_a_mistyped_code_is_reported_not_learnt(knowledge: dict[str, Procedure], tmp_path: Path) -> None:
    wrong = {"1.013978": EverydayNames(name="Cấp lại Giấy chứng nhận do bị mất", aliases=["mất sổ đỏ"])}
    with pytest.raises(KnowledgeBaseError, match=r"1\.013978"):
        with_everyday(knowledge, wrong)
    bad = tmp_path / "everyday.yml"
    bad.write_text("'1.012786':\n  name: Cấp lại\n  aliases: []\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"1\.012786"):
        load_everyday(bad)


def test_a_list_offers_only_what_the_centre_receives(resolver: Resolver, knowledge: dict[str, Procedure]) -> None:
    levels = load_settings().centre.serves_levels
    r = resolve(resolver, "cấp thẻ bảo hiểm y tế")
    assert r.kind == "ambiguous" and "1.003116" in [c.code for c in r.candidates]  # the central-level twin
    offered = served(r.candidates, knowledge, levels)
    codes = [c.code for c in offered.candidates]
    assert codes[0] == "2.000639" and "1.003116" not in codes and offered.answer is None


def test_a_level_twin_alone_beside_the_centres_one_is_no_choice(
    resolver: Resolver, knowledge: dict[str, Procedure]
) -> None:
    r = resolve(resolver, "cấp lại thẻ bảo hiểm y tế")
    assert r.kind == "ambiguous"
    offered = served(r.candidates, knowledge, load_settings().centre.serves_levels)
    assert offered.answer is not None and offered.answer.code == "1.001294"  # "(thực hiện tại cấp tỉnh)"


def test_a_list_the_centre_serves_none_of_stays_whole(resolver: Resolver, knowledge: dict[str, Procedure]) -> None:
    r = resolve(resolver, "cấp lại thẻ bảo hiểm y tế")
    offered = served(r.candidates, knowledge, ["Cấp huyện"])
    assert offered.candidates == r.candidates and offered.answer is None
