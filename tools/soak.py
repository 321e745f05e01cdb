"""Soak run: the production server (PostgreSQL, N workers, real Rasa) under a steady load for a long time.

Open loop at ``--rate`` messages/s for ``--seconds`` through the Telegram webhook (fake
Bot API, as in tools.bench_cluster). What should stay flat: the workers' resident memory
and the end-to-end latency (POST → last reply at the Bot API), compared between the
first and the last window of the run. Last line JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx

from tools.bench_cluster import analyse
from tools.bench_core import percentile
from tools.cluster_load import Citizens, Cluster, fresh_database, outbox_rows, script_of, settled


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.fakes.http import wait_for
    from tests.fakes.telegram import FakeTelegram
    from tools.bench_telegram import _nlu

    window = max(10.0, min(120.0, args.seconds / 5))
    fake = FakeTelegram().start()
    rss: list[tuple[float, float]] = []  # (seconds into the run, MB of all workers)
    try:
        with _nlu(not args.no_nlu) as (urls, token), fresh_database() as db_url:
            cluster = Cluster(args.workers, db_url, fake.url, fake.token, urls, token, 30.0, Path(args.log))
            cluster.start()
            try:
                async with httpx.AsyncClient(timeout=30) as client:
                    await wait_for(lambda: cluster.ready(client), 300, "the server to start")
                    citizens = Citizens(client, cluster)
                    scripts = [script_of(u, 10_000) for u in range(args.users)]
                    t0 = time.perf_counter()
                    tasks: list[asyncio.Task[None]] = []
                    next_sample = 0.0
                    for i in range(int(args.rate * args.seconds)):
                        at = t0 + i / args.rate
                        await asyncio.sleep(max(0.0, at - time.perf_counter()))
                        user = i % args.users
                        text = scripts[user][i // args.users]
                        tasks.append(asyncio.create_task(citizens.post(4_000_000 + user, text)))
                        if (elapsed := time.perf_counter() - t0) >= next_sample:
                            rss.append((round(elapsed), cluster.rss_mb()))
                            next_sample += window
                    await asyncio.gather(*tasks)
                    await settled(db_url, 300)
                    rss.append((round(time.perf_counter() - t0), cluster.rss_mb()))
            finally:
                cluster.stop()
            latency: dict[int, float] = {}
            summary = analyse(outbox_rows(db_url), fake, citizens, latency)
    finally:
        fake.stop()
    first = [ms for u, ms in latency.items() if citizens.first_sent[u] - t0 < window]
    last = [ms for u, ms in latency.items() if citizens.first_sent[u] - t0 >= args.seconds - window]
    # "Start" memory after the first window: the workers' caches and connection pools warmed up.
    start_rss = rss[1][1] if len(rss) > 2 else rss[0][1]
    return {
        "seconds": args.seconds, "rate": args.rate, "workers": args.workers, "nlu": bool(urls),
        "window_s": window,
        "rss_mb_start": start_rss, "rss_mb_end": rss[-1][1],
        "p95_ms_start": round(percentile(first, 0.95), 1) if first else None,
        "p95_ms_end": round(percentile(last, 0.95), 1) if last else None,
        "rss_mb_samples": rss,
        **{k: summary[k] for k in ("messages", "lost", "duplicated", "order_violations")},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.soak")
    parser.add_argument("--seconds", type=float, default=1800.0)
    parser.add_argument("--rate", type=float, default=5.0, help="messages/s")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-nlu", action="store_true", help="degraded mode (no Rasa server)")
    parser.add_argument("--log", default=os.devnull, help="where the assistant's own log goes")
    print(json.dumps(asyncio.run(run(parser.parse_args(argv))), ensure_ascii=False))


if __name__ == "__main__":
    main()
