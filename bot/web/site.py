"""The citizens' web pages mounted on the one server: the chat, its widget, the published results, assets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from bot.web.rendering import make_templates, static_mount

if TYPE_CHECKING:
    from bot.runtime import Runtime

FRAMED_PATHS = frozenset({"/widget"})


def web_routes(runtime: Runtime) -> list[BaseRoute]:
    """Nothing when the web chat is disabled; the chat's routes need its channel (bot.runtime)."""
    from bot.web.chat.channel import WebChannel
    from bot.web.chat.routes import ChatRoutes
    from bot.web.results.routes import ResultsRoutes

    channel = runtime.channels.get("web")
    if not isinstance(channel, WebChannel) or runtime.webhook_store is None:
        return []
    services = runtime.services
    templates = make_templates()
    sqlite = services.engine.dialect.name == "sqlite"
    # One process on SQLite: a new reply wakes its stream at once. Several (PostgreSQL): a reply stored by
    # another process is found by polling.
    poll_s = channel.settings.keepalive_s if sqlite else 2.0
    handoff = services.handoff

    async def held(sid: str) -> str | None:
        if handoff is None:
            return None
        async with services.sessions() as db:
            found = await handoff.current(db, "web", sid)
        return found.status if found is not None else None

    chat = ChatRoutes(channel, runtime.webhook_store, templates, services.office.hotline, poll_s, held)
    routes: list[BaseRoute] = [*chat.routes(), static_mount()]
    if services.surveys is not None:
        routes += ResultsRoutes(services.sessions, services.surveys.service, services.office.name, templates).routes()
    return routes


def framing(allowed_origins: Sequence[str]) -> Callable[[str], Sequence[str]]:
    """Which origins may frame a path: the widget's frame for the configured origins, nothing else."""
    origins = tuple(allowed_origins)

    def ancestors(path: str) -> Sequence[str]:
        return origins if path in FRAMED_PATHS else ()

    return ancestors
