"""Citizens' words for official terms (knowledge_base/synonyms.yml), on the real knowledge base.

A citizen who says "chia mảnh đất", "giấy xác nhận không có án tích" or "chứng thư số" names a
procedure whose record says "tách thửa", "Phiếu lý lịch tư pháp", "chứng thư chữ ký điện tử":
the procedure must be found (answered or offered), and between siblings the action the citizen
asks for ("nghỉ bán 3 tháng": suspend; "đóng cửa hẳn": close) must decide.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.loader import KnowledgeBaseError
from knowledge_base.resolver import Resolution, Resolver
from knowledge_base.resolver_tones import keep_tones
from knowledge_base.synonyms import Synonyms, load_synonyms
from nlu.normalize import normalize


def resolve(resolver: Resolver, text: str) -> Resolution:
    return resolver.resolve(normalize(text), original=text)


def codes(r: Resolution) -> list[str]:
    return [c.code for c in r.candidates] if r.kind != "none" else []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tôi muốn chia mảnh đất của gia đình thành hai phần để cho hai con, thủ tục làm thế nào?", "1.012784"),
        ("Vợ chồng tôi muốn nhận đứa cháu làm con nuôi, thủ tục ở xã như thế nào?", "2.001263"),
        ("Chứng thư số của cơ quan tôi sắp hết hạn, muốn gia hạn thì làm thế nào?", "1.000218"),
    ],
)
def test_a_procedure_said_in_citizens_words_is_answered(resolver: Resolver, text: str, code: str) -> None:
    r = resolve(resolver, text)
    assert r.kind == "confident" and codes(r)[0] == code, r


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # named only by what the record says: "án tích" is in the record of the criminal-record extract
        ("Tôi cần giấy xác nhận không có án tích để nộp hồ sơ xin việc, làm ở đâu ạ?", "3.000333"),
        (
            "Bố mẹ cháu tôi đều đã mất, tôi là bác ruột muốn đứng ra chăm sóc và làm người đại diện theo pháp "
            "luật cho cháu thì phải đăng ký gì?",
            "1.004837",
        ),
        (
            "Tôi muốn khai thác nước giếng khoan cho nhà máy khoảng 500 m3 mỗi ngày đêm, phải xin giấy phép gì?",
            "1.004223",
        ),
    ],
)
def test_a_procedure_described_by_its_content_is_found(resolver: Resolver, text: str, code: str) -> None:
    r = resolve(resolver, text)
    assert code in codes(r), r
    assert r.kind != "confident" or codes(r)[0] == code, r


@pytest.mark.parametrize(
    ("text", "code", "sibling"),
    [
        # suspending a household business is not closing it, and the other way round
        (
            "Hộ kinh doanh của tôi muốn nghỉ bán 3 tháng rồi mở lại, có phải báo cơ quan nào không?",
            "1.001570",
            "1.001266",
        ),
        ("Tôi muốn đóng cửa hẳn hộ kinh doanh, không buôn bán nữa thì làm thế nào?", "1.001266", "1.001570"),
        # a lost land certificate is re-issued, not registered for the first time
        ("Sổ hồng nhà tôi bị thất lạc khi chuyển nhà, xin hỏi thủ tục cấp lại như thế nào?", "1.012786", "1.013978"),
        # more time on a building permit is its extension, not a new permit
        (
            "Giấy phép xây dựng nhà ở của tôi sắp hết hạn mà chưa khởi công được, xin kéo dài thêm thời gian thì làm "
            "thủ tục gì?",
            "1.013227",
            "1.013225",
        ),
        ("Tôi làm mất bằng lái xe máy, xin làm lại cần những gì?", "3.000348", "3.000346"),
    ],
)
def test_the_sibling_asked_for_leads(resolver: Resolver, text: str, code: str, sibling: str) -> None:
    r = resolve(resolver, text)
    assert codes(r) and codes(r)[0] == code, r
    assert r.kind != "confident" or sibling != codes(r)[0]


def test_a_new_id_card_on_the_land_certificate_is_a_change_registration(resolver: Resolver) -> None:
    text = (
        "Tôi vừa đổi sang thẻ căn cước mới, số định danh khác số chứng minh thư cũ ghi trên sổ đỏ. Có phải làm "
        "thủ tục cập nhật thông tin trên giấy chứng nhận quyền sử dụng đất không?"
    )
    r = resolve(resolver, text)
    assert "1.013833" in codes(r), r  # Đăng ký biến động ... thay đổi thông tin về người sử dụng đất
    assert r.kind != "confident" or codes(r)[0] == "1.013833", r


def test_the_everyday_name_still_answers_as_before(resolver: Resolver) -> None:
    # "mất sổ đỏ" is an everyday alias of the re-issue: reading "sổ đỏ" as the official term must not lose it
    r = resolve(resolver, "mất sổ đỏ thì làm lại thế nào")
    assert r.kind == "confident" and codes(r)[0] == "1.012786", r


def test_rewrite_replaces_phrases_longest_first_and_keeps_the_toned_reading_aligned() -> None:
    table = Synonyms({"tách thửa đất": ["chia đất", "chia mảnh đất"], "đăng ký nuôi con nuôi": ["nhận … làm con"]})
    assert table.rewrite("muon chia manh dat cho con") == ("muon tach thua dat cho con", None)
    plain, toned = table.rewrite("muon nhan dua chau lam con", "muốn nhận đứa cháu làm con") or ("", None)
    assert plain == "muon dang ky nuoi con nuoi"
    assert toned is not None and toned.split()[0] == "muốn" and len(toned.split()) == len(plain.split())
    assert table.rewrite("lam giay khai sinh") is None
    assert table.rewrite("nhan lam con") is None  # "…" stands for at least one word


def test_the_shipped_table_loads_and_a_malformed_one_is_reported(tmp_path: Path) -> None:
    assert load_synonyms().rewrite(normalize("bằng lái xe bị mất")) == ("giay phep lai xe bi mat", None)
    bad = tmp_path / "synonyms.yml"
    bad.write_text("tách thửa đất: chia đất\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"synonyms\.yml"):
        load_synonyms(bad)


def test_a_phrase_is_not_read_into_a_toned_word_it_only_folds_to() -> None:
    table = load_synonyms()
    # "sơ đồ" (a site plan) folds to "so do" like "sổ đỏ": with its tone marks it is not the land certificate
    text = "Bản vẽ sơ đồ vị trí thửa đất có bắt buộc không?"
    assert table.rewrite(normalize(text), keep_tones(text)) is None
    text = "Sổ đỏ bị mất thì làm sao?"
    assert table.rewrite(normalize(text), keep_tones(text)) is not None
