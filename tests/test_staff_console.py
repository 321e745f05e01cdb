"""The staff console over real HTTP on our server: sign-in and its limits, CSRF, roles, dashboard, tickets, exports."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl
import pytest
from fakes.db import BOTH
from fakes.http import free_port, wait_for
from sqlalchemy import func, select, update
from staff_console_fixtures import PASSWORD, PROC_A, UNIT_A, Console, csrf_of, seed, sign_in

from bot.config import ROOT
from bot.features.surveys.export import ExportRequest, export
from bot.features.surveys.models import ExportAudit, FeedbackTicket
from bot.storage.models import Outbox
from bot.web.staff import accounts
from bot.web.staff.models import StaffAudit, StaffSession, TicketReply
from bot.web.staff.routes import LOCKED, WRONG

SECRET_ENV = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "ZALO_BOT_TOKEN", "ZALO_BOT_WEBHOOK_SECRET",
              "ZALO_OA_APP_ID", "ZALO_OA_APP_SECRET", "ZALO_OA_SECRET_KEY", "DOSSIER_PUSH_SECRET")


async def _count(c: Console, model: type, *where: object) -> int:
    async with c.services.sessions() as db:
        return int((await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def test_pages_need_a_session_and_sign_in_works(console: Console) -> None:
    async with console.client() as client:
        first = await client.get("/staff/")
        assert first.status_code == 303 and first.headers["location"].startswith("/staff/login")
        signed = await sign_in(client, "Lan")
        assert signed.status_code == 303 and signed.headers["location"] == "/staff/"
        cookie = next(h for h in signed.headers.get_list("set-cookie") if h.startswith("staff_session="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/staff" in cookie
        assert "Secure" not in cookie  # plain HTTP here; behind TLS the flag is set
        page = await client.get("/staff/")
        assert page.status_code == 200 and "Chỉ số SIPAS chung" in page.text and "lan (quản trị)" in page.text
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert page.headers["cache-control"] == "no-store"
        out = await client.post("/staff/logout", data={"csrf": csrf_of(page.text)})
        assert out.status_code == 303
        assert (await client.get("/staff/")).status_code == 303
    assert await _count(console, StaffAudit, StaffAudit.action == "login_ok") == 1
    assert await _count(console, StaffAudit, StaffAudit.action == "logout") == 1


async def test_unknown_user_and_wrong_password_get_the_same_answer(console: Console) -> None:
    async with console.client() as client:
        unknown = await sign_in(client, "khong-co-ai", "mat-khau-bat-ky-123")
        wrong = await sign_in(client, "lan", "mat-khau-sai-hoan-toan")
    assert unknown.status_code == wrong.status_code == 401
    assert WRONG in unknown.text and WRONG in wrong.text
    assert unknown.text.replace("khong-co-ai", "X").count(WRONG) == wrong.text.replace("lan", "X").count(WRONG)


async def test_sixth_attempt_after_five_wrong_is_refused_even_when_right(console: Console) -> None:
    async with console.client() as client:
        for _ in range(5):
            assert (await sign_in(client, "minh", "sai-mat-khau-roi-nhe")).status_code == 401
        sixth = await sign_in(client, "minh")
        assert sixth.status_code == 429 and "quá nhiều lần" in sixth.text
        assert sixth.text.count("Đăng nhập sai") == 1 and LOCKED[:20] in sixth.text
        assert (await client.get("/staff/")).status_code == 303  # no session was opened
        # Another account from the same address is not locked by minh's failures (per-address limit is higher).
        assert (await sign_in(client, "lan")).status_code == 303
    assert await _count(console, StaffAudit, StaffAudit.action == "login_failed") == 5
    assert await _count(console, StaffAudit, StaffAudit.action == "login_locked") == 1


async def test_a_form_without_its_csrf_token_is_refused(console: Console) -> None:
    await seed(console.services)
    async with console.client() as client:
        # Sign-in itself needs the token bound to its cookie.
        bare = await client.post("/staff/login", data={"username": "lan", "password": "x" * 12})
        assert bare.status_code == 403
        await sign_in(client, "lan")
        refused = await client.post("/staff/tickets/1/status", data={"status": "in_progress"})
        forged = await client.post("/staff/tickets/1/status", data={"status": "in_progress", "csrf": "abc"})
    assert refused.status_code == forged.status_code == 403
    assert "Biểu mẫu đã hết hạn" in refused.text
    async with console.services.sessions() as db:
        assert (await db.get(FeedbackTicket, 1)).status == "new"  # type: ignore[union-attr]


async def test_an_idle_session_ends(console: Console) -> None:
    async with console.client() as client:
        await sign_in(client, "hoa")
        assert (await client.get("/staff/")).status_code == 200
        async with console.services.sessions() as db, db.begin():
            await db.execute(update(StaffSession).values(
                last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)))
        assert (await client.get("/staff/")).status_code == 303
    assert await _count(console, StaffSession) == 0


@pytest.mark.parametrize("console_db", BOTH, indirect=True)
async def test_dashboard_figures_as_worked_out_and_filtered_by_procedure(console: Console) -> None:
    await seed(console.services)
    async with console.client() as client:
        await sign_in(client, "hoa")
        every = (await client.get("/staff/data.json")).json()
        one = (await client.get("/staff/data.json", params={"procedure": PROC_A})).json()
        page = await client.get("/staff/", params={"procedure": PROC_A})
    # All: 5,5,2,4 on each criterion → 3 of 4 satisfied; QĐ 766: 4 rated, one dissatisfied with a ticket, one late.
    assert every["responses"] == 4 and every["index"] == pytest.approx(75.0)
    assert every["ratio_766"] == pytest.approx(50.0) and every["invited"] == 5
    assert every["response_rate"] == pytest.approx(80.0)
    assert list(every["elements"].values()) == [pytest.approx(75.0)] * 5
    # Months in Vietnam time, June to November, only November answered.
    assert [p["month"] for p in every["trend"]] == [f"2026-{m:02d}" for m in range(6, 12)]
    assert every["trend"][-1]["responses"] == 4 and every["trend"][-1]["index"] == pytest.approx(75.0)
    assert every["trend"][-1]["ratio"] == pytest.approx(50.0) and every["trend"][0]["index"] is None
    lowest = every["lowest_procedures"]
    assert [g["key"] for g in lowest] == [PROC_A, "1.000894"] and [g["responses"] for g in lowest] == [3, 1]
    # Procedure A alone: 2 of 3 satisfied, one of three dossiers counted against.
    assert one["responses"] == 3 and one["index"] == pytest.approx(200 / 3)
    assert one["ratio_766"] == pytest.approx(200 / 3) and one["invited"] == 3
    assert "66,7 %" in page.text and 'id="kpi-responses">3<' in page.text
    assert "gọi [số điện thoại …78] nếu cần" in page.text  # the comment's phone is masked, said in words
    assert "0912 345 678" not in page.text


@pytest.mark.parametrize("procedure", [None, PROC_A])
async def test_dashboard_reconciles_with_the_xlsx_export(console: Console, tmp_path, procedure) -> None:  # type: ignore[no-untyped-def]
    await seed(console.services)
    async with console.client() as client:
        await sign_in(client, "hoa")
        params = {"from": "2026-11-01", "to": "2026-11-30", **({"procedure": procedure} if procedure else {})}
        shown = (await client.get("/staff/data.json", params=params)).json()
    svc = console.services.surveys
    assert svc is not None
    req = ExportRequest(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "short", procedure=procedure)
    async with console.services.sessions() as db:
        result = await export(db, svc.service.form, req, "xlsx", tmp_path / "check.xlsx")
    book = openpyxl.load_workbook(result.path, read_only=True)
    sipas: dict[object, tuple[object, ...]] = {}
    for row in book["Chỉ số SIPAS"].iter_rows(values_only=True):
        if row and row[0]:
            sipas.setdefault(row[0], row)  # the element table comes first; criteria may share a name
    ratio = dict(row[:2] for row in book["Tỷ lệ QĐ 766"].iter_rows(values_only=True) if row and len(row) > 1)
    assert sipas["Chỉ số chung"][1] == shown["responses"] == result.rows
    assert sipas["Chỉ số chung"][2] == round(shown["index"], 2)
    for name, value in shown["elements"].items():
        assert sipas[name][2] == round(value, 2)
    assert ratio["Tỷ lệ hài lòng QĐ 766 (%)"] == round(shown["ratio_766"], 2)
    assert ratio["Số hồ sơ được đánh giá"] == shown["rated"]


async def test_a_viewer_cannot_export_and_an_exporter_downloads_an_anonymous_file(console: Console) -> None:
    await seed(console.services)
    async with console.client() as viewer:
        await sign_in(viewer, "hoa")
        page = await viewer.get("/staff/")
        assert (await viewer.get("/staff/exports")).status_code == 403
        refused = await viewer.post("/staff/exports", data={"csrf": csrf_of(page.text), "from": "2026-11-01",
                                                             "to": "2026-11-30"})
        assert refused.status_code == 403 and "không có quyền" in refused.text
    async with console.client() as exporter:
        await sign_in(exporter, "minh")
        form = await exporter.get("/staff/exports")
        no_reason = await exporter.post("/staff/exports", data={
            "csrf": csrf_of(form.text), "from": "2026-11-01", "to": "2026-11-30", "identifying": "1"})
        assert no_reason.status_code == 400 and "lý do" in no_reason.text
        started = await exporter.post("/staff/exports", data={
            "csrf": csrf_of(form.text), "from": "2026-11-01", "to": "2026-11-30", "procedure": PROC_A})
        assert started.status_code == 303

        async def ready() -> bool:
            return "Tải xuống" in (await exporter.get("/staff/exports")).text
        await wait_for(ready, 30, "the export to finish")
        file = await exporter.get("/staff/exports/1/download")
    assert file.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(file.content), read_only=True)
    rows = list(book["Phiếu trả lời"].iter_rows(values_only=True))
    assert rows[0][0] == "Ngày gửi" and len(rows) == 4  # anonymous: no response id, chat or dossier code
    assert await _count(console, ExportAudit, ExportAudit.via == "web", ExportAudit.anonymous.is_(True)) == 1
    assert await _count(console, StaffAudit, StaffAudit.action == "export", StaffAudit.actor == "minh") == 1


async def test_ticket_assign_status_and_one_reply_delivered_on_telegram(console: Console) -> None:
    await seed(console.services)
    async with console.client() as client:
        await sign_in(client, "hoa")
        listing = await client.get("/staff/tickets")
        assert "PA-261120-AB2C" in listing.text and "Quá hạn" in listing.text  # 8 days old, limit 3
        page = await client.get("/staff/tickets/1")
        token = csrf_of(page.text)
        assigned = await client.post("/staff/tickets/1/assign", data={"csrf": token, "assignee": "minh"})
        moved = await client.post("/staff/tickets/1/status", data={"csrf": token, "status": "in_progress"})
        assert assigned.status_code == moved.status_code == 303
        back = await client.post("/staff/tickets/1/status", data={"csrf": token, "status": "new"})
        assert back.status_code == 400 and "không chuyển về" in back.text
        reply = {"csrf": token, "nonce": "form-1",
                 "text": "Trung tâm đã làm việc với bộ phận tiếp nhận, xin lỗi Anh/Chị."}
        assert (await client.post("/staff/tickets/1/reply", data=reply)).status_code == 303
        assert (await client.post("/staff/tickets/1/reply", data=reply)).status_code == 303  # the same form again
        await wait_for(lambda: bool(console.tg.messages_to("7002")), 30, "the reply on Telegram")
        shown = await client.get("/staff/tickets/1")
    sent = console.tg.messages_to("7002")
    assert len(sent) == 1 and "PA-261120-AB2C" in sent[0].text and "xin lỗi Anh/Chị" in sent[0].text
    assert "đã gửi tới người dân" in shown.text and "Đã trả lời" in shown.text and "minh" in shown.text
    assert await _count(console, Outbox, Outbox.dedupe_key.like("ticket-reply:%")) == 1
    actions = await _count(console, StaffAudit, StaffAudit.action.in_(["ticket_assign", "ticket_status",
                                                                       "ticket_reply"]))
    assert actions == 4  # assign, status, and both reply submissions (the second queued nothing)


@pytest.mark.parametrize("console_db", BOTH, indirect=True)
async def test_a_reply_form_sent_many_times_at_once_goes_out_once(console: Console) -> None:
    await seed(console.services)
    async with console.client() as client:
        await sign_in(client, "lan")
        token = csrf_of((await client.get("/staff/tickets/1")).text)
        form = {"csrf": token, "nonce": "double-click", "text": "Dạ, Trung tâm đã tiếp thu ý kiến của Anh/Chị."}
        answers = await asyncio.gather(*(client.post("/staff/tickets/1/reply", data=form) for _ in range(6)))
        assert {a.status_code for a in answers} == {303}
        await wait_for(lambda: bool(console.tg.messages_to("7002")), 30, "the reply on Telegram")
        await console.served.settled()
    assert len(console.tg.messages_to("7002")) == 1
    assert await _count(console, TicketReply) == 1
    assert await _count(console, Outbox, Outbox.dedupe_key.like("ticket-reply:%")) == 1


def test_serve_without_any_secret_starts_with_the_console(tmp_path: Path) -> None:
    """`make serve` from nothing: no channel token, no push secret; the console answers, the push is off."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env.update(TTHC_DATABASE__URL=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
               TTHC_STAFF_CONSOLE__KEY_FILE=str(tmp_path / "staff.key"))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--no-nlu", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = None
        for _ in range(600):  # bounded: 60 s to start
            if proc.poll() is not None:
                break
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/staff/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert page is not None, proc.communicate(timeout=10)[0]
        assert page.status_code == 200 and "Đăng nhập" in page.text
        assert httpx.post(f"http://127.0.0.1:{port}/dossiers/events", content=b"{}").status_code in (404, 405)
    finally:
        proc.terminate()
        log = proc.communicate(timeout=30)[0]
    assert log.count("dossier push not served") == 1


async def test_secure_cookie_behind_tls_absolute_expiry_and_disabled_account(console: Console) -> None:
    async with console.client() as client:
        tls = {"X-Forwarded-Proto": "https"}  # as nginx passes it on
        page = await client.get("/staff/login", headers=tls)
        pre = page.headers["set-cookie"]
        assert pre.startswith("staff_pre=") and "Secure" in pre
        # A browser sends a Secure cookie back over HTTPS only; this client talks plain HTTP, so it is given by hand.
        signed = await client.post("/staff/login", headers={**tls, "Cookie": pre.split(";", 1)[0]}, data={
            "csrf": csrf_of(page.text), "username": "hoa", "password": PASSWORD})
        cookie = next(h for h in signed.headers.get_list("set-cookie") if h.startswith("staff_session="))
        assert "Secure" in cookie
    async with console.client() as client:
        await sign_in(client, "hoa")
        async with console.services.sessions() as db, db.begin():
            await db.execute(update(StaffSession).values(
                created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)))
        assert (await client.get("/staff/")).status_code == 303  # in use all along, but signed in 13 hours ago
        await sign_in(client, "hoa")
        assert (await client.get("/staff/")).status_code == 200
        async with console.services.sessions() as db, db.begin():
            await accounts.disable(db, "hoa")
        assert (await client.get("/staff/")).status_code == 303
        assert (await sign_in(client, "hoa")).status_code == 401  # the same answer as a wrong password


async def test_bad_input_gets_a_clear_answer(console: Console) -> None:
    await seed(console.services)
    async with console.client() as client:
        await sign_in(client, "lan")
        odd = await client.get("/staff/", params={"from": "hôm qua", "to": "2026-13-45", "form": "x"})
        assert odd.status_code == 200 and "không đúng dạng" in odd.text and "Mẫu phiếu không có" in odd.text
        swapped = await client.get("/staff/", params={"from": "2026-11-30", "to": "2026-11-01"})
        assert "đã đổi chỗ hai ngày" in swapped.text and 'id="kpi-responses">4<' in swapped.text
        typed = await client.get("/staff/", params={"from": "01/11/2026", "to": "30/11/2026"})  # as a clerk types
        assert "không đúng dạng" not in typed.text and 'id="kpi-responses">4<' in typed.text
        impossible = await client.get("/staff/", params={"from": "31/02/2026"})
        assert "không đúng dạng ngày/tháng/năm" in impossible.text
        missing = await client.get("/staff/tickets/999")
        assert missing.status_code == 404 and "Không tìm thấy" in missing.text
        token = csrf_of((await client.get("/staff/tickets/1")).text)
        empty = await client.post("/staff/tickets/1/reply", data={"csrf": token, "nonce": "n1", "text": "  "})
        assert empty.status_code == 400 and "đang trống" in empty.text
        nobody = await client.post("/staff/tickets/1/assign", data={"csrf": token, "assignee": "ai-do"})
        assert nobody.status_code == 400 and "Không có cán bộ" in nobody.text
        assert (await client.get("/staff/exports/42/download")).status_code == 404
    assert await _count(console, Outbox, Outbox.dedupe_key.like("ticket-reply:%")) == 0


async def test_new_responses_show_at_once_today_and_in_past_days(console: Console) -> None:
    """Past days' counts are cached between requests; a response added there or today still shows at once."""
    from survey_fixtures import add_response

    await seed(console.services)
    answers = {"danh_gia_chung": "dissatisfied", "tiep_can": "1", "thu_tuc": "1", "cong_chuc": "1", "ket_qua": "1",
               "phan_anh": "1"}
    async with console.client() as client:
        await sign_in(client, "hoa")
        assert (await client.get("/staff/data.json")).json()["responses"] == 4
        await add_response(console.services, answers, submitted=dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC),
                           dossier_id=None)  # today (Vietnam time) for the console's clock
        today = (await client.get("/staff/data.json")).json()
        await add_response(console.services, answers, submitted=dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC),
                           dossier_id=None)  # a past day
        past = (await client.get("/staff/data.json")).json()
    assert today["responses"] == 5 and today["index"] == pytest.approx(60.0)  # 3 of 5 satisfied
    assert past["responses"] == 6 and past["index"] == pytest.approx(50.0)
    assert past["ratio_766"] == pytest.approx(100 / 3)  # 2 of 6 dossiers not counted against


async def test_filter_lists_offer_a_new_unit_as_soon_as_it_has_a_response(console: Console) -> None:
    """The unit and procedure lists are kept between pages, but never hide a unit that has just answered."""
    option = f'<option value="{UNIT_A}"'
    async with console.client() as client:
        await sign_in(client, "lan")
        before = await client.get("/staff/")
        await seed(console.services)
        after = await client.get("/staff/")
        exports = await client.get("/staff/exports")
    assert option not in before.text
    assert option in after.text and option in exports.text
    assert f'<option value="{PROC_A}"' in after.text


async def test_the_web_chat_tells_a_clerks_messages_from_the_assistants(console: Console) -> None:
    """A web citizen asks for a clerk; the clerk's handoff reply and a ticket reply from the console are the
    clerk's in the chat's history and stream ("clerk", shown as "Cán bộ"); the assistant's words, its notices
    about the handoff included, stay the assistant's ("bot")."""
    async with console.client() as citizen, console.client() as clerk:
        assert (await citizen.get("/chat/history")).json()["messages"] == []
        session_id = citizen.cookies["tthc_chat"]
        await citizen.post("/chat/messages", json={"client_id": "client-0001", "text": "Cho tôi gặp cán bộ"})

        async def shown(n: int) -> bool:
            return len((await citizen.get("/chat/history")).json()["messages"]) >= n
        await wait_for(lambda: shown(2), 30, "the assistant's answer")
        await sign_in(clerk, "minh")
        page = await clerk.get("/staff/handoff/1")
        token = csrf_of(page.text)
        assert (await clerk.post("/staff/handoff/1/take", data={"csrf": token})).status_code == 303
        answer = {"csrf": token, "nonce": "n-1", "text": "Dạ, Anh/Chị mang căn cước cũ đến quầy số 3 ạ."}
        assert (await clerk.post("/staff/handoff/1/reply", data=answer)).status_code == 303
        async with console.services.sessions() as db, db.begin():
            db.add(FeedbackTicket(tracking_code="PA-261128-WEB1", source="chat", channel="web", user_id=session_id,
                                  text="Chờ lâu quá", status="new", created_at=dt.datetime.now(dt.UTC)))
        ticket = await clerk.get("/staff/tickets/1")
        reply = {"csrf": csrf_of(ticket.text), "nonce": "t-1", "text": "Trung tâm xin lỗi Anh/Chị."}
        assert (await clerk.post("/staff/tickets/1/reply", data=reply)).status_code == 303
        await wait_for(lambda: shown(5), 30, "the clerk's messages in the chat")
        await console.served.settled()
        history = (await citizen.get("/chat/history")).json()["messages"]
        streamed: dict[str, str] = {}
        async with citizen.stream("GET", "/chat/events", params={"after": history[2]["id"]}) as events:
            async for line in events.aiter_lines():
                if line.startswith("data:"):
                    streamed = json.loads(line.removeprefix("data:"))
                    break
    roles = [(m["role"], m["text"]) for m in history]
    assert [role for role, _ in roles] == ["user", "bot", "bot", "clerk", "clerk"]
    assert roles[2][1].startswith("Dạ, cán bộ Trung tâm đã tiếp nhận")  # the handoff's notice: the assistant's
    assert roles[3][1] == answer["text"] and "Trung tâm xin lỗi Anh/Chị." in roles[4][1]
    assert (streamed["role"], streamed["text"]) == roles[3]  # the stream says the same as the history
