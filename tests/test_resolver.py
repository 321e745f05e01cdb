"""The procedure resolver: tone marks, typos, word order, variants, families, nothing named, scale.

Fixtures are small inline procedures (curated everyday entries next to imported
look-alikes, as the national catalogue has them) and, for scale, the shared
catalogue and the national records' names -- not the knowledge-base files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from knowledge_base.resolver import Resolution, Resolver
from knowledge_base.schema import Procedure, Source
from nlu.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CATALOG = SHARED / "catalog.yml"
RECORDS = SHARED / "data" / "dvc" / "records"
DEV_SET = SHARED / "eval" / "dev.yml"
DAY = dt.date(2026, 1, 1)


def proc(code: str, name: str, *aliases: str, curated: bool = False, level: str = "Cấp xã") -> Procedure:
    return Procedure(
        code=code,
        name=name,
        level=[part.strip() for part in level.split(",")],
        aliases=list(aliases),
        curated=curated,
        source=Source(code=code, checked=DAY),
    )


SMALL_KB = [
    # curated everyday entries (aliases as citizens say them)
    proc("1.001193", "Thủ tục đăng ký khai sinh", "làm giấy khai sinh", "khai sinh cho con", curated=True),
    proc("1.000894", "Thủ tục đăng ký kết hôn", "làm giấy đăng ký kết hôn", curated=True),
    proc("2.000806", "Thủ tục đăng ký kết hôn có yếu tố nước ngoài", "kết hôn với người nước ngoài", curated=True),
    proc("1.000656", "Thủ tục đăng ký khai tử", "khai tử", "báo tử", curated=True),
    proc(
        "1.014061", "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên", "làm căn cước", "làm CCCD lần đầu", curated=True
    ),
    proc("1.014063", "Cấp đổi thẻ căn cước", "đổi căn cước", "đổi CCCD hết hạn", curated=True),
    proc("1.014064", "Cấp lại thẻ căn cước", "mất căn cước", "làm lại CCCD bị mất", curated=True),
    proc("1.004222", "Đăng ký thường trú", "nhập hộ khẩu", "nhập khẩu cho con", curated=True),
    proc("1.004194", "Đăng ký tạm trú", "khai báo tạm trú cho người thuê trọ", curated=True),
    proc("1.011607", "Công nhận hộ nghèo, hộ cận nghèo thường xuyên hằng năm", "xin xét hộ nghèo", curated=True),
    proc(
        "1.001456",
        "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)",
        "làm hộ chiếu",
        curated=True,
        level="Cấp tỉnh",
    ),
    # imported look-alikes from the national catalogue (official names only)
    proc("1.000094", "Thủ tục đăng ký kết hôn có yếu tố nước ngoài tại khu vực biên giới"),
    proc("1.000593", "Thủ tục đăng ký kết hôn lưu động"),
    proc("1.003583", "Thủ tục đăng ký khai sinh lưu động"),
    proc("2.000528", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài"),
    proc("1.000110", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới"),
    proc("1.001766", "Thủ tục đăng ký khai tử có yếu tố nước ngoài"),
    proc("2.001195", "Cấp đổi thẻ căn cước (thực hiện tại cấp tỉnh)", level="Cấp tỉnh"),
    proc("1.001471", "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp trung ương)", level="Cấp bộ"),
    proc("1.001445", "Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp tỉnh)", level="Cấp tỉnh"),
    proc("2.000539", "Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp trung ương)", level="Cấp bộ"),
]

FAMILY = {"1.014061", "1.014063", "1.014064"}

NOTHING_NAMED = [
    "lệ phí bao nhiêu vậy",
    "trung tâm mấy giờ mở cửa",
    "xin chào",
    "hồ sơ của tôi xong chưa",
    "giá vàng hôm nay",
    "cho em hỏi thủ tục ạ",
    "cần giấy tờ gì ạ",
    "nộp ở đâu vậy ad",
    "mất bao lâu thì có kết quả",
    "làm như thế nào",
    "cảm ơn ad nhiều nhé",
    "hôm nay có mưa không",
    "tôi muốn đánh giá mức độ hài lòng",
    "",
]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver({p.code: p for p in SMALL_KB})


def resolve(resolver: Resolver, text: str, mention: str | None = None) -> Resolution:
    return resolver.resolve(normalize(text), normalize(mention) if mention is not None else None)


def top(resolution: Resolution) -> str | None:
    return resolution.candidates[0].code if resolution.kind != "none" and resolution.candidates else None


# -- spelling ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "làm giấy khai sinh",
        "lam giay khai sinh",
        "LÀM GIẤY KHAI SINH",
        "  lam   giay khai   sinh ",
        "Làm giấy khai sinh?",
    ],
)
def test_tone_marks_case_spacing_and_punctuation_do_not_matter(resolver: Resolver, text: str) -> None:
    res = resolve(resolver, text)
    assert res.kind == "confident" and top(res) == "1.001193"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("dang ky thuong truu", "1.004222"),  # doubled letter
        ("xin xét hộ nghè", "1.011607"),  # dropped letter ("nghè" for "nghèo")
        ("đăng kí kết hôn", "1.000894"),  # kí / ký
        ("dangky kethon", "1.000894"),  # glued syllables
        ("lam ho chieuu", "1.001456"),
        ("dang ki tam truu", "1.004194"),
        ("xin xet ho nghoe", "1.011607"),  # transposed letters
    ],
)
def test_typos_still_resolve(resolver: Resolver, text: str, code: str) -> None:
    assert top(resolve(resolver, text)) == code


def test_chat_abbreviations_reach_the_resolver_expanded(resolver: Resolver) -> None:
    res = resolve(resolver, "đổi cccd hết hạn mất bn tiền")
    assert res.kind == "confident" and top(res) == "1.014063"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("kết hôn đăng ký", "1.000894"),
        ("hộ chiếu làm ở đâu", "1.001456"),
        ("thường trú đăng ký cho con", "1.004222"),
        ("người nước ngoài kết hôn với", "2.000806"),
    ],
)
def test_word_order_does_not_matter(resolver: Resolver, text: str, code: str) -> None:
    assert top(resolve(resolver, text)) == code


def test_scattered_syllables_are_not_a_word(resolver: Resolver) -> None:
    # "báo" (notify) and "từ" (from) far apart are not "báo tử" (death notice).
    assert resolve(resolver, "hồ sơ nộp từ tuần trước mà chưa thấy báo gì").kind == "none"


# -- question words around the name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "đăng ký kết hôn",
        "cho em hỏi đăng ký kết hôn cần giấy tờ gì ạ",
        "lệ phí đăng ký kết hôn là bao nhiêu",
        "đăng ký kết hôn mất bao lâu",
        "dang ky ket hon nop o dau vay ad",
        "thủ tục đăng ký kết hôn làm như thế nào",
        "đăng ký kết hôn có làm online được không",
        "Kính gửi Trung tâm, xin cho biết thời hạn giải quyết hồ sơ đăng ký kết hôn. Trân trọng cảm ơn.",
    ],
)
def test_question_words_are_ignored(resolver: Resolver, text: str) -> None:
    res = resolve(resolver, text)
    assert res.kind == "confident" and top(res) == "1.000894"


@pytest.mark.parametrize("text", NOTHING_NAMED)
def test_nothing_named_resolves_to_none(resolver: Resolver, text: str) -> None:
    res = resolve(resolver, text)
    assert res.kind == "none", res


# -- variants ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("đăng ký kết hôn", "1.000894"),
        ("đăng ký khai sinh cho con", "1.001193"),
        ("đăng ký khai tử cho bố", "1.000656"),
        ("làm hộ chiếu", "1.001456"),
        ("cấp đổi thẻ căn cước", "1.014063"),  # an imported entry bears the same name
    ],
)
def test_everyday_names_resolve_to_the_curated_procedure(resolver: Resolver, text: str, code: str) -> None:
    res = resolve(resolver, text)
    assert res.kind == "confident" and top(res) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("kết hôn với người nước ngoài", "2.000806"),
        ("lấy chồng người nước ngoài thì kết hôn thế nào", "2.000806"),
        ("đăng ký kết hôn có yếu tố nước ngoài tại khu vực biên giới", "1.000094"),
        ("đăng ký kết hôn lưu động", "1.000593"),
        ("đăng ký khai sinh có yếu tố nước ngoài", "2.000528"),
        ("khai tử có yếu tố nước ngoài", "1.001766"),
    ],
)
def test_a_variant_wins_when_the_message_names_it(resolver: Resolver, text: str, code: str) -> None:
    assert top(resolve(resolver, text)) == code


def test_province_level_is_preferred_over_ministry_level_twin(resolver: Resolver) -> None:
    res = resolve(resolver, "trình báo mất hộ chiếu phổ thông")
    assert top(res) == "1.001445"
    assert "2.000539" in {c.code for c in res.candidates}


# -- families ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["căn cước", "thủ tục căn cước", "cho hỏi về cccd"])
def test_a_generic_family_name_asks_which_one(resolver: Resolver, text: str) -> None:
    res = resolve(resolver, text)
    assert res.kind == "ambiguous"
    assert {c.code for c in res.candidates} >= FAMILY


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("làm căn cước lần đầu cho con 14 tuổi", "1.014061"),
        ("đổi căn cước", "1.014063"),
        ("căn cước hết hạn phải đổi", "1.014063"),
        ("làm lại căn cước bị mất", "1.014064"),
        ("cấp lại thẻ căn cước", "1.014064"),
    ],
)
def test_a_family_member_named_by_its_qualifier_is_confident(resolver: Resolver, text: str, code: str) -> None:
    res = resolve(resolver, text)
    assert res.kind == "confident" and top(res) == code


# -- the NLU mention ------------------------------------------------------------------------------------


def test_mention_picks_the_wanted_procedure_in_a_long_message(resolver: Resolver) -> None:
    text = "Con em mới sinh đã có giấy khai sinh rồi, giờ em muốn nhập khẩu cho con thì cần gì ạ?"
    res = resolve(resolver, text, "nhập khẩu cho con")
    assert res.kind == "confident" and top(res) == "1.004222"
    res = resolve(resolver, text, "giấy khai sinh")
    assert top(res) == "1.001193"


def test_message_refines_a_short_mention(resolver: Resolver) -> None:
    res = resolve(resolver, "kết hôn với người nước ngoài thì nộp ở đâu", "kết hôn")
    assert res.kind == "confident" and top(res) == "2.000806"


def test_unknown_mention_falls_back_to_the_message(resolver: Resolver) -> None:
    res = resolve(resolver, "đăng ký kết hôn cần gì", "xyz")
    assert res.kind == "confident" and top(res) == "1.000894"


def test_mention_of_something_not_in_the_knowledge_base_is_none(resolver: Resolver) -> None:
    res = resolve(resolver, "xin giấy phép kinh doanh rượu cần gì", "giấy phép kinh doanh rượu")
    assert res.kind == "none"


# -- result shape ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["căn cước", "đăng ký kết hôn", "khai sinh", "hộ chiếu", "giá vàng"])
def test_candidates_are_ranked_scored_and_at_most_five(resolver: Resolver, text: str) -> None:
    res = resolve(resolver, text)
    scores = [c.score for c in res.candidates]
    assert len(res.candidates) <= 5
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len({c.code for c in res.candidates}) == len(res.candidates)
    names = {p.code: p.name for p in SMALL_KB}
    assert all(c.name == names[c.code] for c in res.candidates)


def test_results_are_immutable(resolver: Resolver) -> None:
    res = resolve(resolver, "đăng ký kết hôn")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.kind = "none"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.candidates[0].score = 0.0  # type: ignore[misc]


def test_empty_knowledge_base_resolves_nothing() -> None:
    assert Resolver({}).resolve(normalize("đăng ký kết hôn")) == Resolution("none", ())


# -- scale: the shared catalogue and the national records -------------------------------------------------


def _catalogue() -> dict[str, Procedure]:
    if not CATALOG.exists():
        pytest.skip(f"shared catalogue not found at {CATALOG}")
    entries = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))["procedures"]
    return {e["code"]: proc(e["code"], e["name"], *dict.fromkeys(e["colloquial"]), curated=True) for e in entries}


def _national() -> dict[str, Procedure]:
    files = sorted(RECORDS.glob("*/*.json")) if RECORDS.exists() else []
    if not files:
        pytest.skip(f"national records not found under {RECORDS}")
    out: dict[str, Procedure] = {}
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        name = " ".join(record["ten_thu_tuc"].split())
        if len(name) >= 3:
            out[record["ma_thu_tuc"]] = proc(record["ma_thu_tuc"], name, level=record["cap_thuc_hien"] or "Cấp xã")
    return out


def _dev_figures(resolver: Resolver) -> tuple[float, float]:
    if not DEV_SET.exists():
        pytest.skip(f"development set not found at {DEV_SET}")
    cases = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["cases"]
    named, nothing = [], []
    for case in cases:
        got = top(resolver.resolve(normalize(case["text"])))  # the whole message, no NLU mention
        if case["procedure"]:
            named.append(got == case["procedure"])
        elif "not_in_catalog" not in case["tags"]:
            nothing.append(got is None)
    return sum(named) / len(named), sum(nothing) / len(nothing)


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Procedure]:
    return _catalogue()


@pytest.fixture(scope="module")
def national_resolver(catalogue: dict[str, Procedure]) -> Resolver:
    procedures = _national()
    procedures.update(catalogue)  # curated entries win
    assert len(procedures) >= 2600
    return Resolver(procedures)


def test_dev_set_with_the_curated_catalogue(catalogue: dict[str, Procedure]) -> None:
    accuracy, null_accuracy = _dev_figures(Resolver(catalogue))
    assert accuracy >= 0.95 and null_accuracy >= 0.95, (accuracy, null_accuracy)


def test_dev_set_with_the_national_catalogue(national_resolver: Resolver) -> None:
    accuracy, null_accuracy = _dev_figures(national_resolver)
    assert accuracy >= 0.95 and null_accuracy >= 0.95, (accuracy, null_accuracy)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("đăng ký khai sinh", "1.001193"),
        ("dang ky ket hon", "1.000894"),
        ("kết hôn với người nước ngoài", "2.000806"),
        ("làm hộ chiếu", "1.001456"),
        ("đổi bằng lái xe", "3.000347"),
        ("cấp đổi thẻ căn cước", "1.014063"),
        ("lý lịch tư pháp", "3.000333"),
    ],
)
def test_curated_wins_among_the_national_catalogue(national_resolver: Resolver, text: str, code: str) -> None:
    res = national_resolver.resolve(normalize(text))
    assert res.kind == "confident" and top(res) == code


def test_national_catalogue_still_asks_about_a_family(national_resolver: Resolver) -> None:
    res = national_resolver.resolve(normalize("căn cước"))
    assert res.kind == "ambiguous" and top(res) in FAMILY


def test_national_catalogue_resolves_imported_procedures_by_name(national_resolver: Resolver) -> None:
    res = national_resolver.resolve(normalize("cấp giấy phép lái xe quốc tế"))
    assert top(res) == "3.000353"


# -- official names: spellings, syllables, long names, everyday names of variants -------------------------


def test_a_variant_called_by_the_everyday_name_plus_its_own_words(resolver: Resolver) -> None:
    # "làm giấy khai sinh" is the curated procedure's everyday name; "có yếu tố nước ngoài" the variant's words
    res = resolve(resolver, "làm giấy khai sinh cho con có yếu tố nước ngoài")
    assert top(res) == "2.000528"
    assert resolve(resolver, "làm giấy khai sinh cho con").candidates[0].code == "1.001193"


def test_official_abbreviations_and_numbers_are_spelled_one_way() -> None:
    kb = Resolver(
        {
            p.code: p
            for p in [
                proc("1.000001", "Cấp giấy phép hoạt động dự báo khí tượng thủy văn (cấp TW)", level="Cấp bộ"),
                proc("1.000002", "Cấp giấy phép hoạt động dự báo khí tượng thủy văn (cấp tỉnh)", level="Cấp tỉnh"),
                proc("1.000003", "Cấp tài khoản định danh điện tử mức độ 01"),
                proc("1.000004", "Cấp tài khoản định danh điện tử mức độ 02"),
            ]
        }
    )
    assert top(resolve(kb, "giấy phép dự báo khí tượng thủy văn cấp trung ương")) == "1.000001"
    assert top(resolve(kb, "tài khoản định danh điện tử mức độ 2")) == "1.000004"


def test_question_words_that_are_syllables_of_names_are_kept_beside_them() -> None:
    names = [
        "Thành lập chi nhánh ngân hàng",
        "Chấm dứt hoạt động chi nhánh ngân hàng",
        "Thay đổi địa điểm chi nhánh ngân hàng",
        "Thành lập văn phòng đại diện ngân hàng",
    ]
    kb = Resolver({f"1.00000{i}": proc(f"1.00000{i}", name) for i, name in enumerate(names)})
    index = kb._index
    assert ("chi", "nhanh") in index.kept
    assert {"chi", "nhanh"} <= set(index.query(normalize("cho em hỏi thành lập chi nhánh ngân hàng")).tokens)
    assert "chi" not in index.query(normalize("chị ơi cho em hỏi")).tokens  # the pronoun "chị" still goes
    assert top(resolve(kb, "thành lập chi nhánh ngân hàng")) == "1.000000"


def test_function_words_written_as_content_syllables_weigh_fully() -> None:
    kb = Resolver(
        {
            "1.000001": proc("1.000001", "Khai thuế đối với tài sản cho thuê"),
            "1.000002": proc("1.000002", "Đăng ký tại Sở"),
        }
    )
    index = kb._index
    weights = {t: w for p in index.phrases if p.code == "1.000001" for t, w in p.weights.items()}
    assert weights["tai"] == pytest.approx(index.full_idf["tai"])  # "tài" of "tài sản", not "tại"
    light = {t: w for p in index.phrases if p.code == "1.000002" for t, w in p.weights.items()}
    assert light["tai"] < index.full_idf["tai"]  # "tại" weighs little
