"""The one cap on request bodies, for every route: refused with 413 before a route reads them."""

from __future__ import annotations

import html
from collections.abc import Mapping

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What a person uploading through a page reads; webhooks and the chat API get JSON.
TOO_LARGE = (
    '<!doctype html><html lang="vi"><meta charset="utf-8"><title>File quá lớn</title>'
    "<p>File quá lớn: tối đa {mb} MB. Vui lòng chia nhỏ file rồi tải lên lại.</p>"
    '<p><a href="{path}">Quay lại</a></p></html>'
)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI middleware: 413 for bodies over the limit, declared or streamed.

    ``larger`` gives some paths (by prefix, e.g. an upload route) a limit of their own; every other path
    has ``max_bytes``.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    def limit_for(self, path: str) -> int:
        return next((n for prefix, n in self.larger.items() if path.startswith(prefix)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        page = limit if limit != self.max_bytes else None
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and (len(declared) > 12 or int(declared) > limit):
            await self._refuse(send, scope, page)
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
                await self._refuse(send, scope, page)

    @staticmethod
    async def _refuse(send: Send, scope: Scope, page_limit: int | None) -> None:
        response: Response = JSONResponse({"ok": False, "error": "body too large"}, status_code=413)
        if page_limit is not None:
            text = TOO_LARGE.format(mb=page_limit // 2**20 or 1, path=html.escape(scope["path"]))
            response = HTMLResponse(text, status_code=413)
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
