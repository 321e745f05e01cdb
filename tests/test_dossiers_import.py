"""Import of the one-stop system's export: all or nothing, idempotent, changes recorded and notified."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from dossier_fixtures import DATA, chat, count, outbox_rows
from openpyxl import Workbook
from sqlalchemy import select

from bot.__main__ import main
from bot.app import Services
from bot.features.dossiers.importer import COLUMNS, import_file
from bot.features.dossiers.models import Dossier, DossierStatusChange, DossierSubscription

FIRST = "000.00.27.H49-261121-0001"


async def _import(services: Services, path: Path):  # type: ignore[no-untyped-def]
    return await import_file(services.dossiers, services.sessions, path)


async def _dossiers(services: Services) -> dict[str, Dossier]:
    async with services.sessions() as session:
        return {d.code: d for d in (await session.execute(select(Dossier))).scalars()}


async def test_a_day_export_with_bom_and_mixed_formats_is_imported(dsvc: Services) -> None:
    report = await _import(dsvc, DATA / "export_day.csv")
    assert report.ok, report.summary()
    assert (report.rows, report.created, report.updated) == (6, 6, 0)
    stored = await _dossiers(dsvc)
    assert set(stored) == {
        FIRST, "000.00.27.H49-261121-0002", "000.00.27.H49-261121-0003", "000.00.27.H49-261121-0004",
        "H49.27-261121-0005", "000.00.27.H49-261121-0006",
    }
    second = stored["000.00.27.H49-261121-0002"]
    assert second.status == 2 and second.received_at == dt.datetime(2026, 11, 21, 9, 2)
    assert second.applicant_masked == "L* T*ị B"
    done = stored["000.00.27.H49-261121-0003"]
    assert (done.status, done.timeliness) == (9, "early")
    assert done.received_at == dt.datetime(2026, 11, 21, 10, 30)
    assert stored["H49.27-261121-0005"].timeliness == "late"
    # Neither the phone number nor the full name is kept anywhere in the row.
    for d in stored.values():
        row = " ".join(str(v) for v in vars(d).values())
        assert "0912346789" not in row and "Nguyễn Văn An" not in row and len(d.phone_hash) == 64
    assert await count(dsvc, DossierStatusChange) == 6  # each dossier's arrival opens its history


async def test_importing_the_same_file_twice_changes_nothing(dsvc: Services) -> None:
    assert (await _import(dsvc, DATA / "export_day.csv")).ok
    before = {code: (d.updated_at, d.phone_hash, d.status) for code, d in (await _dossiers(dsvc)).items()}
    again = await _import(dsvc, DATA / "export_day.csv")
    assert (again.created, again.updated, again.unchanged, again.status_changes) == (0, 0, 6, 0)
    after = {code: (d.updated_at, d.phone_hash, d.status) for code, d in (await _dossiers(dsvc)).items()}
    assert after == before
    assert await count(dsvc, DossierStatusChange) == 6


async def test_a_file_with_bad_rows_writes_nothing_and_names_each_row_and_field(dsvc: Services) -> None:
    assert (await _import(dsvc, DATA / "export_day.csv")).ok
    report = await _import(dsvc, DATA / "export_bad.csv")
    assert not report.ok
    found = {(e.row, e.field) for e in report.errors}
    assert found == {
        (3, "status"), (4, "phone"), (5, "received_at"), (6, "code"), (8, "code"),
        (9, "procedure_code"), (9, "received_at"),
    }
    text = report.summary()
    assert "nothing imported" in text and "row 8: code: duplicate of row 2" in text
    # Row 2 would have changed a status: it must not have been written.
    assert (await _dossiers(dsvc))[FIRST].status == 4
    assert await count(dsvc, DossierStatusChange) == 6


async def test_a_status_change_by_import_is_recorded_and_notified_once(dsvc: Services) -> None:
    assert (await _import(dsvc, DATA / "export_day.csv")).ok
    await chat(dsvc, f"tra cứu hồ sơ {FIRST}")
    assert "Nhận thông báo" in (await chat(dsvc, "6789")).buttons[0].label
    assert "đã ghi nhận" in (await chat(dsvc, "", payload="dossier:sub")).text
    for _ in range(2):
        report = await _import(dsvc, DATA / "export_update.csv")
        assert report.ok, report.summary()
    rows = await outbox_rows(dsvc)
    assert len(rows) == 1
    assert rows[0].channel == "test" and rows[0].user_id == "citizen"
    assert FIRST in rows[0].text and "Đã xử lý xong" in rows[0].text
    history = await count(dsvc, DossierStatusChange, DossierStatusChange.source == "import")
    assert history == 7  # six arrivals and the one change
    assert await count(dsvc, DossierSubscription) == 1


async def test_xlsx_export(dsvc: Services, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    ws.append([FIRST, "1.012783", 4, "Nguyễn Văn An", 912346789, dt.datetime(2026, 11, 21, 8, 15),
               dt.date(2026, 12, 5), None, "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh"])
    ws.append([None] * len(COLUMNS))  # blank rows are skipped
    ws.append(["H49.27-261121-0005", "3.000333", "Đã trả kết quả", "Hoàng Văn Em", "0905123456", "21/11/2026",
               "24/11/2026", "26/11/2026", None])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    report = await _import(dsvc, path)
    assert report.ok, report.summary()
    stored = await _dossiers(dsvc)
    assert stored[FIRST].appointment_at == dt.datetime(2026, 12, 5)
    assert stored["H49.27-261121-0005"].status == 10


async def test_unreadable_files_and_missing_columns(dsvc: Services, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(",".join(COLUMNS).encode() + "\nabc,Đ".encode("latin-1", "replace") + b"\xff\n")
    assert "not UTF-8" in (await _import(dsvc, latin)).summary()
    short = tmp_path / "short.csv"
    short.write_text("code;status\n000.00.27.H49-261121-0001;4\n", encoding="utf-8")
    assert "missing column(s): procedure_code" in (await _import(dsvc, short)).summary()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert "XLSX" in (await _import(dsvc, broken)).summary()


def test_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TTHC_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("DOSSIER_HASH_KEY", "cli-test-key-0123456789")
    assert main(["dossiers", "import", str(DATA / "export_day.csv")]) == 0
    assert "6 new" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    shutil.copy(DATA / "export_bad.csv", bad)
    assert main(["dossiers", "import", str(bad)]) == 1
    assert "row 3: status" in capsys.readouterr().err
    assert main(["dossiers", "import", str(tmp_path / "missing.csv")]) == 2
    assert main(["dossiers", "demo"]) == 0
    assert "000.00.27.H49-261120-0031    6789" in capsys.readouterr().out
