"""Headless Chromium (Debian's chromium + chromium-driver) driven by Selenium, for the staff console tests.

Selenium calls block, and our server runs in the test's event loop, so every browser
call goes through a thread (``Browser`` wraps them). Screenshots go to ``tmp_path`` and,
when TTHC_SCREENSHOTS names a folder, there too, to be looked at.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
LAPTOP, PHONE = (1280, 900), (360, 780)

__all__ = ["Browser", "browser"]


class Browser:
    def __init__(self, driver: Any, base: str, shots: list[Path], downloads: Path) -> None:
        self.driver = driver
        self.base = base
        self.shots = shots
        self.downloads = downloads
        self.width = LAPTOP[0]

    async def call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def open(self, path: str) -> None:
        await self.call(self.driver.get, self.base + path)

    async def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return await self.call(self.driver.find_element, By.CSS_SELECTOR, css)

    async def text(self, css: str = "body") -> str:
        for attempt in range(3):
            element = await self.find(css)
            try:
                return str(await self.call(lambda e=element: e.text))
            except Exception as e:  # replaced by the page's script between find and read
                if attempt == 2 or not _gone(e):
                    raise
        raise AssertionError("unreachable")

    async def type(self, css: str, value: str) -> None:
        element = await self.find(css)
        await self.call(element.clear)
        await self.call(element.send_keys, value)

    async def click(self, css: str, navigates: bool = True) -> None:
        """Clicks; when it loads a page, waits (bounded) until the old page is gone."""
        from selenium.webdriver.support.ui import WebDriverWait

        old = await self.find("html")
        for attempt in range(3):
            # A page's own script (the handoff chat's refresh) may replace the node between find and click.
            element = await self.find(css)
            try:
                await self.call(element.click)
                break
            except Exception as e:
                if attempt == 2 or not _gone(e):
                    raise
        if navigates:
            await self.call(lambda: WebDriverWait(self.driver, 30).until(lambda _: _detached(old)))
            await self.call(lambda: WebDriverWait(self.driver, 30).until(
                lambda d: d.execute_script("return document.readyState") == "complete"))

    async def choose(self, css: str, value: str) -> None:
        from selenium.webdriver.support.ui import Select

        element = await self.find(css)
        await self.call(lambda: Select(element).select_by_value(value))

    async def size(self, width: int, height: int) -> None:
        """The viewport: a phone width is emulated (a headless window cannot be made narrower than ~500 px)."""
        self.width = width
        if width < 500:
            await self.call(self.driver.execute_cdp_cmd, "Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
            return
        await self.call(self.driver.execute_cdp_cmd, "Emulation.clearDeviceMetricsOverride", {})
        await self.call(self.driver.set_window_size, width, height)

    async def shot(self, name: str, full: bool = True) -> Path:
        """A screenshot of the page (the window grown to the page's height first) or of what the window shows."""
        if full:
            await self.call(self.driver.execute_script, "window.scrollTo(0, 0)")
            height = await self.call(self.driver.execute_script, "return document.documentElement.scrollHeight")
            await self.size(self.width, min(int(height) + (0 if self.width < 500 else 120), 6000))
        for folder in self.shots:
            folder.mkdir(parents=True, exist_ok=True)
            await self.call(self.driver.save_screenshot, str(folder / f"{name}.png"))
        return self.shots[0] / f"{name}.png"

    async def path(self) -> str:
        return str(await self.call(lambda: self.driver.current_url)).removeprefix(self.base)

    async def sign_in(self, username: str, password: str) -> None:
        await self.open("/staff/login")
        await self.type("#username", username)
        await self.type("#password", password)
        await self.click("#sign-in")

    async def js(self, script: str, *args: Any) -> Any:
        return await self.call(self.driver.execute_script, script, *args)

    async def page_width(self) -> int:
        """How wide the page is laid out: more than the window means sideways scrolling."""
        return int(await self.js("return document.documentElement.scrollWidth"))

    async def refused(self) -> list[str]:
        """What the browser refused to load or run under the pages' Content-Security-Policy since the last look."""
        logs = await self.call(self.driver.get_log, "browser")
        return [str(e["message"]) for e in logs if "Content Security Policy" in str(e.get("message", ""))]

    async def small_targets(self) -> list[str]:
        """Visible controls smaller than 44 × 44 px (a thumb), links inside running text aside."""
        return list(await self.js(_SMALL_TARGETS))


_SMALL_TARGETS = """
return Array.from(document.querySelectorAll('a, button, select, input:not([type=hidden]), textarea, summary'))
  .filter(e => e.getClientRects().length && !e.closest('.hint, .text, .comments, .visually-hidden, .legend'))
  .map(e => [e, (e.type === 'checkbox' && e.closest('label') || e).getBoundingClientRect()])
  .filter(([e, r]) => r.height < 43.5 || r.width < 43.5)
  .map(([e, r]) => `${e.tagName.toLowerCase()}#${e.id} «${(e.textContent || e.name || '').trim().slice(0, 30)}» `
    + `${Math.round(r.width)}x${Math.round(r.height)}`);
"""


def _gone(error: Exception) -> bool:
    """Chromium reports a replaced node either as stale or as an inspector error, depending on timing."""
    from selenium.common.exceptions import StaleElementReferenceException

    return isinstance(error, StaleElementReferenceException) or "does not belong to the document" in str(error)


def _detached(element: Any) -> bool:
    try:
        element.is_enabled()
    except Exception as e:
        if _gone(e):
            return True
        raise
    return False


def _driver(downloads: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=vi-VN",
                f"--window-size={LAPTOP[0]},{LAPTOP[1]}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to read CSP refusals back
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
    })
    return webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))


@pytest.fixture
async def browser(console: Any, tmp_path: Path) -> AsyncIterator[Browser]:
    """Chromium pointed at the console's server; fails in CI when it cannot start, skipped elsewhere."""
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        message = "chromium and chromium-driver are needed (apt-get install -y chromium chromium-driver)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = await asyncio.to_thread(_driver, downloads)
    shots = [tmp_path / "screenshots"]
    if os.environ.get("TTHC_SCREENSHOTS"):
        shots.append(Path(os.environ["TTHC_SCREENSHOTS"]))
    try:
        yield Browser(driver, console.url, shots, downloads)
    finally:
        await asyncio.to_thread(driver.quit)
