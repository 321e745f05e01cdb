"""Reports in chat: /ketqua for everyone (published figures), /baocao and /xuatbaocao for listed staff.

Staff are the chats listed in config (``staff: ["telegram:123"]``). A command from
anyone else is not claimed here, so it is answered as any citizen message would
be: nothing tells a citizen that staff commands exist. When the background export jobs run
(the web server or polling), "/xuatbaocao" answers at once and the file follows through the
outbox; without them (the terminal chat) the file is made within the turn.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.flows import Turn
from bot.core.messages import Reply
from bot.features.dossiers.fields import VN_TZ
from bot.features.surveys.export import ExportRequest, ExportResult, export, record_audit
from bot.features.surveys.export_jobs import ExportJobs, enqueue
from bot.features.surveys.service import SurveyService
from bot.features.surveys.stats import month_start, period_counts, quarter_label, quarter_start
from surveys.index import METHOD_LABELS, compute

PUBLIC = "/ketqua"
STAFF = frozenset({"/baocao", "/xuatbaocao"})
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{1,2})/(\d{1,2})/(\d{4})$")
MAX_DAYS = 400
BEING_MADE = (
    "Dạ, báo cáo đang được tạo ({start:%d/%m/%Y}–{end:%d/%m/%Y}). Em sẽ gửi file ngay khi xong, "
    "Anh/Chị không cần chờ ở đây ạ."
)
USAGE = "Dạ, cú pháp: /xuatbaocao 2026-11-01 2026-11-30 (từ ngày, đến ngày; bỏ trống: tháng này)."

SIPAS_ABOUT = (
    "Dạ, Chỉ số hài lòng về sự phục vụ hành chính (SIPAS) là thước đo của Bộ Nội vụ về mức độ hài lòng "
    "của người dân, tổ chức với 5 yếu tố: tiếp cận dịch vụ, thủ tục hành chính, công chức giải quyết công việc, "
    "kết quả giải quyết, và việc tiếp nhận, xử lý phản ánh, kiến nghị. Hằng năm các tỉnh được xếp hạng theo chỉ số "
    "này.\nMỗi đánh giá của Anh/Chị sau khi nhận kết quả được Trung tâm tổng hợp hằng tháng để biết khâu nào cần "
    "cải thiện trước, và được báo cáo lên tỉnh; kết quả chỉ công bố dạng tổng hợp, không nêu tên ai."
)


def _pct(value: float | None) -> str:
    return "chưa có" if value is None else f"{value:.1f} %".replace(".", ",")


def command_of(text: str) -> tuple[str, list[str]]:
    """("/xuatbaocao", ["2026-11-01", ...]) from "/XuatBaoCao@TenBot 2026-11-01 …"."""
    parts = text.strip().split()
    if not parts or not parts[0].startswith("/"):
        return "", []
    return parts[0].split("@", 1)[0].lower(), parts[1:]


def parse_day(text: str) -> dt.date | None:
    m = _DATE.match(text.strip())
    if not m:
        return None
    y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
    try:
        return dt.date(int(y), int(mo), int(d))
    except ValueError:
        return None


class Reports:
    def __init__(
        self, surveys: SurveyService, centre: str, staff: list[str], exports_dir: Path,
        procedure_names: Mapping[str, str] | None = None,
    ) -> None:
        self._svc = surveys
        self._centre = centre
        self._staff = frozenset(staff)
        self._exports = exports_dir
        self._names = procedure_names or {}
        self.jobs: ExportJobs | None = None  # set by the runtime that runs them in the background

    def is_staff(self, channel: str, user_id: str) -> bool:
        return f"{channel}:{user_id}" in self._staff

    async def public(self, session: AsyncSession) -> Reply:
        """This quarter's published figures: submitted responses only, never from fewer than the minimum."""
        svc, today = self._svc, self._svc.today()
        form, minimum = svc.form, svc.settings.min_published
        counts = await period_counts(session, form, quarter_start(today), today)
        index = compute(form, counts.tally, svc.settings.index_method)
        period = f"{quarter_label(today)} (từ {quarter_start(today):%d/%m} đến {today:%d/%m/%Y})"
        if index.responses < minimum:
            figures = (
                f"Kết quả {period}: Trung tâm chưa nhận đủ {minimum} phiếu đánh giá nên chưa công bố số liệu, "
                "để không ai có thể bị nhận biết qua kết quả."
            )
        else:
            lines = [f"Kết quả của {self._centre} {period}, {index.responses} phiếu "
                     f"({METHOD_LABELS[index.method]}):"]
            for e in form.elements:
                s = index.elements[e.id]
                lines.append(f"• {e.name}: {_pct(s.value) if s.n >= minimum else 'chưa đủ phiếu để công bố'}")
            lines.append(f"• Chung: {_pct(index.overall.value)}")
            figures = "\n".join(lines)
        return Reply(f"{SIPAS_ABOUT}\n\n{figures}\n\nAnh/Chị gõ «đánh giá» kèm mã hồ sơ để góp ý kiến của mình ạ.")

    async def monthly(self, session: AsyncSession) -> Reply:
        svc, today = self._svc, self._svc.today()
        form = svc.form
        start = month_start(today)
        counts = await period_counts(session, form, start, today)
        index = compute(form, counts.tally, svc.settings.index_method)
        lines = [
            f"Báo cáo chỉ số hài lòng tháng {today:%m/%Y} ({start:%d/%m}–{today:%d/%m/%Y}), mẫu phiếu «{form.id}»: "
            f"{index.responses} phiếu đã gửi.",
            f"Phương pháp: {METHOD_LABELS[index.method]}.",
        ]
        for e in form.elements:
            s = index.elements[e.id]
            lines.append(f"• {e.name}: {_pct(s.value)} ({s.n} câu trả lời)")
        lines.append(f"• Chỉ số chung: {_pct(index.overall.value)}")
        r = counts.ratio
        lines.append(
            f"Tỷ lệ hài lòng theo QĐ 766: {_pct(r.percent)} ({r.rated} hồ sơ được đánh giá; {r.dissatisfied} không "
            f"hài lòng, {r.with_complaint} có phản ánh, {r.late} trễ hạn)."
        )
        lines.append(f"Phản ánh, kiến nghị mới trong tháng: {counts.tickets}.")
        lines.append("Gõ /xuatbaocao 2026-11-01 2026-11-30 để nhận file Excel.")
        return Reply("\n".join(lines))

    async def export_file(self, turn: Turn, args: list[str]) -> Reply:
        today = self._svc.today()
        if not args:
            start, end = month_start(today), today
        else:
            days = [parse_day(a) for a in args[:2]]
            if len(args) != 2 or None in days:
                return Reply(USAGE)
            start, end = days  # type: ignore[assignment]
        if end < start or (end - start).days > MAX_DAYS:
            return Reply(f"Dạ, «đến ngày» phải sau «từ ngày» và cách không quá {MAX_DAYS} ngày. {USAGE}")
        if self.jobs is not None and self.jobs.running:
            await enqueue(turn.session, turn.msg.channel, turn.msg.user_id, start, end)
            self.jobs.wake()  # it finds the job once this turn commits (or at its next poll)
            return Reply(BEING_MADE.format(start=start, end=end))
        result = await self.make_file(turn.session, start, end)
        return await self.file_made(turn.session, f"{turn.msg.channel}:{turn.msg.user_id}", start, end, result)

    def _request(self, start: dt.date, end: dt.date) -> ExportRequest:
        # Anonymous only: a file sent to a chat lives on a phone, outside every retention rule.
        # The identifying export needs `python -m bot surveys export` (explicit, audited, 0600).
        return ExportRequest(start, end, self._svc.form.id, anonymous=True)

    async def make_file(self, session: AsyncSession, start: dt.date, end: dt.date) -> ExportResult:
        stamp = dt.datetime.now(VN_TZ).strftime("%Y%m%d-%H%M%S")
        out = self._exports / f"sipas_{start}_{end}_{stamp}_{secrets.token_hex(3)}.xlsx"
        return await export(session, self._svc.form, self._request(start, end), "xlsx", out,
                            method=self._svc.settings.index_method, names=self._names)

    async def file_made(
        self, session: AsyncSession, actor: str, start: dt.date, end: dt.date, result: ExportResult
    ) -> Reply:
        """The audit entry and the message that carries the file."""
        await record_audit(session, actor=actor, via="chat", req=self._request(start, end), fmt="xlsx",
                           result=result, at=self._svc.clock())
        text = (
            f"Dạ, em gửi file báo cáo {result.path.name}: {result.rows} phiếu, {result.tickets} phản ánh, kiến nghị "
            f"({start:%d/%m/%Y}–{end:%d/%m/%Y}). Lượt xuất này đã được ghi nhật ký."
        )
        return Reply(text, attachment=str(result.path))


class ReportsFlow:
    """Commands, not a conversation: it answers and is done."""

    name = "reports"
    intents: frozenset[str] = frozenset()

    def __init__(self, reports: Reports) -> None:
        self._reports = reports

    def claims(self, turn: Turn) -> bool:
        if turn.msg.payload is not None:
            return False
        command, _ = command_of(turn.text)
        return command == PUBLIC or (command in STAFF and self._reports.is_staff(turn.msg.channel, turn.msg.user_id))

    async def start(self, turn: Turn) -> list[Reply]:
        command, args = command_of(turn.text)
        turn.set_flow_state(None)
        if command == PUBLIC:
            return [await self._reports.public(turn.session)]
        if not self._reports.is_staff(turn.msg.channel, turn.msg.user_id):  # claims() already refused; be sure
            return [Reply("Dạ, em chưa hiểu yêu cầu này ạ.")]
        if command == "/baocao":
            return [await self._reports.monthly(turn.session)]
        return [await self._reports.export_file(turn, args)]

    async def resume(self, turn: Turn) -> list[Reply] | None:
        return None
