"""Consent records for staff (`python -m bot consents`) and the purge command line, as an operator runs them."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.__main__ import main
from bot.app import build_services
from bot.config import load_settings
from bot.features.dossiers.models import Dossier, DossierSubscription
from bot.features.surveys.models import ExportAudit, SurveyConsent
from bot.storage.models import Conversation

UTC = dt.UTC


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'consents.sqlite3'}"
    monkeypatch.setenv("TTHC_DATABASE__URL", url)
    monkeypatch.setenv("DOSSIER_HASH_KEY", "test-consents-hash-key-0123456789")
    monkeypatch.setenv("TTHC_SURVEYS__EXPORTS_DIR", str(tmp_path / "exports"))
    return url


async def _seed() -> None:
    services = build_services(load_settings(), [], None)
    try:
        async with services.sessions() as session, session.begin():
            at = dt.datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
            d = Dossier(code="000.00.27.H49-261120-0031", procedure_code="1.001193", status=4, phone_hash="x" * 64,
                        status_changed_at=at, created_at=at, updated_at=at)
            session.add(d)
            await session.flush()
            session.add_all([
                DossierSubscription(channel="telegram", user_id="111", dossier_id=d.id, purpose="=HYPERLINK(1)",
                                    text_version="dossier-notify-v1", granted_at=at,
                                    revoked_at=at + dt.timedelta(days=2)),
                # 23:30 on the 25th in Vietnam: still the 25th there, the 25th in UTC too.
                SurveyConsent(channel="telegram", user_id="111", dossier_id=d.id, form_id="short",
                              purpose="Khảo sát", text_version="short-v1",
                              granted_at=dt.datetime(2026, 11, 25, 16, 30, tzinfo=UTC)),
                SurveyConsent(channel="zalo", user_id="222", dossier_id=None, form_id="short", purpose="Khảo sát",
                              text_version="short-v1", granted_at=dt.datetime(2026, 11, 26, 1, 0, tzinfo=UTC)),
                Conversation(channel="zalo", user_id="333", updated_at=dt.datetime(2020, 1, 1, tzinfo=UTC)),
            ])
    finally:
        await services.aclose()


async def _query(stmt: object) -> list[object]:
    services = build_services(load_settings(), [], None)
    try:
        async with services.sessions() as session:
            return list((await session.execute(stmt)).scalars())  # type: ignore[call-overload]
    finally:
        await services.aclose()


def test_consent_records_listed_filtered_and_audited(db: str, tmp_path: Path) -> None:
    asyncio.run(_seed())
    out = tmp_path / "all.csv"
    assert main(["consents", "-o", str(out), "--actor", "staff:lan"]) == 0
    with out.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header[:3] == ["Loại đồng ý", "Kênh", "Mã người dùng"]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("Nhận thông báo hồ sơ", "telegram", "111"), ("Khảo sát hài lòng", "telegram", "111"),
        ("Khảo sát hài lòng", "zalo", "222"),
    ]
    first = rows[0]
    assert first[3] == "000.00.27.H49-261120-0031" and first[5] == "dossier-notify-v1"
    assert first[6] == "2026-11-20 10:00:00" and first[7] == "2026-11-22 10:00:00"  # Vietnam time, revoked shown
    assert first[4] == "'=HYPERLINK(1)"  # a formula is neutralised

    one = tmp_path / "one.xlsx"
    assert main(["consents", "--user", "telegram:111", "--from", "2026-11-25", "--to", "2026-11-25",
                 "-o", str(one)]) == 0
    sheet = load_workbook(one).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(values) == 2 and values[1][0] == "Khảo sát hài lòng" and values[1][6] == "2026-11-25 23:30:00"

    audits = asyncio.run(_query(select(ExportAudit).order_by(ExportAudit.id)))
    assert [(a.actor, a.format, a.rows, a.filters["kind"]) for a in audits] == [  # type: ignore[attr-defined]
        ("staff:lan", "csv", 3, "consents"), (audits[1].actor, "xlsx", 1, "consents"),  # type: ignore[attr-defined]
    ]
    assert audits[1].filters["user"] == "telegram:111"  # type: ignore[attr-defined]
    assert main(["consents", "--user", "telegram", "-o", str(out)]) == 2


def test_purge_command_runs_every_purge(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_seed())
    assert main(["purge"]) == 0
    printed = capsys.readouterr().out
    assert "conversations_idle: 1" in printed and "surveys_responses_unlinked: 0" in printed
    assert asyncio.run(_query(select(Conversation.user_id))) == []
    assert main(["surveys", "purge"]) == 0  # the older name runs the same job
    assert "conversations_idle: 0" in capsys.readouterr().out
