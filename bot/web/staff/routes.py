"""The console at /staff: sign-in, dashboard, exports here; tickets, live handoff, dossier upload each in
their own module (ticket_pages, handoff, dossier_upload), wired by :meth:`Console.routes`.

Each page checks the session first (an expired or missing one goes to the sign-in
page), each form its CSRF token, each action the clerk's role; state changes commit in
one transaction with their audit entry. Pages are server-rendered and work without
JavaScript; the app's own script only draws the trend chart from data the page carries.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import Services
from bot.features.surveys.export import ExportRequest, Format
from bot.pipeline.sqlite_gate import writing
from bot.web.staff import accounts, dashboard, sessions, tickets
from bot.web.staff.dossier_upload import DossierUpload
from bot.web.staff.exports import ExportRunner
from bot.web.staff.models import StaffExport
from bot.web.staff.pages import Handler, form_name, install_filters
from bot.web.staff.ticket_pages import TicketPages

HERE = Path(__file__).resolve().parent
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút hoặc liên hệ quản trị viên."
BAD_FORM = "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại."


async def _form(request: Request) -> dict[str, str]:
    """The form's text fields; a file upload (multipart) stays in ``request.form()``, parsed once and cached."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        data = await request.form(max_files=1, max_fields=20)
        return {k: v for k, v in data.items() if isinstance(v, str)}
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


class Console:
    def __init__(self, services: Services, nudge: Callable[[], None] = lambda: None) -> None:
        settings = services.settings
        self.cfg = settings.staff_console
        self.services = services
        self.sessions = services.sessions
        self.nudge = nudge
        secret = settings.staff_session_key.get_secret_value() if settings.staff_session_key else None
        self.signer = sessions.Signer(sessions.load_key(secret, settings.path(self.cfg.key_file)))
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())
        install_filters(self.env)
        assert services.surveys is not None
        self.surveys = services.surveys.service
        self.names = {code: p.name for code, p in services.procedures.items()}
        self.titles = {key: form_name(key, form.title) for key, form in self.surveys.forms.items()}
        self.exports = ExportRunner(self.sessions, self.surveys.forms, settings.path(settings.surveys.exports_dir),
                                    self.surveys.settings.index_method, self.names)
        self.dossiers = DossierUpload(self, nudge)

    # -- plumbing ------------------------------------------------------------------------------------

    def render(self, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("labels", tickets.LABELS)
        ctx.setdefault("titles", self.titles)
        return HTMLResponse(self.env.get_template(name).render(**ctx), status_code=status)

    def _cookie(self, request: Request, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/staff", httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")

    async def me(self, request: Request) -> sessions.Current | None:
        token = self.signer.unsign(request.cookies.get(sessions.COOKIE))
        if token is None:
            return None
        async with writing(self.sessions), self.sessions() as db, db.begin():
            return await sessions.current(db, self.cfg, token)

    def page(self, handler: Handler, role: str | None = None) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            me = await self.me(request)
            if me is None:
                if request.method == "POST":
                    return self.render("error.html", 403, message=BAD_FORM, me=None)
                return RedirectResponse("/staff/login?" + urlencode({"next": request.url.path}), 303)
            form: dict[str, str] = {}
            if request.method == "POST":
                form = await _form(request)
                if not sessions.same(form.get("csrf"), me.csrf):
                    return self.render("error.html", 403, message=BAD_FORM, me=me)
            if role and me.user.role not in accounts.MAY[role]:
                return self.render("error.html", 403, me=me,
                                   message="Tài khoản của Anh/Chị không có quyền làm việc này.")
            return await handler(request, me, form)
        return endpoint

    # -- sign-in ---------------------------------------------------------------------------------------

    async def login_page(self, request: Request, message: str | None = None, status: int = 200,
                         username: str = "") -> Response:
        pre = self.signer.unsign(request.cookies.get(sessions.PRE_COOKIE)) or secrets.token_urlsafe(24)
        nxt = request.query_params.get("next", "/staff")
        response = self.render("login.html", status, csrf=self.signer.login_csrf(pre), message=message,
                               next=nxt if nxt.startswith("/staff") else "/staff", username=username, me=None)
        self._cookie(request, response, sessions.PRE_COOKIE, self.signer.sign(pre), 3600)
        return response

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            return await self.login_page(request)
        form = await _form(request)
        pre = self.signer.unsign(request.cookies.get(sessions.PRE_COOKIE))
        if pre is None or not sessions.same(form.get("csrf"), self.signer.login_csrf(pre)):
            return await self.login_page(request, BAD_FORM, 403)
        address = request.client.host if request.client else "unknown"
        username = form.get("username", "")[:64]
        async with writing(self.sessions), self.sessions() as db, db.begin():
            result = await accounts.sign_in(db, self.cfg, username, form.get("password", ""), address)
            token = await sessions.open_session(db, result.user) if result.user else None
        if token is None:
            locked = result.outcome == "locked"
            text = LOCKED.format(minutes=self.cfg.failure_window_minutes) if locked else WRONG
            return await self.login_page(request, text, 429 if locked else 401, username)
        nxt = form.get("next", "/staff")
        response = RedirectResponse(nxt if nxt.startswith("/staff") and "//" not in nxt else "/staff", 303)
        self._cookie(request, response, sessions.COOKIE, self.signer.sign(token), self.cfg.absolute_hours * 3600)
        response.delete_cookie(sessions.PRE_COOKIE, path="/staff")
        return response

    async def logout(self, request: Request, me: sessions.Current, _: dict[str, str]) -> Response:
        token = self.signer.unsign(request.cookies.get(sessions.COOKIE))
        async with writing(self.sessions), self.sessions() as db, db.begin():
            if token:
                await sessions.close_session(db, token)
            await accounts.audit(db, me.user.username, "logout", address=request.client and request.client.host)
        response = RedirectResponse("/staff/login", 303)
        response.delete_cookie(sessions.COOKIE, path="/staff")
        return response

    # -- dashboard -------------------------------------------------------------------------------------

    async def _board(self, request: Request) -> tuple[dashboard.Dashboard, list[str], list[str], list[str]]:
        f, errors = dashboard.parse_filters(request.query_params, self.surveys.forms,
                                            self.surveys.settings.form, self.surveys.today())
        form = self.surveys.forms[f.form]
        async with self.sessions() as db:
            board = await dashboard.build(db, form, f, self.surveys.settings.index_method, self.names,
                                          self.surveys.today())
            units, procs = await dashboard.choices(db, form)
        return board, errors, units, procs

    async def home(self, request: Request, me: sessions.Current, _: dict[str, str]) -> Response:
        board, errors, units, procs = await self._board(request)
        trend = [{"month": p.month, "responses": p.responses, "index": p.index, "ratio": p.ratio}
                 for p in board.trend]
        return self.render("dashboard.html", me=me, b=board, errors=errors, units=units, names=self.names,
                           procedures=procs, forms=sorted(self.surveys.forms), trend_json=json.dumps(trend),
                           query=urlencode(board.filters.query()))

    async def data(self, request: Request, me: sessions.Current, _: dict[str, str]) -> Response:
        """The dashboard's figures as JSON (full precision), for scripts and checks."""
        b = (await self._board(request))[0]
        return JSONResponse({
            "filters": b.filters.query(), "responses": b.index.responses, "invited": b.invited,
            "response_rate": b.response_rate, "index": b.index.overall.value,
            "elements": {e.name: b.index.elements[e.id].value for e in b.form.elements},
            "ratio_766": b.ratio.percent, "rated": b.ratio.rated, "tickets": b.tickets,
            "trend": [vars(p) for p in b.trend],
            "lowest_procedures": [vars(g) for g in b.lowest_procedures],
            "lowest_units": [vars(g) for g in b.lowest_units],
        })

    # -- exports ---------------------------------------------------------------------------------------

    async def export_list(self, request: Request, me: sessions.Current, _: dict[str, str],
                          message: str | None = None, status: int = 200) -> Response:
        params = request.query_params if request.method == "GET" else {}
        f, _errors = dashboard.parse_filters(params, self.surveys.forms, self.surveys.settings.form,
                                             self.surveys.today())
        async with self.sessions() as db:
            stmt = StaffExport.__table__.select().order_by(StaffExport.id.desc()).limit(20)
            if me.user.role != "admin":
                stmt = stmt.where(StaffExport.staff_id == me.user.id)
            jobs = (await db.execute(stmt)).all()
            units, procs = await dashboard.choices(db, self.surveys.forms[f.form])
        busy = any(j.status in ("pending", "running") and self.exports.running(j.id) for j in jobs)
        return self.render("exports.html", status, me=me, jobs=jobs, f=f, units=units, procedures=procs,
                           names=self.names, forms=sorted(self.surveys.forms), busy=busy, message=message,
                           progress=self.exports.progress, may_export=me.user.role in accounts.MAY["export"],
                           running=self.exports.running)

    async def export_start(self, request: Request, me: sessions.Current, form: dict[str, str]) -> Response:
        f, errors = dashboard.parse_filters(form, self.surveys.forms, self.surveys.settings.form,
                                            self.surveys.today())
        anonymous = form.get("identifying") != "1"
        reason = form.get("reason", "").strip()[:500] or None
        fmt: Format = "csv" if form.get("format") == "csv" else "xlsx"
        if errors:
            return await self.export_list(request, me, form, " ".join(errors), 400)
        if not anonymous and not reason:
            return await self.export_list(request, me, form,
                                          "Bản có thông tin định danh cần ghi rõ lý do xuất.", 400)
        req = ExportRequest(f.start, f.end, f.form, f.unit, anonymous, f.procedure)
        async with writing(self.sessions), self.sessions() as db, db.begin():
            job = await self.exports.create(db, me.user, req, fmt, reason)
            await accounts.audit(db, me.user.username, "export_start", target=str(job.id),
                                 address=request.client and request.client.host,
                                 detail={**req.filters(), "format": fmt, "reason": reason})
        self.exports.launch(job.id)
        return RedirectResponse("/staff/exports", 303)

    async def export_download(self, request: Request, me: sessions.Current, _: dict[str, str]) -> Response:
        job_id = int(request.path_params["job_id"])
        async with self.sessions() as db:
            job = await db.get(StaffExport, job_id)
        if job is None or (job.staff_id != me.user.id and me.user.role != "admin"):
            return self.render("error.html", 404, me=me, message="Không tìm thấy file này.")
        if job.status != "done" or not job.path or not Path(job.path).exists():
            return self.render("error.html", 404, me=me,
                               message="File chưa xong hoặc đã bị xoá theo thời hạn lưu. Vui lòng xuất lại.")
        media = "text/csv" if job.format == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return FileResponse(job.path, media_type=media, filename=Path(job.path).name)

    # -- routes ----------------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        from bot.web.staff.handoff import HandoffPages  # live handoff ("gặp cán bộ"), when the feature is built

        handoff = HandoffPages(self, self.services.handoff).routes() if self.services.handoff is not None else []
        return [
            *handoff,
            Route("/login", self.login, methods=["GET", "POST"]),
            Route("/logout", self.page(self.logout), methods=["POST"]),
            Route("/", self.page(self.home), methods=["GET"]),
            Route("/data.json", self.page(self.data), methods=["GET"]),
            *TicketPages(self, self.surveys).routes(),
            Route("/exports", self.page(self.export_list, "export"), methods=["GET"]),
            Route("/exports", self.page(self.export_start, "export"), methods=["POST"]),
            Route("/exports/{job_id:int}/download", self.page(self.export_download, "export"), methods=["GET"]),
            Route("/dossiers", self.page(self.dossiers.show, "dossiers"), methods=["GET"]),
            Route("/dossiers", self.page(self.dossiers.upload, "dossiers"), methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="staff-static"),
        ]


def staff_mount(services: Services, nudge: Callable[[], None] = lambda: None) -> list[BaseRoute]:
    """The console at /staff (nothing when disabled in config or without the survey feature)."""
    if not services.settings.staff_console.enabled or services.surveys is None:
        return []
    console = Console(services, nudge)
    return [Mount("/staff", routes=console.routes())]  # headers: bot.web.security, for every page at once
