"""The web server: health check and the dossier status push; channel webhooks will join it.

Kept minimal on purpose: each feature brings its own routes (``push_routes``), this
only assembles them and closes the services on shutdown.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.app import Services
from bot.dossiers.push import push_routes


def create_app(services: Services) -> Starlette:
    async def healthz(_: Request) -> JSONResponse:
        try:
            async with services.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means "not ready"
            return JSONResponse({"status": "database unavailable", "error": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await services.aclose()

    routes = [Route("/healthz", healthz, methods=["GET"]), *push_routes(services)]
    return Starlette(routes=routes, lifespan=lifespan)
