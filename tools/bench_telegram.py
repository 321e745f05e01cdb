"""Benchmark of the Telegram path in webhook mode, through the fake Telegram Bot API.

The assistant runs as in production: `python -m bot serve` in its own process (SQLite,
the real NLU server when it can be started). This process plays Telegram: a fake Bot API
server (tests/fakes) receives the replies, and a client posts updates to the webhook.

- Open loop at 20 messages/s for 30 s, each message from a new chat: acknowledgment
  latency (POST → 200) and end to end (POST → the reply reaching the Bot API).
- Saturation: a closed loop of concurrent chats, each sending its next message once the
  reply came: messages per second. Telegram's overall limit (~30/s) is lifted for this
  run, so the number is the assistant's own capacity.

Last line: one JSON object, keys prefixed ``telegram_``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bot.config import ROOT, load_settings
from tools.bench_core import CONVERSATIONS, percentile, rss_mb

SECRET = "bench-webhook-secret"
TEXTS = [t for c in CONVERSATIONS for t in c]


@contextlib.contextmanager
def _nlu(enabled: bool) -> Iterator[tuple[list[str], str | None]]:
    if not enabled:
        yield [], None
        return
    from bot.app import nlu_endpoint

    try:
        with nlu_endpoint(load_settings()) as endpoint:
            yield endpoint
    except Exception as exc:  # no Python 3.10 / model here: measure the degraded mode, and say so
        print(f"NLU server unavailable ({exc}); benchmarking the degraded mode", file=sys.stderr)
        yield [], None


def _server(
    fake_url: str, token: str, port: int, db: Path, urls: list[str], nlu_token: str | None, log: Path
) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "TTHC_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TTHC_DATABASE__URL": f"sqlite+aiosqlite:///{db}", "TTHC_CHANNELS__SERVER__PORT": str(port),
        "TTHC_CHANNELS__TELEGRAM__API_BASE_URL": fake_url,
        "TTHC_CHANNELS__TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        "TTHC_CHANNELS__TELEGRAM__LIMITS__GLOBAL_PER_S": "10000",
        "TTHC_NLU__URLS": json.dumps(urls),
    })
    if nlu_token:
        env["NLU_TOKEN"] = nlu_token
    args = [sys.executable, "-m", "bot", "serve"] + ([] if urls else ["--no-nlu"])
    with log.open("ab") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=out)


class Bench:
    def __init__(self, fake: Any, client: httpx.AsyncClient, port: int) -> None:
        self.fake = fake
        self.client = client
        self.url = f"http://127.0.0.1:{port}/telegram/webhook"
        self.ids = itertools.count(1)
        self.rnd = random.Random(7)

    async def post(self, chat: int, text: str) -> float:
        """Sends one message; its acknowledgment latency in ms."""
        from tests.fakes.telegram import text_update

        start = time.perf_counter()
        response = await self.client.post(
            self.url, json=text_update(next(self.ids), chat, text),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        response.raise_for_status()
        return (time.perf_counter() - start) * 1000

    async def reply_after(self, chat: int, count: int, timeout_s: float = 60.0) -> float:
        """When the chat's ``count``-th message reached the Bot API (perf_counter)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            sent = self.fake.messages_to(chat)
            if len(sent) >= count:
                return float(sent[count - 1].at)
            await asyncio.sleep(0.005)
        raise TimeoutError(f"no reply for chat {chat}")

    async def one(self, chat: int, text: str, acks: list[float], e2e: list[float]) -> None:
        before = len(self.fake.messages_to(chat))
        start = time.perf_counter()
        acks.append(await self.post(chat, text))
        e2e.append((await self.reply_after(chat, before + 1) - start) * 1000)

    async def open_loop(self, rate: float, seconds: float) -> tuple[list[float], list[float]]:
        acks: list[float] = []
        e2e: list[float] = []
        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            chat = 1_000_000 + i
            tasks.append(asyncio.create_task(self.one(chat, self.rnd.choice(TEXTS), acks, e2e)))
        await asyncio.gather(*tasks)
        return acks, e2e

    async def closed_loop(self, users: int, seconds: float) -> tuple[int, float, list[float]]:
        acks: list[float] = []
        done = 0
        stop = time.perf_counter() + seconds

        async def user(u: int) -> None:
            nonlocal done
            chat = 2_000_000 + u
            turns = itertools.cycle(CONVERSATIONS[u % len(CONVERSATIONS)])
            while time.perf_counter() < stop:
                await self.one(chat, next(turns), acks, [])
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(user(u) for u in range(users)))
        return done, time.perf_counter() - start, acks


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.fakes.http import free_port, wait_for
    from tests.fakes.telegram import FakeTelegram

    fake = FakeTelegram().start()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp, _nlu(not args.no_nlu) as (urls, token):
        proc = _server(fake.url, fake.token, port, Path(tmp) / "bench.sqlite3", urls, token, Path(args.log))
        try:
            async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=200)) as client:
                async def up() -> bool:
                    with contextlib.suppress(httpx.HTTPError):
                        return (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
                    return False

                await wait_for(up, 300, "the assistant to start")
                bench = Bench(fake, client, port)
                await bench.open_loop(rate=10, seconds=2)  # warm-up: connections, caches
                acks, e2e = await bench.open_loop(rate=args.rate, seconds=args.seconds)
                done, elapsed, sat_acks = await bench.closed_loop(args.users, args.saturation_seconds)
                rss = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
            fake.stop()
    return {
        "telegram_nlu": bool(urls),
        "telegram_db": "sqlite",
        "telegram_rate_msgs_per_s": args.rate,
        "telegram_open_loop_messages": len(acks),
        "telegram_ack_p50_ms": round(percentile(acks, 0.50), 1),
        "telegram_ack_p99_ms": round(percentile(acks, 0.99), 1),
        "telegram_e2e_p50_ms": round(percentile(e2e, 0.50), 1),
        "telegram_e2e_p95_ms": round(percentile(e2e, 0.95), 1),
        "telegram_saturation_users": args.users,
        "telegram_saturation_msgs_per_s": round(done / elapsed, 1),
        "telegram_saturation_ack_p99_ms": round(percentile(sat_acks, 0.99), 1),
        "telegram_server_rss_mb": rss,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_telegram")
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--saturation-seconds", type=float, default=20.0)
    parser.add_argument("--no-nlu", action="store_true", help="degraded mode (no Rasa server)")
    parser.add_argument("--log", default=os.devnull, help="where the assistant's own log goes")
    result = asyncio.run(run(parser.parse_args(argv)))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
