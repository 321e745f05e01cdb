"""Dated fees and times with units: the importer's reading of the portal's notes and what an answer
says on a given day (no NLU: the conversations are in test_facts_conversations.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

import pytest

from bot.app import warn_unconfirmed
from bot.core import answers, terms
from knowledge_base.importer import build_entry, load_national
from knowledge_base.loader import load_office
from knowledge_base.record_parsing import parse_time
from knowledge_base.record_rates import read_rates
from knowledge_base.record_tables import Vocabulary
from knowledge_base.schema import ChannelTerms, Procedure

RECORDS = Path(__file__).parents[1] / ".." / "shared" / "data" / "dvc" / "records"
TODAY = dt.date(2026, 12, 5)
AFTER = dt.date(2027, 1, 4)


def _record_entry(ministry: str, code: str) -> Procedure:
    record = json.loads((RECORDS / ministry / f"{code}.json").read_text(encoding="utf-8"))
    entry, _ = build_entry(record, Vocabulary([]))
    entry["source"].update(checked=TODAY, imported=TODAY)
    return Procedure.model_validate(entry)


def test_a_halved_rate_beside_the_full_fee_applies_until_its_end_then_the_full_fee() -> None:
    p = _record_entry("bo-tu-phap", "1.000688")  # 800.000 đ stored; 400.000 đ until 31/12/2026
    online = p.channel("online")
    assert online is not None and online.fee_amount == 800000
    assert [(r.amount, r.start, r.end, r.basis) for r in online.fee_rates] == [
        (400000, dt.date(2025, 7, 1), dt.date(2026, 12, 31), "Thông tư 64/2025/TT-BTC")
    ]
    now, later = terms.fee_phrase(online, TODAY), terms.fee_phrase(online, AFTER)
    assert now is not None and now.startswith("400.000 đồng") and "31/12/2026" in now
    assert later == "800.000 đồng"


def test_an_expired_rate_stored_as_the_fee_is_never_shown_as_current() -> None:
    p = _record_entry("bo-cong-an", "1.001200")  # online 40.000 đ "đến hết 31/12/2024"
    online = p.channel("online")
    assert online is not None and online.fee_amount is None
    phrase = terms.fee_phrase(online, TODAY)
    assert phrase is not None and phrase.startswith("chưa rõ mức thu hiện hành")
    assert "đến hết 31/12/2024" in phrase


def test_a_rate_after_its_own_legal_basis_is_told_apart_from_the_standing_fee() -> None:
    p = _record_entry("bo-cong-an", "1.014904")  # "- 50.000đ (TT 25/2021). - 25.000đ (đến hết 31/12/2026 …)"
    row = p.channel("in_person")
    assert row is not None and row.fee_amount == 50000
    assert [r.amount for r in row.fee_rates] == [25000]


def test_a_period_stated_before_its_share_reads_the_share() -> None:
    note = "70.000 đồng/thẻ.  Kể từ ngày 01/01/2025 đến hết ngày 31/12/2025, mức thu bằng 50% mức thu quy định"
    dated = read_rates(note, 70000)
    assert dated.standing == 70000
    assert [(r["amount"], r["start"], r["end"]) for r in dated.rates] == [
        (35000, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    ]


def test_a_note_without_an_amount_for_its_period_is_reported() -> None:
    dated = read_rates("áp dụng đến hết ngày 31/12/2026 theo Thông tư số 64/2025/TT-BTC", None)
    assert dated.rates == [] and dated.issue is not None
    assert dated.issue.kind == "dated rate not readable, left as see the source"


@pytest.mark.parametrize(
    ("cell", "description", "steps", "expected"),
    [
        ("3 Ngày", "Trong thời hạn 03 ngày làm việc kể từ ngày nhận hồ sơ", "", (3.0, "working_days")),
        ("5", "Giải quyết trong 5 ngày làm việc", "", (5.0, "working_days")),
        ("2", None, "Bước 3: trong 02 ngày làm việc cơ quan thẩm định", (2.0, "working_days")),
        ("1", "Nộp hồ sơ tại bộ phận một cửa, giờ hành chính các ngày làm việc", "", (1.0, "working_days")),
        ("20", "Nộp hồ sơ trực tiếp", "", (20.0, None)),
    ],
)
def test_a_bare_time_takes_its_unit_only_from_the_records_own_text(
    cell: str, description: str | None, steps: str, expected: tuple[float, str | None]
) -> None:
    days, unit, _ = parse_time(cell, description, steps)
    assert (days, unit) == expected


def test_a_time_without_a_unit_is_said_to_be_not_stated() -> None:
    row = ChannelTerms(channel="in_person", time_text="20", time_days=20)
    assert terms.time_phrase(row) == terms.TIME_NOT_STATED


def test_the_imported_catalogue_prints_no_bare_time_and_no_ended_rate_as_current() -> None:
    national = load_national()
    bare, stale = [], []
    for p in national.values():
        for c in p.channels:
            time = terms.time_phrase(c)
            if time is not None and re.fullmatch(r"[\d.,\s]+", time):
                bare.append(p.code)
            ended = {r.amount for r in c.fee_rates if r.end and r.end < TODAY}
            current = c.rate_on(TODAY)
            shown = current.amount if current else c.fee_amount
            if shown is not None and shown in ended and not (current and current.amount == shown):
                stale.append(p.code)
    assert bare == []
    assert stale == []
    assert any(c.fee_rates for p in national.values() for c in p.channels)


def test_unconfirmed_office_details_are_not_presented_as_the_centres_own() -> None:
    office = load_office(Path(__file__).parents[1] / "knowledge_base" / "office.yml")
    assert set(office.unconfirmed) >= {"hotline", "address", "hours"}
    text = answers.office_info(office)
    assert "Đường dây nóng" not in text
    assert "1800 1096 của Cổng Dịch vụ công quốc gia" in text
    assert text.count("chưa được Trung tâm xác nhận") == 2  # address and hours


def test_start_up_warns_about_unconfirmed_office_details(caplog: pytest.LogCaptureFixture) -> None:
    office = load_office(Path(__file__).parents[1] / "knowledge_base" / "office.yml")
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        warn_unconfirmed(office)
        warn_unconfirmed(office.model_copy(update={"unconfirmed": []}))
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "hotline, address, hours" in warnings[0]


def test_a_rate_without_amount_or_wording_or_with_its_end_before_its_start_is_refused() -> None:
    with pytest.raises(ValueError, match="amount or a text"):
        ChannelTerms(channel="online", fee_rates=[{"end": "2026-12-31"}])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="start is after end"):
        ChannelTerms(channel="online", fee_rates=[{"amount": 1000, "start": "2027-01-01", "end": "2026-12-31"}])  # type: ignore[list-item]


def test_an_amount_that_lost_its_thousands_is_quoted_as_the_record_says_never_as_the_fee() -> None:
    p = _record_entry("bo-tu-phap", "1.008628")  # online "800 Việt Nam Đồng"; the other channels 800.000 đ
    online = p.channel("online")
    assert online is not None and online.fee_amount is None
    now, later = terms.fee_phrase(online, TODAY), terms.fee_phrase(online, AFTER)
    assert now is not None and now.startswith("400.000 đồng")
    assert "Từ 01/01/2027: trang thủ tục ghi «800 Việt Nam Đồng», con số này có thể bị lỗi" in now
    assert later is not None and later.startswith("chưa rõ mức thu hiện hành")


def test_free_beside_a_note_naming_a_fee_rule_is_said_with_the_note() -> None:
    p = _record_entry("bo-tai-chinh", "1.001570")  # "Miễn phí(Mức lệ phí (nếu có) theo quy định của HĐND …)"
    text = answers.fee(p, TODAY)
    assert "trang thủ tục ghi «Miễn phí», kèm ghi chú: Mức lệ phí (nếu có)" in text
    assert text.count("Hội đồng nhân dân") == 1  # every channel says so: one line, not three


def test_the_note_of_an_ended_rate_still_gives_the_rates_by_case() -> None:
    p = _record_entry("bo-cong-an", "3.000346")  # the driving-licence record: test fees only in the note
    text = answers.fee(p, TODAY)
    assert "chưa rõ mức thu hiện hành" in text and "Sát hạch lý thuyết: 60.000 đồng/lần" in text


def test_where_to_file_comes_from_the_steps_when_the_record_names_no_place() -> None:
    p = _record_entry("bo-tu-phap", "2.001019")  # a will certified at the commune: no place, no agency
    assert p.where is None and p.agency is None
    assert "Trung tâm Phục vụ hành chính công cấp xã" in answers.where(p, TODAY)
    fee = answers.fee(p, TODAY)
    assert "• Nộp trực tiếp, trực tuyến hoặc qua bưu chính: 50.000 đồng/di chúc" in fee


def test_a_form_named_only_in_its_document_is_offered_once_and_other_channels_beside_online() -> None:
    p = _record_entry("bo-nong-nghiep-mt", "1.012786")  # "Đơn … theo Mẫu số 18", listed for two cases
    forms = answers.forms(p, TODAY)
    assert "Mẫu số 18" in forms and forms.count("Mẫu số 18") == 1
    assert "Ngoài ra Anh/Chị có thể nộp trực tiếp hoặc qua bưu chính" in answers.online(p, TODAY)


def test_times_that_differ_by_case_name_their_case_and_a_curated_wording_is_not_quoted_as_a_lost_amount() -> None:
    p = _record_entry("bo-cong-an", "1.013067")  # three in-person rows: 7 working days, 1 hour, 2 working days
    text = answers.processing_time(p, TODAY)
    assert "• Nộp trực tiếp: 1 giờ (Cấp mới biển số xe: Cấp ngay" in text
    assert "• Nộp trực tiếp: 2 ngày làm việc (Cấp chứng nhận đăng ký xe" in text
    curated = ChannelTerms(channel="in_person", fee_text="Hồ sơ chưa ghi mức thu (10.000 đồng khi theo danh sách)")
    assert terms.fee_phrase(curated, TODAY) == curated.fee_text
