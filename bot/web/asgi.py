"""The one web server (Starlette on uvicorn): channel webhooks, the dossier push, a health check.

Routes: ``GET /healthz``, ``/livez``, ``/metrics`` (README "Operations"); ``POST /telegram/webhook``, ``/zalo/webhook``,
``/zalo-bot/webhook`` for the enabled channels; plus the routes features bring
(``Feature.routes``, e.g. the dossier push). A webhook only stores the event and
answers; workers process it. Bodies over the limit are refused with 413 before any
route runs, whatever ``Content-Length`` claims.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.features.feature import NotServed
from bot.ops import health, metrics
from bot.pipeline.backlog import read_backlog
from bot.runtime import Runtime
from bot.web.body_limit import BodyLimit
from bot.web.security import SecurityHeaders
from bot.web.site import framing, web_routes

log = logging.getLogger(__name__)


def feature_routes(runtime: Runtime) -> list[BaseRoute]:
    """Routes the features bring (bot.features.feature), those their settings allow.

    A feature's routes may refuse to exist (the dossier push without its secret); then the
    server runs without them when it has something else to serve, and refuses to start when
    it would serve nothing.
    """
    routes: list[BaseRoute] = []
    for feature in runtime.services.features:
        try:
            routes += feature.routes()
        except NotServed as exc:
            if not runtime.channels and not runtime.services.settings.staff_console.enabled:
                raise
            log.warning("%s not served (%s): %s", exc.what, feature.name, exc)
    return routes


def create_app(
    runtime: Runtime, extra_routes: Sequence[BaseRoute] | None = None, *, close_services: bool = True
) -> Starlette:
    """The server; ``extra_routes`` None means the features' own routes."""
    services = runtime.services

    async def healthz(_: Request) -> JSONResponse:
        """Readiness (bot.ops.health): 200 ok or degraded (NLU down), 503 when the database is down."""
        code, body = await health.report(services.engine, services.nlu, sorted(runtime.channels))
        return JSONResponse(body, status_code=code)

    async def livez(_: Request) -> JSONResponse:
        return JSONResponse({"status": "alive"})

    async def metrics_route(_: Request) -> Response:
        body, content_type = await metrics.exposition(lambda: read_backlog(services.sessions), runtime.channels)
        return Response(body, media_type=content_type)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]), Route("/livez", livez, methods=["GET"]),
        Route("/metrics", metrics_route, methods=["GET"]),
    ]
    from bot.web.staff.dossier_upload import UPLOAD_PATH
    from bot.web.staff.routes import staff_mount  # the staff console (/staff), README "Staff console"

    routes += staff_mount(services, runtime.sender.nudge)
    paths = {"telegram": "/telegram/webhook", "zalo": "/zalo/webhook", "zalo_bot": "/zalo-bot/webhook"}
    for name, channel in runtime.channels.items():
        if name in paths:  # the web chat brings its own routes (bot.web.site)
            routes.append(Route(paths[name], channel.webhook, methods=["POST"]))
    routes += list(extra_routes) if extra_routes is not None else feature_routes(runtime)
    routes += web_routes(runtime)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        log.info("serving: %s", ", ".join(sorted(runtime.channels)) or "no channel")
        try:
            yield
        finally:
            await runtime.stop()
            if close_services:
                await services.aclose()

    app = Starlette(routes=routes, lifespan=lifespan)
    console = services.settings.staff_console
    app.add_middleware(BodyLimit, max_bytes=services.settings.channels.server.max_body_bytes,
                       larger={UPLOAD_PATH: console.upload_max_bytes} if console.enabled else None)
    app.add_middleware(SecurityHeaders, framing=framing(services.settings.channels.web.allowed_origins))
    return app
