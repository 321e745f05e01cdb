"""Benchmark of the core the terminal chat uses, with the real NLU server.

Many simulated users talk at once. Two phases: an open-loop load at a fixed rate
(latency percentiles at 20 messages/s) and a closed loop with many concurrent users
(messages per second at saturation). Last line: one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.app import build_services
from bot.config import load_settings
from bot.core.messages import Incoming
from bot.pipeline.turns import TurnRunner

# Short conversations in the way citizens write (own sentences; not evaluation data).
CONVERSATIONS: list[list[str]] = [
    ["chào ad", "làm giấy khai sinh cho con cần gì", "lệ phí bao nhiêu", "mất mấy ngày", "cảm ơn ạ"],
    ["dang ky ket hon can giay to gi", "nop o dau", "co nop online dc ko"],
    ["cho hỏi đổi cccd hết hạn", "cần mang gì", "bao lâu thì có thẻ"],
    ["trung tâm làm việc mấy giờ", "thứ 7 có làm không", "số hotline là gì"],
    ["lam so do lan dau", "phi bao nhieu", "cac buoc lam the nao"],
    ["nhập hộ khẩu cho con", "điều kiện là gì", "mẫu tờ khai nào"],
    ["hôm nay trời đẹp quá", "thôi chào nhé"],
    ["xin phiếu lý lịch tư pháp", "làm trên mạng được không", "bao lâu có"],
]


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _user(runner: TurnRunner, uid: str, turns: list[str], latencies: list[float]) -> None:
    for text in turns:
        start = time.perf_counter()
        await runner.run(Incoming("bench", uid, text))
        latencies.append((time.perf_counter() - start) * 1000)


async def open_loop(runner: TurnRunner, rate: float, seconds: float) -> list[float]:
    """Messages arrive at ``rate`` per second from ever new users, whatever the replies take."""
    latencies: list[float] = []
    tasks = []
    rnd = random.Random(7)
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        text = rnd.choice(rnd.choice(CONVERSATIONS))
        tasks.append(asyncio.create_task(_user(runner, f"open-{i % 200}", [text], latencies)))
    await asyncio.gather(*tasks)
    return latencies


async def closed_loop(runner: TurnRunner, users: int, rounds: int) -> tuple[int, float]:
    latencies: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(
        *(
            _user(runner, f"sat-{u}", [t for _ in range(rounds) for t in CONVERSATIONS[u % len(CONVERSATIONS)]],
                  latencies)
            for u in range(users)
        )
    )
    return len(latencies), time.perf_counter() - start


async def run(urls: list[str], token: str | None, nlu_pid: int | None, db_path: Path) -> dict[str, float]:
    settings = load_settings(database={"url": f"sqlite+aiosqlite:///{db_path}"})
    services = build_services(settings, urls, token)
    services.settle()  # as the entry points leave the process before its first message (bot.app)
    try:
        await closed_loop(services.turns, 8, 1)  # warm-up: caches, connections
        latencies = await open_loop(services.turns, rate=20, seconds=20)
        count, elapsed = await closed_loop(services.turns, users=32, rounds=3)
    finally:
        await services.aclose()
    return {
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "msgs_per_s": round(count / elapsed, 1),
        "app_rss_mb": rss_mb(),
        "nlu_rss_mb": rss_mb(nlu_pid) if nlu_pid else 0.0,
    }


def _last_json_line(module: str) -> dict[str, object]:
    """Run another benchmark module and take the JSON object on its last line."""
    out = subprocess.run([sys.executable, "-m", module], check=True, stdout=subprocess.PIPE, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    """Core benchmark, then the resolver and the Telegram webhook benchmarks; one merged JSON line."""
    import tempfile

    from nlu.server import running_server

    with tempfile.TemporaryDirectory() as tmp, running_server() as server:
        result: dict[str, object] = dict(
            asyncio.run(run([server.url], server.token, server.pid, Path(tmp) / "bench.sqlite3"))
        )
    print(json.dumps(result), file=sys.stderr, flush=True)
    result.update(_last_json_line("tools.bench_resolver"))
    result.update(_last_json_line("tools.bench_telegram"))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
