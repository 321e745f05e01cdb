"""Every page of the one server, the citizens' chat and the staff console, carries the same strict headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fakes.assistant import Served, channel_settings, serving, sqlite_url
from fakes.http import free_port
from staff_console_fixtures import PASSWORD, csrf_of

from bot.app import build_services
from bot.web.staff import accounts
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

FRAMER = "https://tthc.example.gov.vn"


@pytest.fixture
async def served(tmp_path: Path, knowledge: dict[str, Procedure], resolver: Resolver) -> AsyncIterator[Served]:
    base = channel_settings(sqlite_url(tmp_path), free_port(), channels={"web": {"allowed_origins": [FRAMER]}})
    settings = base.model_copy(update={
        "staff_console": base.staff_console.model_copy(update={"key_file": tmp_path / "staff.key"}),
    })
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    async with services.sessions() as db, db.begin():
        await accounts.add(db, "lan", "admin", PASSWORD)
    try:
        async with serving(services) as s:
            yield s
    finally:
        await services.aclose()


def _strict(r: httpx.Response, framed_by: str | None = None) -> None:
    csp = r.headers["content-security-policy"]
    for part in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                 "base-uri 'none'"):
        assert part in csp, (r.url, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
    if framed_by:
        assert f"frame-ancestors 'self' {framed_by}" in csp
    else:
        assert "frame-ancestors 'none'" in csp and r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in ("same-origin", "no-referrer")


async def test_chat_and_staff_pages_all_carry_the_policy(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        for path in ("/", "/static/chat.css", "/static/chat.js", "/ket-qua", "/healthz", "/no-such-page"):
            _strict(await client.get(path))
        _strict(await client.get("/widget"), framed_by=FRAMER)
        login = await client.get("/staff/login")
        await client.post("/staff/login", data={"csrf": csrf_of(login.text), "username": "lan", "password": PASSWORD})
        staff = [login]
        for path in ("/staff/", "/staff/tickets", "/staff/exports", "/staff/dossiers", "/staff/data.json",
                     "/staff/tickets/999", "/staff/nothing-here"):
            staff.append(await client.get(path))
        assert [r.status_code for r in staff] == [200, 200, 200, 200, 200, 200, 404, 404]
        token = csrf_of(staff[1].text)
        limit = served.services.settings.staff_console.upload_max_bytes
        staff.append(await client.post("/staff/dossiers", data={"csrf": token},
                                       files={"file": ("big.csv", b"x" * (limit + 1), "text/csv")}))
        assert staff[-1].status_code == 413
        style = await client.get("/staff/static/staff.css")
    for r in staff:
        _strict(r)
        assert r.headers["referrer-policy"] == "no-referrer" and r.headers["cache-control"] == "no-store", r.url
    _strict(style)
    assert style.headers["cache-control"] == "public, max-age=3600"
