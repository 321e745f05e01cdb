"""Dashboard benchmark: response time of /staff/ for 100,000 seeded responses, main page and each filter.

The first request of each page counts the past days (then cached, checked against a
signature on every request); p50 and p95 are over all requests, the first one's time is
given apart. Seeds a fresh SQLite database (or ``--url``, e.g. a PostgreSQL database) with the
export benchmark's sample responses, signs in, and requests each page ``--requests``
times over HTTP (httpx on the app's ASGI interface: the whole request path, no socket).
Prints one line per page and, last, one JSON line with p50 and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bot.features.surveys.demo import PROCEDURES, UNITS
from tools.bench_export import REQ_END, seed

PASSWORD = "bench-password-2026"


async def _run(url: str, key_file: Path, requests: int) -> dict[str, dict[str, float]]:
    from bot.app import build_services
    from bot.config import load_settings
    from bot.runtime import build_runtime
    from bot.web.asgi import create_app
    from bot.web.staff import accounts

    settings = load_settings(database={"url": url}, staff_console={"key_file": str(key_file)})
    services = build_services(settings, [], None, migrate=False)
    services.dossiers.clock = lambda: __import__("datetime").datetime(
        REQ_END.year, REQ_END.month, REQ_END.day, 3, tzinfo=__import__("datetime").UTC)
    async with services.sessions() as db, db.begin():
        await accounts.add(db, "bench", "viewer", PASSWORD)
    app = create_app(build_runtime(services, "webhook"), extra_routes=[])
    pages = {
        "main": {},
        "unit": {"unit": UNITS[0]},
        "procedure": {"procedure": next(iter(PROCEDURES))},
        "period": {"from": "2026-10-01", "to": "2026-10-31"},
        "form": {"form": "full"},
    }
    found: dict[str, dict[str, float]] = {}
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as client:
            login = await client.get("/staff/login")
            csrf = login.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            signed = await client.post("/staff/login", data={"csrf": csrf, "username": "bench", "password": PASSWORD})
            assert signed.status_code == 303, signed.text
            for name, params in pages.items():
                times = []
                for _ in range(requests):
                    t0 = time.perf_counter()
                    page = await client.get("/staff/", params=params)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert page.status_code == 200
                cold = times[0]  # past days counted; later requests find them cached (bot.web.staff.dashboard)
                times.sort()
                found[name] = {"p50_ms": round(statistics.median(times), 1),
                               "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
                               "first_ms": round(cold, 1)}
                print(f"{name:10s} p50 {found[name]['p50_ms']:8.1f} ms   p95 {found[name]['p95_ms']:8.1f} ms   "
                      f"first {cold:8.1f} ms")
    finally:
        await services.aclose()
    return found


def _vacuum(url: str) -> None:
    """What autovacuum does to a table that grew by 100,000 rows, done now rather than some time during the run.

    Without statistics the planner guesses the grouped counts' sizes, and without the visibility
    map the signature's index-only scans read the table too; either would measure the load, not the page.
    """
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def main(argv: list[str] | None = None) -> int:
    from bot.storage import db

    parser = argparse.ArgumentParser(prog="python -m tools.bench_dashboard")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file in a temporary folder)")
    parser.add_argument("--pg", action="store_true", help="a fresh PostgreSQL database (TTHC_BENCH_PG_URL's server)")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="tthc-bench-staff-"))
        if args.pg:
            from tools.cluster_load import fresh_database

            args.url = stack.enter_context(fresh_database())
        url = args.url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        db.upgrade(url)
        t0 = time.perf_counter()
        seed(url, args.responses)
        if url.startswith("postgresql"):
            _vacuum(url)
        print(f"seeded {args.responses} responses in {time.perf_counter() - t0:.1f} s")
        pages = asyncio.run(_run(url, Path(tmp) / "staff.key", args.requests))
    worst = max(p["p95_ms"] for p in pages.values())
    database = "postgresql" if (args.url or "").startswith("postgresql") else "sqlite"
    print(json.dumps({"database": database, "responses": args.responses, "requests": args.requests, "pages": pages,
                      "worst_p95_ms": worst}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
