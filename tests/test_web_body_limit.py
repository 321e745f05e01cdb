"""The one body cap: 413 past the limit, and a larger limit for the paths given one (uploads)."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.web.body_limit import BodyLimit


async def _echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


def _client() -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/chat", _echo, methods=["POST"]), Route("/upload/x", _echo, methods=["POST"])])
    app.add_middleware(BodyLimit, max_bytes=100, larger={"/upload/": 1000})
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_a_path_with_a_larger_limit_takes_what_others_refuse() -> None:
    async with _client() as client:
        assert (await client.post("/chat", content=b"x" * 100)).text == "100"
        assert (await client.post("/chat", content=b"x" * 101)).status_code == 413
        assert (await client.post("/upload/x", content=b"x" * 900)).text == "900"
        assert (await client.post("/upload/x", content=b"x" * 1001)).status_code == 413
