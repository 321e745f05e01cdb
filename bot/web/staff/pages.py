"""What the console's page modules share: the ``ConsolePages`` protocol (``routes.Console`` is one), typed
here so that the page modules the console wires never import ``routes`` back, and the template filters
that turn stored values into what a clerk reads (names, Vietnamese dates, masks in words)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.features.dossiers.fields import VN_TZ, as_utc
from bot.settings.staff import StaffConsoleSettings
from bot.web.staff import sessions

if TYPE_CHECKING:
    from bot.app import Services

Handler = Callable[[Request, sessions.Current, dict[str, str]], Awaitable[Response]]

CHANNELS = {"telegram": "Telegram", "zalo": "Zalo", "zalo_bot": "Zalo", "web": "Web", "console": "Thử nghiệm"}
# The project's two forms by a name that fits a phone's select box; another form shows its own title.
FORM_NAMES = {"short": "Phiếu ngắn (8 câu)", "full": "Phiếu đầy đủ (22 tiêu chí)"}
# The log masks (bot.ops.logs.mask) are written for engineers; the comment box says the same in words.
_MASKS = [
    (re.compile(r"<phone …(\d+)>"), r"[số điện thoại …\1]"),
    (re.compile(r"<cccd>"), "[số định danh]"),
    (re.compile(r"<cmnd>"), "[số CMND]"),
    (re.compile(r"<(?:token|secret)>"), "[đã che]"),
]


class ConsolePages(Protocol):
    cfg: StaffConsoleSettings
    services: Services
    sessions: async_sessionmaker[AsyncSession]
    env: Environment
    nudge: Callable[[], None]

    def render(self, name: str, status: int = 200, **ctx: Any) -> HTMLResponse: ...
    def page(self, handler: Handler, role: str | None = None) -> Callable[[Request], Awaitable[Response]]: ...


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def vn_time(value: dt.datetime | None) -> str:
    return "" if value is None else f"{as_utc(value).astimezone(VN_TZ):%d/%m/%Y %H:%M}"


def dmy(value: dt.date | str | None) -> str:
    """A date (or an ISO date string from a stored filter) as dd/mm/yyyy, the way a clerk writes it."""
    if isinstance(value, str):
        try:
            return f"{dt.date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    return "" if value is None else f"{value:%d/%m/%Y}"


def waited(since: dt.datetime, now: dt.datetime) -> str:
    minutes = max(0, int((as_utc(now) - as_utc(since)).total_seconds() // 60))
    if minutes < 1:
        return "dưới 1 phút"
    if minutes < 60:
        return f"{minutes} phút"
    return f"{minutes // 60} giờ {minutes % 60} phút" if minutes % 60 else f"{minutes // 60} giờ"


def masked(text: str) -> str:
    for pattern, words in _MASKS:
        text = pattern.sub(words, text)
    return text


def form_name(key: str, title: str) -> str:
    return FORM_NAMES.get(key, title)


def install_filters(env: Environment) -> None:
    env.filters.update(pct=pct, vn=vn_time, dmy=dmy, waited=waited, masked=masked,
                       channel=lambda c: CHANNELS.get(c or "", c or ""))
