"""Dossier data from the page: an admin uploads the one-stop system's CSV (or XLSX) and reads the import report.

The same import as ``python -m bot dossiers import FILE`` (bot.features.dossiers.importer):
every row checked first, then all rows written in one transaction or none. The file is
parsed in a thread so a large one does not stall other clerks' pages; the server's body
limit is raised for this one path only (``staff_console.upload_max_bytes``). Every
upload, accepted or not, is in the audit log.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bot.features.dossiers.importer import COLUMNS, ImportReport, RowError, read_data, upsert, validate
from bot.pipeline.sqlite_gate import writing
from bot.web.staff import accounts, sessions

if TYPE_CHECKING:
    from bot.web.staff.pages import ConsolePages as Console

UPLOAD_PATH = "/staff/dossiers"
SOURCE = "import"  # the same history source as the command line's import
SHOWN = 200
SUFFIXES = (".csv", ".txt", ".xlsx")

COLUMN_LABELS = {
    "file": "File", "header": "Dòng tiêu đề", "code": "Mã hồ sơ (code)", "procedure_code": "Mã thủ tục",
    "status": "Trạng thái", "applicant_name": "Tên người nộp", "phone": "Số điện thoại",
    "received_at": "Ngày tiếp nhận", "appointment_at": "Ngày hẹn trả", "completed_at": "Ngày hoàn thành",
    "unit": "Đơn vị",
}
# The importer's reasons (written for the command line) as a clerk reads them; unknown ones pass as they are.
_REASONS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), t) for p, t in (
    (r"^not a complete receipt code: (.*)$", r"không phải một mã hồ sơ đầy đủ: \1"),
    (r"^status must be 1–10 or a status label(?:, not (.*))?$", "phải là số 1–10 hoặc tên trạng thái"),
    (r"^a date is required$", "thiếu ngày (bắt buộc)"),
    (r"^not a valid date: (.*?) \(.*\)$", r"ngày không có thật: \1"),
    (r"^date must be ISO .*, not (.*)$", r"ngày phải có dạng 2025-11-20 hoặc 20/11/2025, không phải \1"),
    (r"^phone must be .*$", "số điện thoại phải có 9–12 chữ số"),
    (r"^must be 1–32 letters.*$", "gồm 1–32 chữ cái, chữ số, dấu chấm hoặc gạch ngang"),
    (r"^longer than 255 characters$", "dài quá 255 ký tự"),
    (r"^duplicate of row (\d+)$", r"trùng mã hồ sơ với dòng \1"),
    (r"^missing column\(s\): (.*)$", r"thiếu cột: \1"),
    (r"^no header row$", "file trống, không có dòng tiêu đề"),
    (r"^the file is not UTF-8 text.*$", "file không phải văn bản UTF-8 (hãy lưu lại dạng CSV UTF-8)"),
    (r"^not a readable XLSX file.*$", "không đọc được file Excel này"),
)]


def reason(message: str) -> str:
    for pattern, template in _REASONS:
        if pattern.match(message):
            return pattern.sub(template, message)
    return message


@dataclass(frozen=True)
class Rejected:
    row: int
    column: str
    reason: str


def rejected(errors: list[RowError]) -> list[Rejected]:
    return [Rejected(e.row, COLUMN_LABELS.get(e.field, e.field), reason(e.message)) for e in errors[:SHOWN]]


class DossierUpload:
    """The page's two handlers, wired by ``Console.routes`` behind the admin role and the CSRF check."""

    def __init__(self, console: Console, nudge: Callable[[], None]) -> None:
        self.console = console
        self.nudge = nudge
        self.max_bytes = console.cfg.upload_max_bytes

    def _render(self, me: sessions.Current, status: int = 200, **ctx: object) -> Response:
        return self.console.render("dossiers.html", status, me=me, columns=COLUMNS, max_mb=self.max_bytes / 2**20,
                                   shown=SHOWN, **ctx)

    async def show(self, request: Request, me: sessions.Current, _: dict[str, str]) -> Response:
        return self._render(me)

    async def upload(self, request: Request, me: sessions.Current, _: dict[str, str]) -> Response:
        upload = (await request.form()).get("file")  # parsed once already by the CSRF check (Starlette caches it)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return self._render(me, 400, message="Vui lòng chọn file dữ liệu hồ sơ (CSV hoặc XLSX) để tải lên.")
        name = PurePath(upload.filename.replace("\\", "/")).name[:120]
        try:
            data = await upload.read()
        finally:
            await upload.close()
        if not name.lower().endswith(SUFFIXES):
            return self._render(me, 400, message="Chỉ nhận file .csv hoặc .xlsx xuất từ hệ thống một cửa.")
        records, report = await asyncio.to_thread(validate, name, lambda: read_data(name, data))
        db_sessions = self.console.sessions
        async with writing(db_sessions), db_sessions() as db, db.begin():
            if report.ok:
                await upsert(self.console.services.dossiers, db, records, SOURCE, report)
            await accounts.audit(db, me.user.username, "dossier_import", target=name,
                                 address=request.client and request.client.host, detail=_detail(report, len(data)))
        if report.ok and (report.created or report.updated):
            self.nudge()  # status changes may have queued notifications to citizens
        return self._render(me, 200 if report.ok else 422, report=report, file_name=name,
                            rejected=rejected(report.errors), bad_rows=len({e.row for e in report.errors if e.row}))


def _detail(report: ImportReport, size: int) -> dict[str, object]:
    return {"bytes": size, "rows": report.rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "status_changes": report.status_changes, "ok": report.ok,
            "errors": len(report.errors)}
