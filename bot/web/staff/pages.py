"""What a page module needs of the console (``routes.Console`` is one): typed here so that the page
modules the console wires never import ``routes`` back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.web.staff import sessions
from bot.web.staff.settings import StaffConsoleSettings

if TYPE_CHECKING:
    from bot.app import Services

Handler = Callable[[Request, sessions.Current, dict[str, str]], Awaitable[Response]]


class ConsolePages(Protocol):
    cfg: StaffConsoleSettings
    services: Services
    sessions: async_sessionmaker[AsyncSession]
    env: Environment
    nudge: Callable[[], None]

    def render(self, name: str, status: int = 200, **ctx: Any) -> HTMLResponse: ...
    def page(self, handler: Handler, role: str | None = None) -> Callable[[Request], Awaitable[Response]]: ...
