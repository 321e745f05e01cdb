"""The one web server (Starlette on uvicorn): channel webhooks, the dossier push, a health check.

Routes: ``GET /healthz``, ``/livez``, ``/metrics`` (README "Operations"); ``POST /telegram/webhook``, ``/zalo/webhook``,
``/zalo-bot/webhook`` for the enabled channels; plus the routes features bring
(``bot.features.dossiers.push.push_routes`` when present). A webhook only stores the event and
answers; workers process it. Bodies over the limit are refused with 413 before any
route runs, whatever ``Content-Length`` claims.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import AsyncIterator, Mapping, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.ops import health, metrics
from bot.runtime import Runtime
from bot.web.security import SecurityHeaders
from bot.web.site import framing, web_routes

log = logging.getLogger(__name__)


TOO_LARGE = (
    '<!doctype html><html lang="vi"><meta charset="utf-8"><title>File quá lớn</title>'
    "<p>File quá lớn: tối đa {mb} MB. Vui lòng chia nhỏ file rồi tải lên lại.</p>"
    '<p><a href="{path}">Quay lại</a></p></html>'
)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI middleware: 413 for bodies over ``max_bytes``, declared or streamed.

    ``larger`` raises the limit for a few exact paths (the staff console's file upload) without
    raising it for every webhook; those paths get their refusal as a page a clerk can read.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        page = limit != self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and (len(declared) > 12 or int(declared) > limit):
            await self._refuse(send, scope, limit if page else None)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, scope, limit if page else None)

    @staticmethod
    async def _refuse(send: Send, scope: Scope, page_limit: int | None = None) -> None:
        response: Response = JSONResponse({"ok": False, "error": "body too large"}, status_code=413)
        if page_limit is not None:
            response = HTMLResponse(TOO_LARGE.format(mb=page_limit // 2**20 or 1, path=html.escape(scope["path"])),
                                    status_code=413)
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def feature_routes(runtime: Runtime) -> list[BaseRoute]:
    """Routes other features contribute, when present and configured.

    The dossier push refuses to exist without its secret; then the server runs without
    it when it has channels to serve, and refuses to start when it would serve nothing.
    """
    try:
        from bot.features.dossiers.push import PushNotConfigured, push_routes
    except ImportError:
        return []
    try:
        return list(push_routes(runtime.services))
    except PushNotConfigured as exc:
        if not runtime.channels and not runtime.services.settings.staff_console.enabled:
            raise
        log.warning("dossier push not served: %s", exc)
        return []


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
        body, content_type = await metrics.exposition(services.sessions, runtime.channels)
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
