"""HTTP endpoints of the web chat: the page, the widget loader, history, sending, and the reply stream.

Replies reach the page by server-sent events rather than a WebSocket: the traffic is one-way
(sending is a plain POST that goes through the same body limit, origin check and rate
limits as every request), the browser's EventSource reconnects by itself and sends the
``Last-Event-ID`` it saw, which is exactly the resume point we need, and it is ordinary
HTTP that passes the centre's reverse proxy without an upgrade and needs no extra library.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from bot.channels.common import WebhookStore
from bot.web.base import STATIC_DIR
from bot.web.chat import texts
from bot.web.chat.channel import Accepted, WebChannel, accept
from bot.web.chat.store import ChatStore

COOKIE = "tthc_chat"
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_PAYLOAD = 64
# Whether a clerk holds a session's chat ("waiting", "active") or the assistant answers (None).
Held = Callable[[str], Awaitable[str | None]]


async def _nobody(_: str) -> str | None:
    return None


def _answer(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"ok": status < 300, "message": message, **extra}, status_code=status)


class ChatRoutes:
    def __init__(
        self, channel: WebChannel, inbox: WebhookStore, templates: Jinja2Templates, hotline: str, poll_s: float,
        held: Held = _nobody,
    ) -> None:
        self.channel = channel
        self.chat: ChatStore = channel.store
        self.inbox = inbox
        self.settings = channel.settings
        self.templates = templates
        self.hotline = hotline
        self.poll_s = poll_s
        self.held = held

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.page, methods=["GET"]),
            Route("/widget", self.widget_frame, methods=["GET"]),
            Route("/widget.js", self.widget_js, methods=["GET"]),
            Route("/chat/history", self.history, methods=["GET"]),
            Route("/chat/messages", self.send, methods=["POST"]),
            Route("/chat/events", self.events, methods=["GET"]),
        ]

    # -- pages ----------------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        return self.templates.TemplateResponse(request, "chat.html", {"embed": False, "hotline": self.hotline})

    async def widget_frame(self, request: Request) -> Response:
        return self.templates.TemplateResponse(request, "chat.html", {"embed": True, "hotline": self.hotline})

    async def widget_js(self, request: Request) -> Response:
        body = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
        return Response(body, media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"})

    # -- session --------------------------------------------------------------------------------------

    def _address(self, request: Request) -> str:
        return request.client.host if request.client else "unknown"

    async def _session(self, request: Request) -> str | None:
        sid = request.cookies.get(COOKIE, "")
        return sid if sid and len(sid) <= 64 and await self.chat.exists(sid) else None

    def _set_cookie(self, response: Response, sid: str, request: Request) -> None:
        # In the widget the page is framed by another site: only a SameSite=None (Secure, partitioned by the
        # embedding site) cookie reaches us there. On the full page a Lax cookie is enough and safer.
        embedded = request.query_params.get("embed") == "1"
        attrs = [f"{COOKIE}={sid}", "Path=/", "HttpOnly", "Max-Age=31536000"]
        attrs += ["SameSite=None", "Secure", "Partitioned"] if embedded else ["SameSite=Lax"]
        if self.settings.secure_cookie and not embedded:
            attrs.append("Secure")
        response.headers.append("Set-Cookie", "; ".join(attrs))

    def _same_origin(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:
            return True  # not a browser's cross-site request (those always carry Origin on POST)
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        return origin == own

    async def history(self, request: Request) -> Response:
        """The session's messages (oldest first); opens a session for a browser that has none."""
        sid = await self._session(request)
        created = False
        if sid is None:
            sid = await self.chat.open_session(self._address(request))
            if sid is None:
                return _answer(429, texts.LIMIT)
            created = True
        messages = await self.chat.after(sid)
        response = JSONResponse(
            {"ok": True, "messages": [m.as_json() for m in messages], "last_id": messages[-1].id if messages else 0,
             "max_chars": self.chat.limits.max_text_chars, "held": await self.held(sid)},
            headers={"Cache-Control": "no-store"},
        )
        if created:
            self._set_cookie(response, sid, request)
        return response

    async def send(self, request: Request) -> Response:
        if not self._same_origin(request):
            return _answer(403, texts.FORBIDDEN)
        sid = await self._session(request)
        if sid is None:
            return _answer(401, texts.NO_SESSION)
        try:
            data = json.loads(await request.body())
        except (ValueError, RecursionError):
            return _answer(400, texts.BAD_REQUEST)
        if not isinstance(data, dict):
            return _answer(400, texts.BAD_REQUEST)
        client_id, text, payload, label = (data.get(k) for k in ("client_id", "text", "payload", "label"))
        if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
            return _answer(400, texts.BAD_REQUEST)
        if payload is not None and (not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD):
            return _answer(400, texts.BAD_REQUEST)
        text = text.strip() if isinstance(text, str) else ""
        shown = (label if isinstance(label, str) else "")[:200] if payload else text
        if payload is None and not text:
            return _answer(400, texts.EMPTY)
        if len(text) > self.chat.limits.max_text_chars or await self.chat.over_limit(sid, self._address(request)):
            return _answer(429, texts.LIMIT, limit=True)
        outcome = await accept(self.chat, self.inbox, sid, client_id, text, payload, shown or "…")
        if outcome == Accepted.UNAVAILABLE:
            return _answer(503, texts.BUSY)
        # The page shows "đang trả lời" only when the assistant will answer, not while a clerk holds the chat.
        return JSONResponse({"ok": True, "resent": outcome == Accepted.RESENT, "held": await self.held(sid)})

    # -- the reply stream -----------------------------------------------------------------------------

    async def events(self, request: Request) -> Response:
        """Server-sent events from the message after ``Last-Event-ID`` (or ``?after=``), then as they come."""
        sid = await self._session(request)
        if sid is None:
            return _answer(401, texts.NO_SESSION)
        raw = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
        last = int(raw) if raw.isdigit() else 0

        async def stream() -> AsyncIterator[str]:
            nonlocal last
            yield "retry: 2000\n\n"
            with self.chat.hub.listen(sid) as wake:
                while True:
                    wake.clear()
                    batch = await self.chat.after(sid, last)
                    for m in batch:
                        last = m.id
                        yield f"id: {m.id}\nevent: message\ndata: {json.dumps(m.as_json(), ensure_ascii=False)}\n\n"
                    if batch:  # a clerk taking or handing back the chat always says so in a message
                        yield f"event: state\ndata: {json.dumps({'held': await self.held(sid)})}\n\n"
                    try:
                        await asyncio.wait_for(wake.wait(), self.poll_s)
                    except TimeoutError:
                        yield ": ping\n\n"

        return StreamingResponse(
            stream(), media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
