"""The console's feedback tickets: the list (/staff/tickets), one ticket, and its actions.

A ticket's page works without JavaScript; assigning, changing the status and replying to the
citizen each commit with their audit entry. A reply goes out through the outbox on the
ticket's channel (the sender is nudged at once).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.pipeline.sqlite_gate import writing
from bot.storage.models import StaffUser
from bot.web.staff import accounts, sessions, tickets

if TYPE_CHECKING:
    from bot.features.surveys.service import SurveyService
    from bot.web.staff.pages import ConsolePages as Console


class TicketPages:
    def __init__(self, console: Console, surveys: SurveyService) -> None:
        self.c = console
        self.clock = surveys.clock

    async def listing(self, request: Request, me: sessions.Current, _: dict[str, str]) -> Response:
        status = request.query_params.get("status")
        async with self.c.sessions() as db:
            rows = await tickets.listing(db, status, self.clock(), self.c.cfg.overdue_days)
        return self.c.render("tickets.html", me=me, rows=rows, shown=status or "open",
                             overdue_days=self.c.cfg.overdue_days)

    async def ticket(self, request: Request, me: sessions.Current, _: dict[str, str],
                     message: str | None = None, status: int = 200) -> Response:
        ticket_id = int(request.path_params["ticket_id"])
        async with self.c.sessions() as db:
            found = await tickets.detail(db, ticket_id, self.clock(), self.c.cfg.overdue_days)
            staff = (await db.execute(
                StaffUser.__table__.select().where(StaffUser.disabled.is_(False)).order_by(StaffUser.username)
            )).all()
        if found is None:
            return self.c.render("error.html", 404, me=me, message="Không tìm thấy phản ánh này.")
        return self.c.render("ticket.html", status, me=me, d=found, message=message,
                             nonce=secrets.token_urlsafe(16), staff=[s.username for s in staff],
                             statuses=tickets.STATUSES, overdue_days=self.c.cfg.overdue_days)

    async def act(self, request: Request, me: sessions.Current, form: dict[str, str]) -> Response:
        ticket_id, action = int(request.path_params["ticket_id"]), request.path_params["action"]
        now, address = self.clock(), request.client.host if request.client else None
        try:
            async with writing(self.c.sessions), self.c.sessions() as db, db.begin():
                detail: dict[str, Any]
                if action == "assign":
                    detail = {"to": await tickets.assign(db, ticket_id, form.get("assignee") or None, now)}
                elif action == "status":
                    new = form.get("status", "")
                    detail = {"from": await tickets.set_status(db, ticket_id, new, now), "to": new}
                elif action == "reply":
                    sent = await tickets.reply(db, ticket_id, me.user, form.get("text", ""), form.get("nonce", ""),
                                               now)
                    detail = {"queued": sent, "chars": len(form.get("text", "").strip())}
                else:
                    return self.c.render("error.html", 404, me=me, message="Không có thao tác này.")
                await accounts.audit(db, me.user.username, f"ticket_{action}", target=str(ticket_id),
                                     address=address, detail=detail, at=now)
        except tickets.TicketError as exc:
            return await self.ticket(request, me, form, str(exc), 400)
        if action == "reply":
            self.c.nudge()
        return RedirectResponse(f"/staff/tickets/{ticket_id}", 303)

    def routes(self) -> list[BaseRoute]:
        page = self.c.page
        return [
            Route("/tickets", page(self.listing, "tickets"), methods=["GET"]),
            Route("/tickets/{ticket_id:int}", page(self.ticket, "tickets"), methods=["GET"]),
            Route("/tickets/{ticket_id:int}/{action}", page(self.act, "tickets"), methods=["POST"]),
        ]
