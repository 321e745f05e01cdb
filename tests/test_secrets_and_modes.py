"""Weak secrets refused at start with the variable named; personal-data files readable by their owner only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from survey_fixtures import add_response

from bot.app import Services
from bot.config import load_settings
from bot.features.surveys.export import ExportRequest, export
from bot.runtime import check_settings
from bot.storage.db import upgrade

ROOT = Path(__file__).resolve().parents[1]
SECRET_ENV = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "ZALO_BOT_TOKEN", "ZALO_BOT_WEBHOOK_SECRET",
              "ZALO_OA_APP_ID", "ZALO_OA_APP_SECRET", "ZALO_OA_SECRET_KEY", "DOSSIER_PUSH_SECRET", "DOSSIER_HASH_KEY")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "a"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"ZALO_BOT_TOKEN": "1:x", "ZALO_BOT_WEBHOOK_SECRET": "abcdefgh"}, "ZALO_BOT_WEBHOOK_SECRET"),
        ({"DOSSIER_HASH_KEY": "k"}, "DOSSIER_HASH_KEY"),
        ({"DOSSIER_HASH_KEY": "x" * 15}, "DOSSIER_HASH_KEY"),
        ({"DOSSIER_PUSH_SECRET": "change-me-to-a-long-random-secret"}, "DOSSIER_PUSH_SECRET"),
        ({"DOSSIER_PUSH_SECRET": "short"}, "DOSSIER_PUSH_SECRET"),
    ],
)
def test_weak_or_example_secrets_are_named(
    env: dict[str, str], named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SECRET_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    problems = check_settings(load_settings(), "webhook")
    assert any(named in p for p in problems), problems


def test_strong_secrets_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRET_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOSSIER_HASH_KEY", "0123456789abcdef" * 4)
    monkeypatch.setenv("DOSSIER_PUSH_SECRET", "fedcba9876543210" * 2)
    assert check_settings(load_settings(), "webhook") == []


def test_serve_refuses_the_readme_example_secret_with_exit_code_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env.update(DOSSIER_PUSH_SECRET="change-me-to-a-long-random-secret",
               TTHC_DATABASE__URL=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--no-nlu"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "DOSSIER_PUSH_SECRET" in result.stderr and "Traceback" not in result.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_file_is_created_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        db = tmp_path / "db" / "bot.sqlite3"
        upgrade(f"sqlite+aiosqlite:///{db}")
    finally:
        os.umask(old)
    assert _mode(db) == 0o600


async def test_export_files_are_created_0600(svc: Services, tmp_path: Path) -> None:
    import datetime as dt

    await add_response(svc, {"danh_gia_chung": "very_satisfied"})
    req = ExportRequest(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "short")
    old = os.umask(0o022)
    try:
        async with svc.sessions() as session:
            for fmt in ("csv", "xlsx"):
                await export(session, svc.surveys.service.form, req, fmt, tmp_path / f"e.{fmt}")  # type: ignore[union-attr]
    finally:
        os.umask(old)
    assert _mode(tmp_path / "e.csv") == _mode(tmp_path / "e.xlsx") == 0o600
