"""Exports: formula injection neutralised, anonymous variant, sheets and numbers, CLI with audit and BOM."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from survey_fixtures import CODE, add_response

from bot.app import Services
from bot.features.surveys.export import ExportRequest, export, iter_rows, neutralise
from surveys.index import compute

HAPPY = {"danh_gia_chung": "very_satisfied", "tiep_can": "5", "thu_tuc": "4", "cong_chuc": "5", "ket_qua": "4",
         "phan_anh": "na", "cai_thien": "thoi_gian"}
HOSTILE = ("=1+1", "+SUM(A1:A9)", "-2+3", "@cmd", "\t=x", "\r=x", "=HYPERLINK(\"http://evil\",\"x\")")
REQ = ExportRequest(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "short")


@pytest.mark.parametrize("value", HOSTILE)
def test_cells_that_start_a_formula_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Hài lòng", "a=b", "", 5, -3, None, dt.date(2026, 11, 1)])
def test_other_cells_pass_unchanged(value: object) -> None:
    assert neutralise(value) == value


async def _hostile_data(svc: Services) -> None:
    for i, text in enumerate(HOSTILE):
        await add_response(svc, {**HAPPY, "gop_y": text}, user_id=f"citizen-{i}", ticket_text=text,
                           unit="=cmd|' /C calc'!A0" if i == 0 else "Trung tâm Phục vụ hành chính công")


async def test_formula_injection_in_csv_and_xlsx(svc: Services, tmp_path: Path) -> None:
    await _hostile_data(svc)
    async with svc.sessions() as session:
        await export(session, svc.surveys.service.form, REQ, "csv", tmp_path / "e.csv")  # type: ignore[union-attr]
        await export(session, svc.surveys.service.form, REQ, "xlsx", tmp_path / "e.xlsx")  # type: ignore[union-attr]
    raw = (tmp_path / "e.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    comments = [r[rows[0].index("8. Góp ý thêm")] for r in rows[1:]]
    assert comments == ["'" + h for h in HOSTILE]
    assert rows[1][rows[0].index("Đơn vị")] == "'=cmd|' /C calc'!A0"
    assert rows[1][rows[0].index("2. Tiếp cận dịch vụ")] == "5"
    wb = load_workbook(tmp_path / "e.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (ws.title, cell.value)
    tickets = list(wb["Phản ánh, kiến nghị"].iter_rows(values_only=True))
    # With lxml the carriage return is kept (&#13;); what matters is the leading apostrophe.
    shown = {t[tickets[0].index("Nội dung phản ánh")] for t in tickets[1:]}
    assert shown == {"'" + h for h in HOSTILE}


async def test_anonymous_export_has_no_identifying_column(svc: Services, tmp_path: Path) -> None:
    await add_response(svc, {**HAPPY, "gop_y": "Tôi là Nguyễn Văn An, số 0912345678"}, ticket_text="Gọi tôi nhé")
    req = ExportRequest(REQ.start, REQ.end, "short", anonymous=True)
    async with svc.sessions() as session:
        await export(session, svc.surveys.service.form, req, "xlsx", tmp_path / "a.xlsx")  # type: ignore[union-attr]
        await export(session, svc.surveys.service.form, req, "csv", tmp_path / "a.csv")  # type: ignore[union-attr]
    wb = load_workbook(tmp_path / "a.xlsx")
    responses = list(wb["Phiếu trả lời"].iter_rows(values_only=True))
    tickets = list(wb["Phản ánh, kiến nghị"].iter_rows(values_only=True))
    csv_rows = list(csv.reader(io.StringIO((tmp_path / "a.csv").read_text(encoding="utf-8-sig"))))
    identifying = {"Mã phiếu", "Thời điểm gửi", "Tài khoản chat", "Mã hồ sơ", "8. Góp ý thêm", "Nội dung phản ánh",
                   "Thời điểm tạo"}
    for header in (responses[0], tickets[0], csv_rows[0]):
        assert not identifying & set(header)
    everything = [str(v) for table in (responses, tickets, csv_rows) for row in table for v in row]
    for secret in ("citizen-1", CODE, "Nguyễn Văn An", "0912345678", "Gọi tôi nhé"):
        assert not any(secret in v for v in everything), secret
    day = responses[1][responses[0].index("Ngày gửi")]
    assert (day.hour, day.minute) == (0, 0)  # the day only
    assert csv_rows[1][0] == "2026-11-27"


async def test_sheets_numbers_and_streaming(svc: Services, tmp_path: Path) -> None:
    for values in (HAPPY, {**HAPPY, "tiep_can": "2", "danh_gia_chung": "dissatisfied"}):
        await add_response(svc, values)
    await add_response(svc, {**HAPPY, "tiep_can": "1"}, submitted=None)  # a draft: never exported
    await add_response(svc, HAPPY, submitted=dt.datetime(2026, 10, 31, 16, 59, tzinfo=dt.UTC))  # 31/10 in Vietnam
    async with svc.sessions() as session:
        form = svc.surveys.service.form  # type: ignore[union-attr]
        streamed = [r.id async for r in iter_rows(session, REQ, [q.id for q in form.questions], page=1)]
        result = await export(session, form, REQ, "xlsx", tmp_path / "e.xlsx")
    assert len(streamed) == result.rows == 2 and streamed == sorted(streamed)
    assert compute(form, result.aggregates.overall).elements["tiep_can"].value == 50.0
    wb = load_workbook(tmp_path / "e.xlsx")
    assert wb.sheetnames == ["Phiếu trả lời", "Chỉ số SIPAS", "Tỷ lệ QĐ 766", "Phản ánh, kiến nghị", "Thông tin"]
    sipas: dict[object, tuple[object, ...]] = {}
    for r in wb["Chỉ số SIPAS"].iter_rows(values_only=True):
        sipas.setdefault(r[0], r)  # the element table comes first; criteria of the short form share names
    assert sipas["Tiếp cận dịch vụ"][1:3] == (2, 50.0) and sipas["Thủ tục hành chính"][1:3] == (2, 100.0)
    assert sipas["Tiếp nhận, xử lý phản ánh, kiến nghị"][1:3] == (0, None)  # only "not applicable" answers
    assert sipas["Chỉ số chung"][2] == 87.5  # (50 + 100 + 100 + 100) / 4
    assert sipas["2026-11"][1] == 2 and sipas["1.001193"][2] == 2
    assert len(wb["Chỉ số SIPAS"]._charts) == 1
    ratio = dict(r for r in wb["Tỷ lệ QĐ 766"].iter_rows(values_only=True) if len(r) == 2 and r[0])
    assert ratio["Số hồ sơ được đánh giá"] == 2 and ratio["Tỷ lệ hài lòng QĐ 766 (%)"] == 50.0


def test_cli_export_is_audited(svc: Services, tmp_path: Path, survey_db: str,
                               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main
    from bot.features.surveys.models import ExportAudit

    asyncio.run(add_response(svc, HAPPY))
    monkeypatch.setenv("TTHC_DATABASE__URL", survey_db)
    out = tmp_path / "staff.csv"
    code = main(["export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv", "-o", str(out),
                 "--anonymous", "--actor", "cán bộ A", "--no-progress"])
    assert code == 0 and "1 response(s)" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")

    async def audits() -> list[ExportAudit]:
        async with svc.sessions() as session:
            return list((await session.execute(select(ExportAudit))).scalars())

    [audit] = asyncio.run(audits())
    assert (audit.actor, audit.via, audit.format, audit.rows, audit.anonymous) == ("cán bộ A", "cli", "csv", 1, True)
    assert audit.filters == {"from": "2026-11-01", "to": "2026-11-30", "form": "short", "unit": None,
                             "anonymous": True}
    assert audit.file_name == "staff.csv" and audit.at is not None


TRICKY = ("Hồ sơ A & B <nhanh> > chậm", "Rất tốt 😀🇻🇳👍", "chuông\x07 và \x1b[31mmàu", "=1+1 vẫn là chữ",
          "  cách ở đầu và cuối  ", "dòng một\r\ndòng hai\tcột", "]]> </t></is></c><c>")


async def test_tricky_text_reads_back_from_the_xlsx_as_written(svc: Services, tmp_path: Path) -> None:
    """Free text with markup, emoji, control characters or a formula start comes back as the same text."""
    at = dt.datetime(2026, 11, 27, 3, 4, 5, tzinfo=dt.UTC)
    for i, text in enumerate(TRICKY):
        await add_response(svc, {**HAPPY, "gop_y": text}, user_id=f"citizen-{i}", submitted=at, unit=text)
    async with svc.sessions() as session:
        await export(session, svc.surveys.service.form, REQ, "xlsx", tmp_path / "t.xlsx")  # type: ignore[union-attr]
    rows = list(load_workbook(tmp_path / "t.xlsx")["Phiếu trả lời"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    # Control characters XML cannot carry are dropped; everything else, spaces and line breaks included, is kept.
    expected = [neutralise(t.replace("\x07", "").replace("\x1b", "")) for t in TRICKY]
    assert [r[header.index("8. Góp ý thêm")] for r in data] == expected
    assert [r[header.index("Đơn vị")] for r in data] == expected
    first = data[0]
    assert isinstance(first[header.index("Mã phiếu")], int)
    assert first[header.index("Thời điểm gửi")] == dt.datetime(2026, 11, 27, 10, 4, 5)  # Vietnam time, a date cell
    assert first[header.index("2. Tiếp cận dịch vụ")] == 5
    assert first[header.index("Tài khoản chat")] == "telegram:citizen-0"
