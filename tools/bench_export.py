"""Export benchmark: time and peak memory of XLSX and CSV exports of 100,000 responses (`make bench-export`).

Seeds a fresh SQLite database (or ``--url``) with sample responses, then runs each
export in a child process so its peak resident memory (ru_maxrss) is the export's
own. A run with 1,000 responses gives the baseline: constant memory means the
two peaks are close. Resident memory is sampled during the export (peak) and
read just before it (the interpreter with its libraries). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, insert

from bot.config import ROOT
from bot.features.surveys.demo import samples
from bot.features.surveys.models import FeedbackTicket, SurveyAnswer, SurveyResponse
from bot.storage import db
from surveys.definitions import load_form

TODAY = dt.date(2026, 11, 28)
REQ_START, REQ_END = TODAY - dt.timedelta(days=400), TODAY


def seed(url: str, count: int, first_id: int = 1) -> None:
    """Sample responses written in bulk with the synchronous driver (ids preset, no RETURNING)."""
    form = load_form(ROOT / "surveys" / "short.yml")
    engine = create_engine(db.sync_url(url))
    db.install_sqlite_pragmas(engine)
    responses: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    tickets: list[dict[str, object]] = []

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(SurveyResponse), responses)
            if answers:
                conn.execute(insert(SurveyAnswer), answers)
            if tickets:
                conn.execute(insert(FeedbackTicket), tickets)
        responses.clear()
        answers.clear()
        tickets.clear()

    for s in samples(form, count, TODAY, days=365, seed=2026, first_id=first_id):
        rid = s.response["id"]
        responses.append(s.response)
        answers.extend({**a, "response_id": rid} for a in s.answers)
        if s.ticket is not None:
            tickets.append({**s.ticket, "response_id": rid, "tracking_code": f"PA-B{rid:08d}"})
        if len(responses) >= 5000:
            flush()
    if responses:
        flush()
    engine.dispose()


def _rss_mb() -> float:
    """Current resident memory (Linux /proc); the lifetime peak elsewhere."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Sampler(threading.Thread):
    """Samples resident memory every 10 ms: ru_maxrss alone would hide the export behind the import peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mb()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.01):
            self.peak = max(self.peak, _rss_mb())

    def stop(self) -> float:
        self._done.set()
        self.join()
        return max(self.peak, _rss_mb())


async def _child(url: str, out: Path, fmt: str) -> dict[str, object]:
    from bot.features.surveys.export import ExportRequest, export

    form = load_form(ROOT / "surveys" / "short.yml")
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    if fmt == "xlsx":
        import bot.features.surveys.export_xlsx  # noqa: F401  (loaded before measuring, as in a running assistant)
    before_mb = _rss_mb()
    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    async with sessions() as session:
        result = await export(session, form, ExportRequest(REQ_START, REQ_END, "short"), fmt, out)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    peak_mb = sampler.stop()
    await engine.dispose()
    return {"rows": result.rows, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb, 1),
            "before_rss_mb": round(before_mb, 1), "file_mb": round(out.stat().st_size / 2**20, 2)}


def _measure(url: str, out: Path, fmt: str) -> dict[str, object]:
    cmd = [sys.executable, "-m", "tools.bench_export", "--child", "--url", url, "--out", str(out),
           "--format", fmt]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"export child failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file in a temporary folder)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--format", default="xlsx", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(_child(args.url, args.out, args.format))))
        return 0
    with tempfile.TemporaryDirectory(prefix="tthc-bench-export-") as tmp:
        folder = Path(tmp)
        base_url = f"sqlite+aiosqlite:///{folder / 'baseline.sqlite3'}"
        url = args.url or f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
        for u in (base_url, url):
            db.upgrade(u)
        started = time.perf_counter()
        seed(base_url, args.baseline)
        seed(url, args.responses)
        seeded = time.perf_counter() - started
        report: dict[str, object] = {"responses": args.responses, "seed_s": round(seeded, 1)}
        for fmt in ("xlsx", "csv"):
            big = _measure(url, folder / f"big.{fmt}", fmt)
            small = _measure(base_url, folder / f"small.{fmt}", fmt)
            report.update({
                f"{fmt}_s": big["seconds"], f"{fmt}_rows": big["rows"], f"{fmt}_peak_rss_mb": big["peak_rss_mb"],
                f"{fmt}_peak_rss_mb_{args.baseline}": small["peak_rss_mb"],
                f"{fmt}_rss_before_export_mb": big["before_rss_mb"], f"{fmt}_file_mb": big["file_mb"],
            })
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
