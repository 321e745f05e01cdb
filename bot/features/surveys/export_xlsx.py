"""The XLSX export: openpyxl (write-only) for the workbook, the responses as ready-made XML (xlsx_rows).

Rows go to disk as they come, so memory stays flat whatever the number of responses.

Sheets: responses, the SIPAS index (per criterion, element, overall; per procedure;
per month) with a chart of the element indices, the QĐ 766 ratio, the feedback
tickets, and what the file contains (filters, method, when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import VN_TZ
from bot.features.surveys.export_index import Aggregates, ExportResult, counted_rows
from bot.features.surveys.export_rows import (
    ExportRequest,
    iter_tickets,
    neutralise,
    response_columns,
    ticket_columns,
)
from bot.features.surveys.xlsx_rows import SheetRows, clean_text
from surveys.definitions import SurveyForm
from surveys.index import METHOD_LABELS, Method, SipasIndex, compute

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

_BOLD = Font(bold=True)
RESPONSES = "Phiếu trả lời"


def _header(ws: WriteOnlyWorksheet, values: list[Any]) -> None:
    cells = []
    for v in values:
        cell = WriteOnlyCell(ws, value=neutralise(v))
        cell.font = _BOLD
        cells.append(cell)
    ws.append(cells)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def write_xlsx(
    session: AsyncSession,
    form: SurveyForm,
    req: ExportRequest,
    out: Path,
    *,
    method: Method,
    names: Mapping[str, str],
    progress: Callable[[int], None] | None,
) -> ExportResult:
    wb = Workbook(write_only=True)
    responses = wb.create_sheet(RESPONSES)
    header, cells = response_columns(form, req.anonymous, names)
    _header(responses, header)
    rows = SheetRows(responses, len(header))
    try:
        agg, n = Aggregates(), 0
        async for page in counted_rows(session, req, form, agg, progress):
            rows.append_all(cells(row) for row in page)
            n += len(page)
        tickets = await _other_sheets(session, wb, form, req, agg, method, names, n)
        wb.save(out)
        rows.insert_into(out, RESPONSES)
    finally:
        rows.close()
    return ExportResult(n, tickets, out, agg)


async def _other_sheets(
    session: AsyncSession, wb: Workbook, form: SurveyForm, req: ExportRequest, agg: Aggregates, method: Method,
    names: Mapping[str, str], n: int,
) -> int:
    """The index, ratio, tickets and about sheets; the number of tickets written."""
    _sipas_sheet(wb.create_sheet("Chỉ số SIPAS"), form, req, agg, method, names)
    _ratio_sheet(wb.create_sheet("Tỷ lệ QĐ 766"), agg)
    tickets = wb.create_sheet("Phản ánh, kiến nghị")
    t_header, t_cells = ticket_columns(req.anonymous)
    _header(tickets, t_header)
    t = 0
    async for ticket in iter_tickets(session, req):
        tickets.append([clean_text(v) if isinstance(v, str) else v for v in t_cells(ticket)])
        t += 1
    _about_sheet(wb.create_sheet("Thông tin"), form, req, method, n, t)
    return t


def _sipas_sheet(
    ws: WriteOnlyWorksheet, form: SurveyForm, req: ExportRequest, agg: Aggregates, method: Method,
    names: Mapping[str, str],
) -> None:
    index = compute(form, agg.overall, method)
    unit = f"; đơn vị: {req.unit}" if req.unit else ""
    ws.append([f"Chỉ số hài lòng — {form.title}"])
    ws.append([f"Phương pháp: {METHOD_LABELS[method]}; yếu tố = trung bình các tiêu chí; chung = trung bình "
               "các yếu tố. Chỉ tính phiếu đã gửi."])
    ws.append([f"Kỳ: {req.start:%d/%m/%Y} – {req.end:%d/%m/%Y}{unit}; số phiếu: {index.responses}"])
    ws.append([])
    _header(ws, ["Yếu tố", "Số câu trả lời (tiêu chí ít nhất)", "% hài lòng"])
    first = 6  # the row of the first element, for the chart
    for e in form.elements:
        s = index.elements[e.id]
        ws.append([e.name, s.n, _pct(s.value)])
    ws.append(["Chỉ số chung", index.responses, _pct(index.overall.value)])
    if form.elements:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Chỉ số hài lòng theo yếu tố (%)"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 100
        chart.legend = None
        last = first + len(form.elements) - 1
        chart.add_data(Reference(ws, min_col=3, min_row=first - 1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        chart.width, chart.height = 18, 8
        ws.add_chart(chart, "F2")
    ws.append([])
    _header(ws, ["Tiêu chí", "Yếu tố", "Số câu trả lời", "% hài lòng"])
    element_names = {e.id: e.name for e in form.elements}
    for q in form.criteria:
        s = index.criteria[q.id]
        ws.append([neutralise(q.short), element_names.get(q.element or "", ""), s.n, _pct(s.value)])
    _groups(ws, form, "Theo thủ tục", ["Mã thủ tục", "Tên thủ tục"], agg.by_procedure, method,
            lambda key: [key or None, neutralise(names.get(key))])
    _groups(ws, form, "Theo tháng", ["Tháng"], agg.by_month, method, lambda key: [key])


def _groups(
    ws: WriteOnlyWorksheet, form: SurveyForm, title: str, keys: list[str], tallies: Mapping[str, Any],
    method: Method, label: Callable[[str], list[Any]],
) -> None:
    ws.append([])
    ws.append([title])
    _header(ws, [*keys, "Số phiếu", *(e.name for e in form.elements), "Chỉ số chung"])
    for key in sorted(tallies):
        index: SipasIndex = compute(form, tallies[key], method)
        ws.append([*label(key), index.responses, *(_pct(index.elements[e.id].value) for e in form.elements),
                   _pct(index.overall.value)])


def _ratio_sheet(ws: WriteOnlyWorksheet, agg: Aggregates) -> None:
    r = agg.ratio
    ws.append(["Tỷ lệ hài lòng về giải quyết hồ sơ theo Quyết định 766/QĐ-TTg"])
    ws.append(["Công thức: (số hồ sơ − số hồ sơ bị đánh giá Không hài lòng, có phản ánh hoặc trễ hạn) "
               "/ số hồ sơ × 100 %"])
    ws.append(["Tính trên các hồ sơ được đánh giá qua trợ lý (có câu đánh giá 3 mức)."])
    ws.append([])
    _header(ws, ["Chỉ tiêu", "Giá trị"])
    for name, value in (
        ("Số hồ sơ được đánh giá", r.rated),
        ("Đánh giá Không hài lòng", r.dissatisfied),
        ("Có phản ánh, kiến nghị", r.with_complaint),
        ("Trễ hạn", r.late),
        ("Hồ sơ bị trừ (ít nhất một trong ba)", r.counted_against),
        ("Tỷ lệ hài lòng QĐ 766 (%)", _pct(r.percent)),
    ):
        ws.append([name, value])


def _about_sheet(
    ws: WriteOnlyWorksheet, form: SurveyForm, req: ExportRequest, method: Method, rows: int, tickets: int
) -> None:
    _header(ws, ["Mục", "Giá trị"])
    for name, value in (
        ("Tạo lúc (giờ Việt Nam)", dt.datetime.now(VN_TZ).replace(microsecond=0, tzinfo=None)),
        ("Từ ngày", req.start),
        ("Đến ngày", req.end),
        ("Mẫu phiếu", f"{form.id} (phiên bản {form.version}): {form.title}"),
        ("Đơn vị", req.unit or "Tất cả"),
        ("Ẩn danh", "Có: không có tài khoản chat, mã hồ sơ, mã phiếu, nội dung tự do; ngày không kèm giờ"
         if req.anonymous else "Không"),
        ("Phương pháp", METHOD_LABELS[method]),
        ("Số phiếu", rows),
        ("Số phản ánh, kiến nghị", tickets),
        ("Lưu ý", "Ô bắt đầu bằng = + - @ được thêm dấu ' để không bị hiểu là công thức."),
    ):
        ws.append([name, neutralise(value)])
