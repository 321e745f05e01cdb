"""Templates and static files of the web pages, shared by the citizens' pages and the staff console."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

from bot.web.base import STATIC_DIR, TEMPLATES_DIR

STATIC_PREFIX = "/static"


def static_url(name: str) -> str:
    return f"{STATIC_PREFIX}/{name}"


def make_templates(extra_dirs: Sequence[Path] = ()) -> Jinja2Templates:
    """Jinja2 with autoescaping on (Starlette's default for .html), the shared base and ``static_url``."""
    templates = Jinja2Templates(directory=[*extra_dirs, TEMPLATES_DIR])
    templates.env.globals["static_url"] = static_url
    return templates


def static_mount(extra_dirs: Sequence[Path] = ()) -> Mount:
    """``/static``: the app's own scripts and styles (a feature's folder first, then the shared one)."""
    dirs = [*extra_dirs, STATIC_DIR]
    if len(dirs) == 1:
        return Mount(STATIC_PREFIX, app=StaticFiles(directory=dirs[0]), name="static")
    return Mount(STATIC_PREFIX, app=_Layered([StaticFiles(directory=d) for d in dirs]), name="static")


class _Layered:
    """The first of several static directories that has the file."""

    def __init__(self, apps: list[StaticFiles]) -> None:
        self.apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for app in self.apps[:-1]:
            _full, stat = app.lookup_path(app.get_path(scope))
            if stat is not None:
                await app(scope, receive, send)
                return
        await self.apps[-1](scope, receive, send)
