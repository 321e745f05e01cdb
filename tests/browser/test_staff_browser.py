"""The staff console in real headless Chromium: sign in, read and filter the index, export, answer a ticket, sign out.

Screenshots of the dashboard and the ticket page at laptop and phone widths are taken
on the way (tmp_path, and TTHC_SCREENSHOTS when set) to be looked at.
"""

from __future__ import annotations

import openpyxl
import pytest
from browser.staff_fixtures import LAPTOP, PHONE, Browser
from fakes.http import wait_for
from staff_console_fixtures import PASSWORD, PROC_A, Console, seed

pytestmark = pytest.mark.browser


async def _sign_in(b: Browser, username: str, password: str = PASSWORD) -> None:
    await b.open("/staff/login")
    await b.type("#username", username)
    await b.type("#password", password)
    await b.click("#sign-in")


async def _page_width(b: Browser) -> int:
    return int(await b.call(b.driver.execute_script, "return document.documentElement.scrollWidth"))


async def test_clerk_reads_filters_exports_answers_and_signs_out(console: Console, browser: Browser) -> None:
    b = browser
    await seed(console.services)
    await b.open("/staff/")
    assert (await b.path()).startswith("/staff/login")
    await _sign_in(b, "minh")
    assert await b.text("#kpi-index") == "75,0 %"  # 3 of 4 answers satisfied on every criterion
    assert await b.text("#kpi-766") == "50,0 %" and await b.text("#kpi-responses") == "4"
    chart = await b.find("#trend-chart svg")  # drawn by the app's own script from the page's data
    assert chart is not None and "11/2026" in await b.text("#trend-chart")
    await b.shot("dashboard-laptop")
    await b.choose("#procedure", PROC_A)
    await b.click("#apply")
    assert await b.text("#kpi-index") == "66,7 %" and await b.text("#kpi-responses") == "3"
    await b.size(*PHONE)
    await b.open("/staff/")
    await b.shot("dashboard-phone-top", full=False)
    await b.call(b.driver.execute_script, "document.getElementById('elements').scrollIntoView()")
    await b.shot("dashboard-phone-middle", full=False)
    await b.shot("dashboard-phone")
    assert await _page_width(b) <= PHONE[0]  # nothing wider than the phone: no sideways scrolling
    await b.size(*LAPTOP)

    # An anonymous export, made in the background, downloaded and opened.
    await b.open("/staff/exports")
    await b.click("#start-export")

    async def downloadable() -> bool:
        await b.open("/staff/exports")
        return "Tải xuống" in await b.text("#exports")
    await wait_for(downloadable, 30, "the export")
    await b.shot("exports-laptop")
    await b.size(*LAPTOP)
    await b.click("a.download", navigates=False)
    await wait_for(lambda: any(p.suffix == ".xlsx" for p in b.downloads.iterdir()), 30, "the downloaded file")
    book = openpyxl.load_workbook(next(b.downloads.glob("*.xlsx")), read_only=True)
    assert next(book["Phiếu trả lời"].iter_rows(values_only=True))[0] == "Ngày gửi"

    # A ticket: the reply reaches the citizen on Telegram, once, and the page says so.
    await b.open("/staff/tickets")
    assert "Quá hạn" in await b.text("#tickets")
    await b.click("#tickets a")
    await b.type("#reply-text", "Dạ, Trung tâm đã rút ngắn thời gian chờ tại quầy. Cảm ơn Anh/Chị đã góp ý.")
    await b.click("#send-reply")
    await wait_for(lambda: bool(console.tg.messages_to("7002")), 30, "the reply on Telegram")

    async def delivered() -> bool:
        await b.open("/staff/tickets/1")
        return "đã gửi tới người dân" in await b.text()
    await wait_for(delivered, 30, "the delivery shown")
    assert len(console.tg.messages_to("7002")) == 1
    assert await b.text("#ticket-status") == "Đã trả lời"
    await b.shot("ticket-laptop")
    await b.size(*PHONE)
    await b.open("/staff/tickets/1")
    await b.shot("ticket-phone-top", full=False)
    await b.shot("ticket-phone")
    assert await _page_width(b) <= PHONE[0]
    await b.open("/staff/tickets?status=all")
    await b.shot("tickets-phone")
    await b.size(*LAPTOP)

    await b.open("/staff/")
    await b.click("#logout")
    assert (await b.path()).startswith("/staff/login")
    await b.open("/staff/tickets")
    assert (await b.path()).startswith("/staff/login")


async def test_viewer_limits_csrf_and_the_sixth_wrong_password(console: Console, browser: Browser) -> None:
    b = browser
    await _sign_in(b, "hoa")
    await b.open("/staff/exports")
    assert "không có quyền" in await b.text("#error-message")
    # A form whose CSRF token was taken out is refused.
    await b.open("/staff/")
    await b.call(b.driver.execute_script, "document.querySelector('form.who input[name=csrf]').remove()")
    await b.click("#logout")
    assert "Biểu mẫu đã hết hạn" in await b.text("#error-message")
    await b.open("/staff/")
    assert "Chỉ số SIPAS chung" in await b.text()  # still signed in: nothing was done
    await b.click("#logout")
    for _ in range(5):
        await _sign_in(b, "lan", "khong-phai-mat-khau")
        assert await b.text("#login-message") == "Tên đăng nhập hoặc mật khẩu không đúng."
    await _sign_in(b, "lan")
    assert "quá nhiều lần" in await b.text("#login-message")
    assert (await b.path()).startswith("/staff/login")
