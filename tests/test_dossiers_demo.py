"""The piped terminal demo, as README shows it: fresh database, demo data, lookup, subscribe, import, notice."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from dossier_fixtures import DATA

ROOT = Path(__file__).resolve().parent.parent
CODE = "000.00.27.H49-261120-0031"


async def _read_until(stream: asyncio.StreamReader, marker: str, seen: list[str]) -> None:
    while not any(marker in line for line in seen):
        line = await asyncio.wait_for(stream.readline(), 60)
        if not line:
            raise AssertionError(f"{marker!r} never came; output:\n" + "".join(seen))
        seen.append(line.decode())


async def test_piped_conversation_with_a_notification(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TTHC_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}",
        "DOSSIER_HASH_KEY": "demo-test-key-0123456789",
        "PYTHONUNBUFFERED": "1",
    }
    bot = [sys.executable, "-m", "bot"]
    demo = await asyncio.create_subprocess_exec(*bot, "dossiers", "demo", env=env, cwd=ROOT,
                                                stdout=asyncio.subprocess.PIPE)
    out, _ = await demo.communicate()
    assert demo.returncode == 0 and f"{CODE}    6789" in out.decode()

    run = await asyncio.create_subprocess_exec(
        *bot, "run", "--no-nlu", env=env, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    assert run.stdin is not None and run.stdout is not None
    seen: list[str] = []
    try:
        run.stdin.write(f"tra cứu hồ sơ {CODE.lower()}\n1111\n6789\n1\n".encode())
        await run.stdin.drain()
        await _read_until(run.stdout, "em đã ghi nhận", seen)
        importer = await asyncio.create_subprocess_exec(
            *bot, "dossiers", "import", str(DATA / "demo_update.csv"), env=env, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        imported, _ = await importer.communicate()
        assert "1 status change(s)" in imported.decode()
        await _read_until(run.stdout, "Trợ lý (thông báo)", seen)
        run.stdin.write("hủy theo dõi\n".encode())
        run.stdin.close()
        rest, _ = await asyncio.wait_for(run.communicate(), 60)
    finally:
        if run.returncode is None:
            run.kill()
    transcript = "".join(seen) + rest.decode()
    assert "mã hồ sơ hoặc 4 số cuối điện thoại chưa khớp" in transcript
    assert "Trạng thái: Đang xử lý" in transcript
    notice = transcript[transcript.index("Trợ lý (thông báo)"):]
    assert "Đã xử lý xong" in notice.split("Bạn:")[0]
    assert f"em đã dừng gửi thông báo về hồ sơ {CODE}" in transcript
