"""Fixtures for the staff console tests: our real server with the fake Telegram, staff accounts, seeded responses.

Registered for every test by ``pytest_plugins`` in conftest.py; helpers are imported by name. Responses are
seeded with known answers so the expected figures are worked out by hand in the tests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fakes.assistant import Served, channel_settings, serving
from fakes.db import Clock as SClock
from fakes.db import database_url
from fakes.http import free_port
from fakes.telegram import FakeTelegram

from bot.app import Services, build_services
from bot.features.dossiers.models import Dossier
from bot.features.surveys.models import FeedbackTicket, SurveyAnswer, SurveyInvitation, SurveyResponse
from bot.web.staff import accounts
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

__all__ = [
    "PASSWORD", "PROC_A", "PROC_B", "UNIT_A", "UNIT_B", "Console", "console", "console_db", "csrf_of", "seed",
    "sign_in", "staff_tg",
]

PASSWORD = "mat-khau-du-dai-2026"
PROC_A, PROC_B = "1.001193", "1.000894"
UNIT_A = "Trung tâm Phục vụ hành chính công phường Hồng Gai"
UNIT_B = "Trung tâm Phục vụ hành chính công tỉnh"
NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Console:
    served: Served
    tg: FakeTelegram

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def services(self) -> Services:
        return self.served.services

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30)


@pytest.fixture(params=["sqlite"])
def console_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request.param, tmp_path / "staff.sqlite3", "staff_test")


@pytest.fixture
def staff_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
async def console(
    console_db: str, staff_tg: FakeTelegram, knowledge: dict[str, Procedure], resolver: Resolver, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Console]:
    """The assistant's web server (webhook mode, Telegram at the fake) with three staff accounts."""
    monkeypatch.setenv("DOSSIER_HASH_KEY", "test-staff-hash-key-0123456789")
    port = free_port()
    base = channel_settings(console_db, port, telegram=staff_tg,
                            channels={"telegram": {"set_webhook_on_start": False}})
    settings = base.model_copy(update={
        "surveys": base.surveys.model_copy(update={"exports_dir": tmp_path / "exports"}),
        "staff_console": base.staff_console.model_copy(update={"key_file": tmp_path / "staff.key"}),
    })
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    clock = SClock(NOW)
    services.dossiers.clock = clock
    async with services.sessions() as db, db.begin():
        for name, role in (("lan", "admin"), ("minh", "exporter"), ("hoa", "viewer")):
            await accounts.add(db, name, role, PASSWORD)
    try:
        async with serving(services) as served:
            yield Console(served, staff_tg)
    finally:
        await services.aclose()


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page must carry a CSRF token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/staff/login")
    return await client.post("/staff/login", data={
        "csrf": csrf_of(page.text), "username": username, "password": password, "next": "/staff/",
    })


def _answers(rating: str, score: str, comment: str | None = None) -> dict[str, str]:
    found = {"danh_gia_chung": rating, "tiep_can": score, "thu_tuc": score, "cong_chuc": score, "ket_qua": score,
             "phan_anh": score}
    if comment:
        found["gop_y"] = comment
    return found


async def seed(services: Services) -> None:
    """Procedure A: 3 responses (two 5s, one 2 and dissatisfied, with a ticket); B: 1 response, all 4, late.

    Two dossiers invited per procedure, in November 2026 (Vietnam time).
    """
    at = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
    plan = [
        (PROC_A, UNIT_A, _answers("very_satisfied", "5", "Cán bộ nhiệt tình, gọi 0912 345 678 nếu cần"), False, None),
        (PROC_A, UNIT_A, _answers("satisfied", "5"), False, None),
        (PROC_A, UNIT_A, _answers("dissatisfied", "2"), False, "Chờ lâu quá"),
        (PROC_B, UNIT_B, _answers("satisfied", "4"), True, None),
    ]
    async with services.sessions() as db, db.begin():
        for i, (proc, unit, answers, late, ticket) in enumerate(plan):
            dossier = Dossier(code=f"000.00.27.H49-261120-{i + 1:04d}", procedure_code=proc, status=10, unit=unit,
                              phone_hash="x" * 64, status_changed_at=at, created_at=at, updated_at=at)
            db.add(dossier)
            await db.flush()
            db.add(SurveyInvitation(token=f"tok{i}", dossier_id=dossier.id, channel="telegram",
                                    user_id=f"{7000 + i}", created_at=at))
            response = SurveyResponse(
                dossier_id=dossier.id, dossier_code=dossier.code, form_id="short", form_version=1, via="telegram",
                channel="telegram", user_id=f"{7000 + i}", procedure_code=proc, unit=unit, late=late,
                origin="chat", position=8, started_at=at, updated_at=at, submitted_at=at + dt.timedelta(hours=i),
            )
            db.add(response)
            await db.flush()
            for qid, value in answers.items():
                db.add(SurveyAnswer(response_id=response.id, question_id=qid, value=value, answered_at=at))
            if ticket:
                db.add(FeedbackTicket(
                    tracking_code=f"PA-261120-AB{i}C", source="survey", channel="telegram", user_id=f"{7000 + i}",
                    dossier_id=dossier.id, response_id=response.id, unit=unit,
                    topics=["Thủ tục hành chính: Không hài lòng"], text=ticket, status="new", created_at=at,
                ))
        # A second invitation to the same dossier in another chat does not count twice; one dossier not answered.
        extra = Dossier(code="000.00.27.H49-261120-0099", procedure_code=PROC_B, status=10, unit=UNIT_B,
                        phone_hash="y" * 64, status_changed_at=at, created_at=at, updated_at=at)
        db.add(extra)
        await db.flush()
        db.add(SurveyInvitation(token="tok-extra", dossier_id=extra.id, channel="telegram", user_id="7999",
                                created_at=at))
        db.add(SurveyInvitation(token="tok-dup", dossier_id=1, channel="zalo", user_id="z1", created_at=at))
