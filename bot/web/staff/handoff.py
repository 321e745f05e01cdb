"""The console's live handoff: the queue (/staff/handoff) and one chat (/staff/handoff/<id>).

Pages work without JavaScript (the queue refreshes itself, the chat has a reload
link); the app's own script only fetches new lines of the chat as JSON and appends
them as text. Every take, reply and hand-back commits with its audit entry.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.features.handoff.service import HandoffError, HandoffService, Line
from bot.pipeline.sqlite_gate import writing
from bot.web.staff import accounts, sessions

if TYPE_CHECKING:
    from bot.web.staff.pages import ConsolePages as Console

STATUS = {"waiting": "Đang chờ cán bộ", "active": "Đang trao đổi", "back": "Đã chuyển lại cho trợ lý ảo",
          "ticket": "Đã chuyển thành phản ánh", "cancelled": "Người dân đã huỷ"}
AUTHOR = {"citizen": "Người dân", "assistant": "Trợ lý ảo (trước đó)", "clerk": "Cán bộ"}
ACTIONS = {"take": "handoff_take", "reply": "handoff_reply", "back": "handoff_back"}


def _json_line(line: Line, vn: Any) -> dict[str, Any]:
    m = line.message
    return {"id": m.id, "author": m.author, "who": AUTHOR.get(m.author, m.author) + (f" {line.clerk}" if line.clerk
            else ""), "text": m.text, "at": vn(m.at), "delivery": line.delivery}


class HandoffPages:
    def __init__(self, console: Console, service: HandoffService) -> None:
        self.c = console
        self.svc = service

    async def queue(self, request: Request, me: sessions.Current, _: dict[str, str]) -> Response:
        async with self.c.sessions() as db:
            rows = await self.svc.queue(db)
        return self.c.render("handoff_list.html", me=me, rows=rows, state=STATUS, open_now=self.svc.is_open(),
                             wait_minutes=self.svc.settings.wait_minutes, now=self.svc.clock())

    async def chat(self, request: Request, me: sessions.Current, _: dict[str, str], message: str | None = None,
                   status: int = 200) -> Response:
        async with self.c.sessions() as db:
            found = await self.svc.detail(db, int(request.path_params["handoff_id"]))
        if found is None:
            return self.c.render("error.html", 404, me=me,
                                 message="Không tìm thấy yêu cầu này (người dân có thể đã xoá dữ liệu của mình).")
        h, taker, lines = found
        return self.c.render("handoff.html", status, me=me, h=h, taker=taker, lines=lines, author=AUTHOR,
                             status_label=STATUS, message=message, nonce=secrets.token_urlsafe(16),
                             last=lines[-1].message.id if lines else 0)

    async def lines(self, request: Request, me: sessions.Current, _: dict[str, str]) -> Response:
        """New lines after ``after`` and the request's status, for the page's script."""
        after = request.query_params.get("after", "0")
        since = int(after) if after.isdigit() else 0
        async with self.c.sessions() as db:
            found = await self.svc.detail(db, int(request.path_params["handoff_id"]))
        if found is None:
            return JSONResponse({"status": "gone", "lines": []}, status_code=404)
        h, _taker, lines = found
        vn = self.c.env.filters["vn"]
        return JSONResponse({
            "status": h.status, "label": STATUS.get(h.status, h.status),
            "lines": [_json_line(line, vn) for line in lines if line.message.id > since],
            # Lines already shown whose delivery moved on (a chat is short: all of them, every time).
            "delivery": {str(line.message.id): line.delivery for line in lines if line.delivery},
        })

    async def act(self, request: Request, me: sessions.Current, form: dict[str, str]) -> Response:
        handoff_id, action = int(request.path_params["handoff_id"]), request.path_params["action"]
        if action not in ACTIONS:
            return self.c.render("error.html", 404, me=me, message="Không có thao tác này.")
        address = request.client.host if request.client else None
        try:
            async with writing(self.c.sessions), self.c.sessions() as db, db.begin():
                detail: dict[str, Any]
                if action == "take":
                    detail = {"taken": await self.svc.take(db, handoff_id, me.user.id)}
                elif action == "reply":
                    text = form.get("text", "")
                    sent = await self.svc.reply(db, handoff_id, me.user.id, text, form.get("nonce", ""))
                    detail = {"queued": sent, "chars": len(text.strip())}
                else:
                    await self.svc.hand_back(db, handoff_id)
                    detail = {}
                await accounts.audit(db, me.user.username, ACTIONS[action], target=str(handoff_id),
                                     address=address, detail=detail, at=self.svc.clock())
        except HandoffError as exc:
            return await self.chat(request, me, form, str(exc), 400)
        self.c.nudge()
        if action == "back":
            return RedirectResponse("/staff/handoff", 303)
        return RedirectResponse(f"/staff/handoff/{handoff_id}#reply-text", 303)

    def routes(self) -> list[BaseRoute]:
        page = self.c.page
        return [
            Route("/handoff", page(self.queue, "tickets"), methods=["GET"]),
            Route("/handoff/{handoff_id:int}", page(self.chat, "tickets"), methods=["GET"]),
            Route("/handoff/{handoff_id:int}/lines", page(self.lines, "tickets"), methods=["GET"]),
            Route("/handoff/{handoff_id:int}/{action}", page(self.act, "tickets"), methods=["POST"]),
        ]
