"""`GET /ket-qua` (the page, figures in a table) and `GET /ket-qua/so-lieu.json` (what its chart is drawn from)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from bot.features.surveys.service import SurveyService
from bot.web.results import figures


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %".replace(".", ",")


class ResultsRoutes:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], surveys: SurveyService, centre: str,
        templates: Jinja2Templates,
    ) -> None:
        self.sessions = sessions
        self.svc = surveys
        self.centre = centre
        self.templates = templates
        templates.env.filters.setdefault("pct", pct)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/ket-qua", self.page, methods=["GET"]),
            Route("/ket-qua/so-lieu.json", self.data, methods=["GET"]),
        ]

    async def page(self, request: Request) -> Response:
        async with self.sessions() as session:
            quarter = await figures.this_quarter(self.svc, session)
            months = await figures.monthly(self.svc, session)
        return self.templates.TemplateResponse(request, "results.html", {
            "centre": self.centre, "quarter": quarter, "months": months[::-1],
            "minimum": self.svc.settings.min_published, "method": figures.method_label(self.svc),
            "elements": [(e.id, e.name) for e in self.svc.form.elements],
        }, headers={"Cache-Control": "no-cache"})

    async def data(self, request: Request) -> Response:
        async with self.sessions() as session:
            months = await figures.monthly(self.svc, session)
        return JSONResponse({
            "minimum": self.svc.settings.min_published,
            "months": [m.as_json() for m in months],
        }, headers={"Cache-Control": "no-cache"})
