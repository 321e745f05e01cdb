"""The web chat in real headless Chromium against `python -m bot serve` (real NLU, SQLite).

Few and slow on purpose: what only a browser shows (buttons clicked, text not run as HTML,
history after a reload, a dropped stream resumed). Screenshots go to tests/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fakes.http import free_port

pytestmark = [pytest.mark.browser, pytest.mark.nlu]
ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path(__file__).resolve().parent / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


class Server:
    def __init__(self, db: Path, port: int, nlu: tuple[str, str | None]) -> None:
        self.db, self.port, self.url = db, port, f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "TTHC_DATABASE__URL": f"sqlite+aiosqlite:///{db}", "TTHC_NLU__URLS": f'["{nlu[0]}"]',
                    "TTHC_CHANNELS__INBOX__POLL_S": "0.2", "TTHC_CHANNELS__SENDER__POLL_S": "0.2"}
        if nlu[1]:
            self.env["NLU_TOKEN"] = nlu[1]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(self.port)], cwd=ROOT, env=self.env,
        )
        for _ in range(600):
            try:
                if httpx.get(f"{self.url}/livez", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.proc.poll() is None, "server exited"
            time.sleep(0.2)
        raise AssertionError("server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None


@pytest.fixture
def server(tmp_path: Path, nlu_server: tuple[str, str | None]) -> Iterator[Server]:
    s = Server(tmp_path / "web.sqlite3", free_port(), nlu_server)
    subprocess.run([sys.executable, "-m", "bot", "dossiers", "demo"], cwd=ROOT, env=s.env, check=True,
                   capture_output=True)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def driver() -> Iterator[object]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        if IN_CI:
            pytest.fail("chromium and chromedriver are needed in CI (make browser)")
        pytest.skip("chromium not installed (make browser)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=360,740"):
        options.add_argument(arg)
    d = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    d.implicitly_wait(0)
    yield d
    d.quit()


def wait(driver: object, condition: object, what: str, timeout: float = 60) -> object:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition, what)  # type: ignore[arg-type]


def bot_messages(driver: object) -> list[object]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, "#log li.msg.bot")  # type: ignore[attr-defined,no-any-return]


def said(element: object) -> str:
    """What a bubble says, without who wrote it (read to screen readers, and shown above a reply)."""
    text: str = element.text  # type: ignore[attr-defined]
    return re.sub(r"^(Anh/Chị|Trợ lý|Cán bộ)\s*:?\s*", "", text).strip()


def ask(driver: object, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    before = len(bot_messages(driver))
    box = driver.find_element(By.ID, "message")  # type: ignore[attr-defined]
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    wait(driver, lambda d: len(bot_messages(d)) > before, f"a reply to {text!r}")


def test_ask_click_reload_and_html_stays_text(server: Server, driver: object) -> None:
    from selenium.webdriver.common.by import By

    d = driver
    d.get(server.url + "/")  # type: ignore[attr-defined]
    ask(d, "xin chào")
    buttons = bot_messages(d)[-1].find_elements(By.CSS_SELECTOR, ".choices button")  # type: ignore[attr-defined]
    assert buttons, "the greeting offers choices"
    label = buttons[0].text
    n = len(bot_messages(d))
    buttons[0].click()
    wait(d, lambda x: len(bot_messages(x)) > n, "the answer to a pressed button")
    users = [said(e) for e in d.find_elements(By.CSS_SELECTOR, "#log li.msg.user")]  # type: ignore[attr-defined]
    assert users[-1] == label
    ask(d, "làm giấy khai sinh cần gì")
    assert "khai sinh" in bot_messages(d)[-1].text.lower()  # type: ignore[attr-defined]
    ask(d, "<img src=x onerror=alert(1)>")
    assert not d.find_elements(By.CSS_SELECTOR, "#log img")  # type: ignore[attr-defined]
    SHOTS.mkdir(exist_ok=True)
    d.save_screenshot(str(SHOTS / "chat-360.png"))  # type: ignore[attr-defined]
    before = [said(e) for e in d.find_elements(By.CSS_SELECTOR, "#log li.msg")]  # type: ignore[attr-defined]
    d.refresh()  # type: ignore[attr-defined]
    wait(d, lambda x: len(x.find_elements(By.CSS_SELECTOR, "#log li.msg")) >= len(before), "the history")
    assert [said(e) for e in d.find_elements(By.CSS_SELECTOR, "#log li.msg")] == before  # type: ignore[attr-defined]
    assert "<img src=x onerror=alert(1)>" in before
    d.set_window_size(1280, 900)  # type: ignore[attr-defined]
    d.save_screenshot(str(SHOTS / "chat-desktop.png"))  # type: ignore[attr-defined]


def test_a_dropped_connection_resumes_without_loss_or_double(server: Server, driver: object) -> None:
    from selenium.webdriver.common.by import By

    d = driver
    d.get(server.url + "/")  # type: ignore[attr-defined]
    ask(d, "tra cứu hồ sơ 000.00.27.H49-261120-0031")
    ask(d, "6789")
    assert "Đang xử lý" in bot_messages(d)[-1].text  # type: ignore[attr-defined]
    sid = d.get_cookie("tthc_chat")["value"]  # type: ignore[attr-defined]
    server.stop()  # the stream drops; meanwhile the assistant has something to say (a notification)
    with sqlite3.connect(server.db) as db:
        db.execute(
            "INSERT INTO outbox (channel, user_id, text, dedupe_key, status, attempts, created_at) "
            "VALUES ('web', ?, 'Dạ, hồ sơ của Anh/Chị vừa được cập nhật.', 'test:drop', 'pending', 0, "
            "CURRENT_TIMESTAMP)", (sid,),
        )
    wait(d, lambda x: "kết nối" in x.find_element(By.ID, "status").text, "the page to say it is reconnecting")
    server.start()
    wait(d, lambda x: "vừa được cập nhật" in bot_messages(x)[-1].text, "the missed message", 90)
    wait(d, lambda x: x.find_element(By.ID, "status").text == "", "the notice to clear")
    texts = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#log li.msg")]  # type: ignore[attr-defined]
    assert sum("vừa được cập nhật" in t for t in texts) == 1
    assert len(texts) == len(set(d.execute_script(  # type: ignore[attr-defined]
        "return Array.from(document.querySelectorAll('#log li.msg')).map(e => e.dataset.id)")))

    # Two tabs of one session stay consistent: what is asked in one appears, once, in the other.
    first = d.current_window_handle  # type: ignore[attr-defined]
    d.switch_to.new_window("tab")  # type: ignore[attr-defined]
    d.get(server.url + "/")  # type: ignore[attr-defined]
    wait(d, lambda x: len(x.find_elements(By.CSS_SELECTOR, "#log li.msg")) == len(texts), "the history in tab 2")
    ask(d, "giờ làm việc")
    second = [said(e) for e in d.find_elements(By.CSS_SELECTOR, "#log li.msg")]  # type: ignore[attr-defined]
    d.switch_to.window(first)  # type: ignore[attr-defined]
    wait(d, lambda x: [said(e) for e in x.find_elements(By.CSS_SELECTOR, "#log li.msg")] == second, "tab 1 to follow")


def test_results_page_draws_its_chart(server: Server, driver: object) -> None:
    from selenium.webdriver.common.by import By

    subprocess.run([sys.executable, "-m", "bot", "surveys", "demo"], cwd=ROOT, env=server.env, check=True,
                   capture_output=True)
    d = driver
    d.get(server.url + "/ket-qua")  # type: ignore[attr-defined]
    wait(d, lambda x: x.find_elements(By.CSS_SELECTOR, "#chart svg rect.bar"), "the chart")
    d.save_screenshot(str(SHOTS / "results-360.png"))  # type: ignore[attr-defined]


@pytest.fixture
def host_pages(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The centre's own site (allowed origin) and another site, each a page with the widget's one script tag."""
    import functools
    import http.server
    import threading

    ports = free_port(), free_port()
    servers = []
    for port in ports:
        root = tmp_path / f"site{port}"
        root.mkdir()
        servers.append(http.server.ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))))
        threading.Thread(target=servers[-1].serve_forever, daemon=True).start()
    yield f"http://localhost:{ports[0]}", f"http://localhost:{ports[1]}"
    for s in servers:
        s.shutdown()


def test_the_widget_works_on_an_allowed_site_only(
    tmp_path: Path, nlu_server: tuple[str, str | None], host_pages: tuple[str, str], driver: object
) -> None:
    from selenium.webdriver.common.by import By

    allowed, other = host_pages
    server = Server(tmp_path / "widget.sqlite3", free_port(), nlu_server)
    server.env["TTHC_CHANNELS__WEB__ALLOWED_ORIGINS"] = f'["{allowed}"]'
    for origin in (allowed, other):
        root = tmp_path / f"site{origin.rsplit(':', 1)[1]}"
        (root / "index.html").write_text(
            f'<!doctype html><html lang="vi"><body><h1>Trung tâm</h1>'
            f'<script src="{server.url}/widget.js" defer></script></body></html>', encoding="utf-8")
    server.start()
    d = driver
    try:
        d.get(allowed + "/index.html")  # type: ignore[attr-defined]
        wait(d, lambda x: x.find_elements(By.CSS_SELECTOR, "#tthc-chat-widget button"), "the widget button")
        d.find_element(By.CSS_SELECTOR, "#tthc-chat-widget button").click()  # type: ignore[attr-defined]
        d.switch_to.frame(d.find_element(By.CSS_SELECTOR, "#tthc-chat-widget iframe"))  # type: ignore[attr-defined]
        ask(d, "xin chào")
        assert bot_messages(d)[-1].find_elements(By.CSS_SELECTOR, ".choices button")  # type: ignore[attr-defined]
        d.switch_to.default_content()  # type: ignore[attr-defined]
        d.save_screenshot(str(SHOTS / "widget-360.png"))  # type: ignore[attr-defined]

        d.get(other + "/index.html")  # type: ignore[attr-defined]
        wait(d, lambda x: x.find_elements(By.CSS_SELECTOR, "#tthc-chat-widget iframe"), "the widget frame")
        d.find_element(By.CSS_SELECTOR, "#tthc-chat-widget button").click()  # type: ignore[attr-defined]
        time.sleep(2)  # not a timing assertion: the browser needs a moment to refuse the frame
        d.switch_to.frame(d.find_element(By.CSS_SELECTOR, "#tthc-chat-widget iframe"))  # type: ignore[attr-defined]
        assert not d.find_elements(By.ID, "message")  # type: ignore[attr-defined]
    finally:
        server.stop()


def test_a_survey_to_the_end(server: Server, driver: object) -> None:
    from selenium.webdriver.common.by import By

    d = driver
    d.get(server.url + "/")  # type: ignore[attr-defined]
    ask(d, "tôi muốn đánh giá hồ sơ 000.00.27.H49-251120-0031")
    ask(d, "1122")  # the demo dossier handed over (status 10) and its digits
    consent = bot_messages(d)[-1].find_elements(By.CSS_SELECTOR, ".choices button")  # type: ignore[attr-defined]
    n = len(bot_messages(d))
    consent[0].click()
    wait(d, lambda x: len(bot_messages(x)) > n and said(bot_messages(x)[-1]).startswith("Câu 1/8"), "question 1")
    choice = next(b for b in bot_messages(d)[-1].find_elements(By.CSS_SELECTOR, ".choices button")  # type: ignore[attr-defined]
                  if b.text == "Hài lòng")
    n = len(bot_messages(d))
    choice.click()
    wait(d, lambda x: len(bot_messages(x)) > n and said(bot_messages(x)[-1]).startswith("Câu 2/8"), "question 2")
    for answer in ("4", "5", "4", "5", "chưa góp ý", "1", "bỏ qua"):
        ask(d, answer)
    ask(d, "gửi")
    assert "em đã ghi nhận đánh giá" in said(bot_messages(d)[-1])
