"""Dossier data uploaded from the staff console over real HTTP: admin only, CSRF, size limit, report, audit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from staff_console_fixtures import Console, csrf_of, sign_in

from bot.features.dossiers.models import Dossier, DossierStatusChange
from bot.web.staff.models import StaffAudit

DATA = Path(__file__).parent / "data" / "dossiers"
CSV = "text/csv"


async def _count(c: Console, model: type, *where: object) -> int:
    async with c.services.sessions() as db:
        return int((await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


def _file(name: str, body: bytes | None = None) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, body if body is not None else (DATA / name).read_bytes(), CSV)}


async def test_an_admin_uploads_the_days_csv_and_reads_the_report(console: Console) -> None:
    async with console.client() as client:
        await sign_in(client, "lan")
        page = await client.get("/staff/dossiers")
        assert page.status_code == 200 and "Dữ liệu hồ sơ" in page.text and 'enctype="multipart/form-data"' in page.text
        token = csrf_of(page.text)
        first = await client.post("/staff/dossiers", data={"csrf": token}, files=_file("export_day.csv"))
        again = await client.post("/staff/dossiers", data={"csrf": token}, files=_file("export_day.csv"))
        update = await client.post("/staff/dossiers", data={"csrf": token}, files=_file("export_update.csv"))
    assert first.status_code == 200 and "Đã nhập xong" in first.text
    assert 'id="report-rows">6<' in first.text and 'id="report-created">6<' in first.text
    assert 'id="report-unchanged">6<' in again.text and 'id="report-created">0<' in again.text
    # One dossier moved from 4 (being processed) to 9 (done): one update, one status change.
    assert 'id="report-updated">1 (trong đó 1 đổi trạng thái)<' in update.text
    assert await _count(console, Dossier) == 6
    assert await _count(console, DossierStatusChange, DossierStatusChange.source == "import") == 7
    audit = await _count(console, StaffAudit, StaffAudit.action == "dossier_import", StaffAudit.actor == "lan",
                         StaffAudit.target == "export_day.csv")
    assert audit == 2


async def test_a_file_with_bad_rows_is_refused_whole_with_each_reason(console: Console) -> None:
    async with console.client() as client:
        await sign_in(client, "lan")
        token = csrf_of((await client.get("/staff/dossiers")).text)
        bad = await client.post("/staff/dossiers", data={"csrf": token}, files=_file("export_bad.csv"))
        no_header = await client.post("/staff/dossiers", data={"csrf": token},
                                      files=_file("x.csv", b"ma,trang_thai\n1,2\n"))
        nothing = await client.post("/staff/dossiers", data={"csrf": token})
        wrong_kind = await client.post("/staff/dossiers", data={"csrf": token}, files=_file("x.pdf", b"%PDF-1.4"))
    assert bad.status_code == 422 and "Chưa nhập dòng nào" in bad.text
    assert 'id="report-rows">8<' in bad.text and 'id="report-rejected">6<' in bad.text
    assert "trùng mã hồ sơ với dòng 2" in bad.text  # row 8 repeats row 2's code
    assert "số điện thoại phải có 9–12 chữ số" in bad.text and "phải là số 1–10 hoặc tên trạng thái" in bad.text
    assert "ngày không có thật" in bad.text and "thiếu ngày" in bad.text
    assert no_header.status_code == 422 and "thiếu cột: code" in no_header.text
    assert nothing.status_code == 400 and "Vui lòng chọn file" in nothing.text
    assert wrong_kind.status_code == 400 and ".csv hoặc .xlsx" in wrong_kind.text
    assert await _count(console, Dossier) == 0
    rejected = await _count(console, StaffAudit, StaffAudit.action == "dossier_import")
    assert rejected == 2  # both files read and refused are on record


async def test_only_an_admin_with_the_form_token_may_upload(console: Console) -> None:
    async with console.client() as exporter:
        await sign_in(exporter, "minh")
        token = csrf_of((await exporter.get("/staff/")).text)
        assert (await exporter.get("/staff/dossiers")).status_code == 403
        refused = await exporter.post("/staff/dossiers", data={"csrf": token}, files=_file("export_day.csv"))
        assert refused.status_code == 403 and "không có quyền" in refused.text
        assert "/staff/dossiers" not in (await exporter.get("/staff/")).text  # no link to a page they cannot use
    async with console.client() as admin:
        await sign_in(admin, "lan")
        no_token = await admin.post("/staff/dossiers", files=_file("export_day.csv"))
        forged = await admin.post("/staff/dossiers", data={"csrf": "abc"}, files=_file("export_day.csv"))
    assert no_token.status_code == forged.status_code == 403 and "Biểu mẫu đã hết hạn" in forged.text
    assert await _count(console, Dossier) == 0


async def test_the_upload_has_its_own_size_limit_above_the_webhooks(console: Console) -> None:
    webhook_limit = console.services.settings.channels.server.max_body_bytes
    limit = console.services.settings.staff_console.upload_max_bytes
    header = (DATA / "export_day.csv").read_bytes()
    big = header + b"\n" * (webhook_limit + 1024)  # larger than any webhook, well under the upload limit
    async with console.client() as client:
        await sign_in(client, "lan")
        token = csrf_of((await client.get("/staff/dossiers")).text)
        accepted = await client.post("/staff/dossiers", data={"csrf": token}, files=_file("big.csv", big))
        too_big = await client.post("/staff/dossiers", data={"csrf": token},
                                    files=_file("huge.csv", b"x" * (limit + 1)))
        elsewhere = await client.post("/staff/tickets/1/reply", content=b"x" * (webhook_limit + 1),
                                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert accepted.status_code == 200 and 'id="report-created">6<' in accepted.text
    assert too_big.status_code == 413 and "File quá lớn" in too_big.text and "20 MB" in too_big.text
    assert elsewhere.status_code == 413  # other staff pages keep the server's own limit
