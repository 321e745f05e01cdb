"""The staff console in real headless Chromium: sign in, read and filter the index, export, answer a ticket, sign out.

The seeded figures are worked out by hand (staff_console_fixtures.seed): four responses, three on
procedure A (two all-5, one all-2 rated dissatisfied) and one on B (all-4, late); five dossiers
invited. Screenshots at laptop (1280 px) and phone (360 px) widths are taken on the way
(tmp_path, and TTHC_SCREENSHOTS when set) to be looked at.
"""

from __future__ import annotations

import openpyxl
import pytest
from browser.staff_fixtures import LAPTOP, PHONE, Browser
from fakes.http import wait_for
from sqlalchemy import func, select
from staff_console_fixtures import PASSWORD, PROC_A, Console, seed

from bot.web.staff.models import StaffExport

pytestmark = pytest.mark.browser


async def _kpis(b: Browser) -> dict[str, str]:
    ids = ("index", "766", "responses", "invited", "rate")
    return {k: await b.text(f"#kpi-{k}") for k in ids}


async def _on_phone(b: Browser, path: str, name: str) -> None:
    """The page at 360 px: a screenshot, no sideways scrolling, every control big enough for a thumb."""
    await b.size(*PHONE)
    await b.open(path)
    await b.shot(name)
    assert await b.page_width() <= PHONE[0]
    assert await b.small_targets() == []
    await b.size(*LAPTOP)


async def _exports(console: Console) -> int:
    async with console.services.sessions() as db:
        return int((await db.execute(select(func.count()).select_from(StaffExport))).scalar_one())


async def test_clerk_reads_filters_exports_answers_and_signs_out(console: Console, browser: Browser) -> None:
    b = browser
    await seed(console.services)
    await b.open("/staff/")
    assert (await b.path()).startswith("/staff/login")
    await b.sign_in("minh", PASSWORD)
    # 3 of 4 satisfied on every element; QĐ 766: 4 rated, 1 dissatisfied and 1 late count against;
    # 5 dossiers invited (a second invitation of one dossier counts once).
    assert await _kpis(b) == {"index": "75,0 %", "766": "50,0 %", "responses": "4", "invited": "5", "rate": "80,0 %"}
    assert await b.text("#kpi-tickets") == "1"
    chart = await b.find("#trend-chart svg")  # drawn by the app's own script from the page's data
    assert chart is not None and "11/2026" in await b.text("#trend-chart")
    form = await b.text("select[name=form] option[selected]")
    assert form == "Phiếu ngắn (8 câu)"  # a name, not the form's key
    assert await b.js("return document.querySelector('input[name=from]').value") == "01/06/2026"
    assert "gọi [số điện thoại …78] nếu cần" in await b.text("#comments")  # masked, said in words
    assert await b.small_targets() == []
    await b.shot("dashboard-1280")

    await b.choose("#procedure", PROC_A)
    await b.click("#apply")
    # Procedure A alone: two all-5 and one all-2 (dissatisfied); three dossiers invited, all answered.
    assert await _kpis(b) == {"index": "66,7 %", "766": "66,7 %", "responses": "3", "invited": "3",
                              "rate": "100,0 %"}
    assert "1.001193" in await b.text("#lowest-procedures") and "1.000894" not in await b.text("#lowest-procedures")
    # A date typed the Vietnamese way is read as such: only December, nothing answered in it.
    await b.type("input[name=from]", "01/12/2026")
    await b.type("input[name=to]", "31/12/2026")
    await b.click("#apply")
    assert await b.text("#kpi-responses") == "0" and await b.text("#kpi-index") == "—"
    assert await b.js("return document.querySelector('input[name=to]').value") == "31/12/2026"

    await b.size(*PHONE)
    await b.open("/staff/")
    await b.shot("dashboard-360-top", full=False)
    await b.js("document.getElementById('trend-chart').scrollIntoView()")
    await b.shot("dashboard-360-chart", full=False)
    # The chart is drawn at the width it is shown: its text stays at its size, not scaled down.
    size = await b.js("var t = document.querySelector('#trend-chart svg text');"
                      "return t.getBoundingClientRect().height")
    assert size >= 12
    await b.size(*LAPTOP)
    await _on_phone(b, "/staff/", "dashboard-360")

    # An anonymous export, made in the background, downloaded and opened.
    await b.open("/staff/exports")
    await b.click("#start-export")

    async def downloadable() -> bool:
        await b.open("/staff/exports")
        return "Tải xuống" in await b.text("#exports")
    await wait_for(downloadable, 30, "the export")
    assert "01/06/2026 – 28/11/2026" in await b.text("#exports")
    await b.shot("exports-1280")
    await _on_phone(b, "/staff/exports", "exports-360")
    await b.click("a.download", navigates=False)
    await wait_for(lambda: any(p.suffix == ".xlsx" for p in b.downloads.iterdir()), 30, "the downloaded file")
    book = openpyxl.load_workbook(next(b.downloads.glob("*.xlsx")), read_only=True)
    rows = list(book["Phiếu trả lời"].iter_rows(values_only=True))
    assert rows[0][0] == "Ngày gửi" and len(rows) == 1 + 4  # the header and the four responses
    assert not any("7000" in str(cell) for row in rows for cell in row)  # anonymous: no chat account

    # A ticket: the reply reaches the citizen on Telegram, once, and the page says so.
    await b.open("/staff/tickets")
    assert "Quá hạn" in await b.text("#tickets") and "Telegram" in await b.text("#tickets")
    await b.shot("tickets-1280")
    await _on_phone(b, "/staff/tickets", "tickets-360")
    await b.click("#tickets a")
    await b.type("#reply-text", "Dạ, Trung tâm đã rút ngắn thời gian chờ tại quầy. Cảm ơn Anh/Chị đã góp ý.")
    # The same form sent twice (a double click, a resend): the page posts it once in the background first.
    status = await b.js("""var f = document.getElementById('reply-text').form;
        var body = new URLSearchParams(new FormData(f));
        return fetch(f.action, {method: 'POST', body: body}).then(r => r.status);""")
    assert status == 200  # redirected back to the ticket
    await b.click("#send-reply")
    await wait_for(lambda: bool(console.tg.messages_to("7002")), 30, "the reply on Telegram")

    async def delivered() -> bool:
        await b.open("/staff/tickets/1")
        return "đã gửi tới người dân" in await b.text()
    await wait_for(delivered, 30, "the delivery shown")
    await console.served.settled()
    sent = console.tg.messages_to("7002")
    assert len(sent) == 1 and "rút ngắn thời gian chờ" in sent[0].text and "PA-261120-AB2C" in sent[0].text
    assert await b.text("#ticket-status") == "Đã trả lời"
    assert await b.js("return document.querySelectorAll('article.reply').length") == 1  # recorded once
    await b.shot("ticket-1280")
    await _on_phone(b, "/staff/tickets/1", "ticket-360")
    assert await b.refused() == []  # nothing inline, nothing from elsewhere: the strict policy held on every page

    await b.open("/staff/")
    await b.click("#logout")
    assert (await b.path()).startswith("/staff/login")
    await b.open("/staff/tickets")
    assert (await b.path()).startswith("/staff/login")

    # The administrator alone has the dossier upload in the menu, usable on a phone too.
    await b.sign_in("lan", PASSWORD)
    assert "Dữ liệu hồ sơ" in await b.text("header")
    await _on_phone(b, "/staff/dossiers", "dossiers-360")


async def test_viewer_limits_csrf_and_the_sixth_wrong_password(console: Console, browser: Browser) -> None:
    b = browser
    await _on_phone(b, "/staff/login", "login-360")
    await b.sign_in("hoa", PASSWORD)
    # What a viewer cannot use is not offered...
    assert "Xuất báo cáo" not in await b.text("header")
    assert not await b.js("return !!document.getElementById('export-these')")
    await b.open("/staff/exports")
    assert "không có quyền" in await b.text("#error-message")
    # ...and a form posted to the export with the viewer's own valid CSRF token is refused all the same.
    await b.open("/staff/")
    await b.js("""
        var f = document.createElement('form'); f.method = 'post'; f.action = '/staff/exports';
        [['csrf', document.querySelector('input[name=csrf]').value], ['from', '2026-06-01'], ['to', '2026-11-28'],
         ['form', 'short'], ['format', 'xlsx']].forEach(function (kv) {
          var i = document.createElement('input'); i.type = 'hidden'; i.name = kv[0]; i.value = kv[1]; f.appendChild(i);
        });
        document.body.appendChild(f);
        window.setTimeout(function () { f.submit(); }, 0);""")

    async def refused() -> bool:
        found = await b.js("var e = document.getElementById('error-message'); return e ? e.textContent : ''")
        return "không có quyền" in found
    await wait_for(refused, 30, "the refusal")
    assert await _exports(console) == 0

    # A form whose CSRF token was taken out is refused.
    await b.open("/staff/")
    await b.js("document.querySelector('form.who input[name=csrf]').remove()")
    await b.click("#logout")
    assert "Biểu mẫu đã hết hạn" in await b.text("#error-message")
    await b.open("/staff/")
    assert "Chỉ số SIPAS chung" in await b.text()  # still signed in: nothing was done
    await b.click("#logout")
    for _ in range(5):
        await b.sign_in("lan", "khong-phai-mat-khau")
        assert await b.text("#login-message") == "Tên đăng nhập hoặc mật khẩu không đúng."
    await b.sign_in("lan", PASSWORD)
    assert "quá nhiều lần" in await b.text("#login-message")
    assert (await b.path()).startswith("/staff/login")
    await b.open("/staff/")
    assert (await b.path()).startswith("/staff/login")  # not signed in
