"""The importer of national procedure records, on real samples (tests/data/dvc/) and small cases."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from knowledge_base.__main__ import main
from knowledge_base.aliases import derive_aliases
from knowledge_base.importer import NATIONAL_PATH, import_records, load_national, merge
from knowledge_base.record_parsing import parse_channels, parse_time
from knowledge_base.record_tables import (
    Vocabulary,
    parse_documents,
    parse_legal_basis,
    parse_lines,
    parse_result,
    parse_steps,
)
from knowledge_base.schema import Procedure, Source

SAMPLES = Path(__file__).parent / "data" / "dvc"
DAY = dt.date(2026, 7, 31)


def record(code: str) -> dict[str, Any]:
    (path,) = SAMPLES.glob(f"*/{code}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def channels(code: str) -> tuple[list[dict[str, Any]], list[tuple[str, str, bool]]]:
    rows, issues = parse_channels(record(code)["cach_thuc_thuc_hien"])
    return rows, [(i.field, i.kind, i.failed) for i in issues]


# -- per-channel time and fee -------------------------------------------------------------------------


def test_channel_rows_with_fee_not_given() -> None:
    rows, issues = channels("1.000178")
    assert [r["channel"] for r in rows] == ["post", "in_person"]
    assert rows[0]["time_text"] == "60 Ngày làm việc"
    assert (rows[0]["time_days"], rows[0]["time_unit"]) == (60, "working_days")
    assert rows[0]["fee_text"] == "Không có thông tin" and rows[0]["fee_amount"] is None
    assert rows[0]["description"].startswith("Thời hạn giải quyết khiếu nại lần đầu")
    assert issues == []


def test_lost_thousands_corrected_from_the_note() -> None:
    (row,), issues = channels("3.000349")
    assert row["fee_text"] == "135 VNĐ" and row["fee_amount"] == 135_000
    assert row["fee_note"] == "Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần."
    assert issues == [("fee", "lost thousands, corrected from the note", False)]


def test_free_contradicted_by_an_amount_is_unknown() -> None:
    rows, issues = channels("3.000348")
    assert {(r["fee_text"], r["fee_amount"]) for r in rows} == {("Miễn phí", None)}
    assert rows[0]["fee_note"].startswith("Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.")
    assert issues == [("fee", "'Miễn phí' but the note names an amount", True)] * 2


def test_free_with_a_fee_rule_note_is_unknown_but_plain_free_is_zero() -> None:
    rows, issues = channels("1.012751")
    assert {r["fee_amount"] for r in rows} == {None}
    assert {i[1] for i in issues} == {"'Miễn phí' but the note names a fee rule"}
    table = "Hình thức nộpThời gianPhí, lệ phíMô tả"
    rows, found = parse_channels(f"{table}Trực tiếp3 NgàyMiễn phí(Không quy định.)Trực tuyến3 NgàyMiễn phí")
    assert [r["fee_amount"] for r in rows] == [0, 0] and found == []


def test_amount_without_thousands_and_without_note_is_unknown() -> None:
    (row,), issues = channels("3.000337")
    assert row["fee_text"] == "100 VNĐ" and row["fee_amount"] is None
    assert ("fee", "implausible amount below 1,000 đồng", True) in issues
    rows, _ = channels("1.002010")  # "50 VNĐ" beside "25.000 đồng/hồ sơ": not the same amount
    assert {r["fee_amount"] for r in rows} == {None}


@pytest.mark.parametrize(
    ("code", "fee_text", "amount"),
    [("1.000014", "20 VNĐ", 20_000), ("1.000005", "20,000 VNĐ", 20_000)],
)
def test_bare_time_glued_to_the_amount(code: str, fee_text: str, amount: int) -> None:
    rows, _ = channels(code)
    assert rows[0]["time_text"] == "1" and rows[0]["time_days"] == 1 and rows[0]["time_unit"] is None
    assert (rows[0]["fee_text"], rows[0]["fee_amount"]) == (fee_text, amount)


def test_foreign_currency_and_currency_mismatch() -> None:
    rows, issues = channels("1.003358")
    assert len(rows) == 9 and {r["fee_amount"] for r in rows} == {None}
    assert {(r["channel"], r["fee_text"]) for r in rows} >= {("online", "145 USD"), ("in_person", "155 VNĐ")}
    kinds = {i[1] for i in issues}
    assert kinds == {"amount not in đồng", "currency contradicts the note (USD)"}


def test_time_in_words_and_decimal_time() -> None:
    rows, issues = channels("1.009825")
    assert [r["time_text"] for r in rows] == ["Không"] * 3 and {r["time_days"] for r in rows} == {None}
    assert {i[1] for i in issues} == {"not a duration"}
    rows, _ = channels("1.013097")
    assert rows[0]["time_days"] == 1.5 and rows[0]["fee_amount"] == 40_000


def test_bare_time_takes_its_unit_from_the_description() -> None:
    assert parse_time("5", "05 (năm) ngày làm việc kể từ ngày nhận hồ sơ")[:2] == (5, "working_days")
    assert parse_time("1", None)[:2] == (1, None)
    assert parse_time(None, None) == (None, None, None)


# -- documents, legal basis, result, steps -----------------------------------------------------------


def test_documents_plain_table() -> None:
    docs, issues = parse_documents(record("1.000178")["thanh_phan_ho_so"])
    assert len(docs) == 8 and issues == []
    assert docs[0] == {
        "name": "Tài liệu, chứng cứ do các bên cung cấp",
        "form": None,
        "copies": "1 bản chính",
        "group": None,
    }


def test_documents_template_file_and_copies() -> None:
    docs, _ = parse_documents(record("1.002010")["thanh_phan_ho_so"])
    assert docs[1]["copies"] == "1 bản sao"  # "0 bản chính,1 bản sao"
    assert docs[2] == {
        "name": "Giấy đề nghị đăng ký hoạt động theo mẫu thống nhất",
        "form": "Mẫu TP-LS-02-sđ.docx",
        "copies": "1 bản chính",
        "group": None,
    }


def test_documents_groups_from_label_rows_and_headers() -> None:
    docs, _ = parse_documents(record("1.013097")["thanh_phan_ho_so"])
    assert [d["group"] for d in docs[:3]] == [
        "Giấy tờ phải nộp",
        "Giấy tờ phải nộp",
        "Giấy tờ phải xuất trình",
    ]
    assert docs[0]["name"] == "Đơn đề nghị theo mẫu quy định;"  # the "+ " bullet is gone
    docs, issues = parse_documents(record("1.013259")["thanh_phan_ho_so"])
    assert docs[0]["group"].startswith("Hồ sơ cấp Giấy phép vận chuyển hàng hóa nguy hiểm loại 1")
    assert ("documents", "template name not separated") in {(i.field, i.kind) for i in issues}


def test_documents_copies_inside_a_name_are_not_a_column() -> None:
    docs, _ = parse_documents(record("1.003358")["thanh_phan_ho_so"])
    assert docs[0]["name"] == "02 ảnh cỡ 2x3cm (01 ảnh dán vào tờ khai, 01 ảnh rời)"
    assert docs[0]["copies"] == "2 bản chính"


def test_documents_missing_table_is_reported() -> None:
    docs, issues = parse_documents(record("1.001521")["thanh_phan_ho_so"])
    assert docs == [] and [i.kind for i in issues] == ["no documents table"]
    assert parse_documents("") == ([], [])


def test_legal_basis() -> None:
    legal, issues = parse_legal_basis(record("1.000178")["can_cu_phap_ly"])
    assert legal[1] == {"title": "Luật Khiếu nại năm 2011", "number": "02/2011/QH13"}
    assert legal[3] == {"title": "Nghị định 05/2012/NĐ-CP", "number": "05/2012/NĐ-CP"}
    assert issues == []
    numbers = [d["number"] for d in parse_legal_basis(record("1.000005")["can_cu_phap_ly"])[0]]
    assert "54/2014/QH13" in numbers  # "Luật 54/2014/QH1354/2014/QH13"
    assert parse_legal_basis(record("1.003358")["can_cu_phap_ly"])[0][0]["number"] == "23/2023/QH15"


def test_legal_basis_defects() -> None:
    legal, issues = parse_legal_basis(record("1.012751")["can_cu_phap_ly"])
    assert "118/2025/NĐ-CP" in [d["number"] for d in legal]
    assert ("number cut mid-word, completed", False) in {(i.kind, i.failed) for i in issues}
    legal, issues = parse_legal_basis(record("3.000337")["can_cu_phap_ly"])
    assert legal == [] and issues[0].kind == "no legal-basis table"
    assert parse_legal_basis("Không có thông tin") == ([], [])


def test_result_without_codes_and_page_chrome() -> None:
    result = parse_result(unicodedata.normalize("NFC", record("1.000178")["ket_qua_xu_ly"]))
    assert result == "Quyết định giải quyết khiếu nại lần 1, lần 2"
    text = "Giấy phépMã: KQ.G17.000329Văn bản từ chốiMã: KQ.G17.000328Từ khóaKhông có thông tinChọn cơ quan"
    assert parse_result(text) == "Giấy phép; Văn bản từ chối"


def test_steps_and_conditions() -> None:
    text = "+ Bước 1: Nộp hồ sơ. + Bước 2: Cơ quan\nthẩm định hồ sơ:\n- trong 5 ngày\nTừ khóa:"
    assert parse_steps(text) == ["Bước 1: Nộp hồ sơ.", "Bước 2: Cơ quan thẩm định hồ sơ:\n- trong 5 ngày"]
    assert parse_lines("a) Có vốn;\nb) Có trụ sở\nđặt tại Việt Nam.") == [
        "a) Có vốn;",
        "b) Có trụ sở đặt tại Việt Nam.",
    ]
    assert parse_lines("Không có thông tin") == [] and parse_lines("Khồng") == []


def test_text_cut_mid_word() -> None:
    vocab = Vocabulary(["chuyển dữ liệu xuyên biên giới"] * 30 + ["biên giớ"])
    assert vocab.cut_mid_word("hồ sơ chuyển dữ liệu cá nhân xuyên biên giớ")
    assert not vocab.cut_mid_word("hồ sơ chuyển dữ liệu xuyên biên giới")


def test_aliases() -> None:
    assert derive_aliases("Thủ tục đăng ký khai sinh") == ["đăng ký khai sinh"]
    assert derive_aliases("Mở khóa tài khoản định danh điện tử (thực hiện tại cấp tỉnh)") == [
        "mở khóa tài khoản định danh điện tử"
    ]
    assert derive_aliases("Khai thuế thu nhập cá nhân đối với cá nhân có thu nhập từ thừa kế") == [
        "khai thuế thu nhập cá nhân"
    ]
    assert derive_aliases("Cấp Giấy chứng nhận thực hành tốt sản xuất thuốc thú y (GMP)") == [
        "cấp Giấy chứng nhận thực hành tốt sản xuất thuốc thú y",
        "GMP",
    ]
    assert derive_aliases("Cấp lại giấy phép (cấp tỉnh)") == []  # generic
    assert derive_aliases("Đổi tên") == []


# -- the import ---------------------------------------------------------------------------------------


def test_import_is_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    result = import_records(SAMPLES, first, DAY)
    import_records(SAMPLES, second, DAY)
    assert first.read_bytes() == second.read_bytes()
    assert result.read == 16 and len(result.entries) == 16 and result.skipped == []
    again = import_records(SAMPLES, first)  # no date: the unchanged output keeps its own
    assert again.unchanged and again.day == DAY
    assert sorted(tmp_path.iterdir()) == [first, second]  # no temporary file left behind


def test_changed_records_get_a_new_import_date(tmp_path: Path) -> None:
    folder, out = tmp_path / "records", tmp_path / "out.jsonl.gz"
    shutil.copytree(SAMPLES, folder)
    import_records(folder, out, DAY)
    next(folder.glob("*/1.000178.json")).unlink()
    result = import_records(folder, out)
    assert not result.unchanged and result.day == dt.date.today()
    assert len(load_national(out)) == 15


def test_import_writes_entries_ready_for_answers(tmp_path: Path) -> None:
    out = tmp_path / "national.jsonl.gz"
    import_records(SAMPLES, out, DAY)
    lines = gzip.decompress(out.read_bytes()).decode("utf-8").splitlines()
    assert [json.loads(line)["code"] for line in lines] == sorted(json.loads(line)["code"] for line in lines)
    entries = load_national(out)
    khai_sinh = entries["1.001193"]
    assert khai_sinh.curated is False and khai_sinh.level == ["Cấp xã"]
    assert khai_sinh.online is not None and khai_sinh.online.available
    assert khai_sinh.online.url == khai_sinh.source.url == record("1.001193")["detail_url"]
    assert khai_sinh.source.imported == khai_sinh.source.checked == DAY
    assert khai_sinh.source.decision == record("1.001193")["so_quyet_dinh"]
    assert "đăng ký khai sinh" in khai_sinh.aliases
    assert entries["3.000349"].channel("in_person").fee_amount == 135_000  # type: ignore[union-attr]
    assert "raw_text" not in lines[0]


def test_malformed_records_are_skipped_and_reported(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    shutil.copytree(SAMPLES, folder)
    bad = folder / "bad"
    bad.mkdir()
    (bad / "broken.json").write_text('{"ma_thu_tuc": "1.0', encoding="utf-8")
    (bad / "nocode.json").write_text(json.dumps({**record("1.000178"), "ma_thu_tuc": ""}), encoding="utf-8")
    (bad / "nolevel.json").write_text(
        json.dumps({**record("1.000178"), "ma_thu_tuc": "9.999999", "cap_thuc_hien": ""}), encoding="utf-8"
    )
    out, report = tmp_path / "out.jsonl.gz", tmp_path / "report.txt"
    assert main(["import", str(folder), "-o", str(out), "--report", str(report), "--date", "2026-07-31"]) == 0
    codes = set(load_national(out))
    assert len(codes) == 16 and "9.999999" not in codes
    text = report.read_text(encoding="utf-8")
    assert (
        "records read:      19" in text and "entries written:   16" in text and "records skipped:   3" in text
    )
    for name, reason in [
        ("broken.json", "not readable JSON"),
        ("nocode.json", "missing code"),
        ("nolevel.json", "level"),
    ]:
        assert any(name in line and reason in line for line in text.splitlines())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl.gz", "records", "report.txt"]


def test_curated_entries_win() -> None:
    source = Source(code="1.001193", checked=DAY)
    imported = {
        "1.001193": Procedure(code="1.001193", name="Khai sinh (portal)", level=["Cấp xã"], source=source),
        "1.000178": Procedure(code="1.000178", name="Khiếu nại", level=["Cấp bộ"], source=source),
    }
    curated = {
        "1.001193": Procedure(
            code="1.001193", name="Khai sinh", level=["Cấp xã"], curated=True, source=source
        )
    }
    merged = merge(curated, imported)
    assert merged["1.001193"].curated and merged["1.001193"].name == "Khai sinh"
    assert merged["1.000178"] is imported["1.000178"] and len(merged) == 2


def test_shipped_national_file() -> None:
    entries = load_national(NATIONAL_PATH)
    assert len(entries) >= 2600
    assert not any(e.curated for e in entries.values())
