"""The assistant as a cluster: `python -m bot serve --workers N` on PostgreSQL, one worker SIGKILLed halfway.

This process plays Telegram: the fake Bot API (tests/fakes) receives the replies, and
simulated citizens post updates to the webhook, each resending an update until it is
acknowledged (as Telegram does), each sending its next message only after the last one
was acknowledged, 50 ms later (a burst: five messages within a few hundred ms). The
real Rasa server answers the NLU. A fresh database is created and dropped.

Counted from what the fake Bot API received, each reply tied to its update through the
outbox row it was sent from (its key names the update):
- lost: acknowledged updates whose replies did not all arrive;
- duplicated: updates with a reply that arrived twice (delivery is at least once: a
  sender killed between Telegram's "ok" and its own record sends that message again);
- order_violations: a reply arriving after a reply to the same chat's later update.

Last line JSON: the cluster run, plus ``single_*`` figures of one worker under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tools.bench_core import percentile
from tools.cluster_load import Citizens, Cluster, fresh_database, outbox_rows, script_of, settled


def analyse(
    outbox: list[tuple[int, str, str, Any, str]], fake: Any, citizens: Citizens,
    latency_of: dict[int, float] | None = None,
) -> dict[str, Any]:
    """Lost, duplicated, out-of-order replies and latency, from what the fake Bot API received.

    ``latency_of``, when given, receives each answered update's latency (ms, to its last reply).
    """
    from bot.channels.telegram import render
    from bot.pipeline.sender import reply_of
    from bot.storage.models import Outbox

    pieces: dict[str, list[tuple[int, str]]] = {}  # chat -> (update id, rendered text) in outbox order
    for _, user_id, text, buttons, key in outbox:
        update_id = int(key.split(":")[3])  # reply:telegram:u:<update_id>:<n>
        for message in render(reply_of(Outbox(text=text, buttons=buttons))):
            pieces.setdefault(user_id, []).append((update_id, message.text))
    answered: dict[int, int] = {}  # update id -> pieces received
    last_at: dict[int, float] = {}
    duplicated: set[int] = set()
    order_violations = 0
    for chat, expected in pieces.items():
        used = [False] * len(expected)
        latest = 0
        previous: int | None = None
        for sent in fake.messages_to(chat):
            following = next((i for i, u in enumerate(used) if not u), None)
            if following is not None and expected[following][1] == sent.text:
                match: int | None = following  # the reply expected next
            elif previous is not None and expected[previous][1] == sent.text:
                duplicated.add(expected[previous][0])  # the last reply, sent again
                continue
            else:
                match = next((i for i, (_, t) in enumerate(expected) if not used[i] and t == sent.text), None)
            if match is None:  # received again, not right after the first time
                dup = next((u for u, t in reversed(expected) if t == sent.text), None)
                if dup is not None:
                    duplicated.add(dup)
                continue
            previous = match
            used[match] = True
            update_id = expected[match][0]
            if update_id < latest:
                order_violations += 1
            latest = max(latest, update_id)
            answered[update_id] = answered.get(update_id, 0) + 1
            last_at[update_id] = max(last_at.get(update_id, 0.0), float(sent.at))
    needed: dict[int, int] = {}
    for expected in pieces.values():
        for update_id, _ in expected:
            needed[update_id] = needed.get(update_id, 0) + 1
    lost = sum(1 for u in citizens.acked if needed.get(u, 0) == 0 or answered.get(u, 0) < needed[u])
    latency = {u: (last_at[u] - citizens.first_sent[u]) * 1000 for u in citizens.acked if u in last_at}
    if latency_of is not None:
        latency_of.update(latency)
    latencies = list(latency.values())
    start = min(citizens.first_sent.values())
    end = max(last_at.values()) if last_at else start
    return {
        "messages": len(citizens.acked),
        "msgs_per_s": round(len(citizens.acked) / max(end - start, 1e-9), 1),
        "p50_ms": round(percentile(latencies, 0.50), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
        "lost": lost,
        "duplicated": len(duplicated),
        "order_violations": order_violations,
    }


async def run_once(
    args: argparse.Namespace, workers: int, kill: str, nlu: tuple[list[str], str | None]
) -> dict[str, Any]:
    from tests.fakes.http import wait_for
    from tests.fakes.telegram import FakeTelegram

    fake = FakeTelegram().start()
    result: dict[str, Any] = {"workers": workers}
    try:
        with fresh_database() as db_url:
            cluster = Cluster(workers, db_url, fake.url, fake.token, nlu[0], nlu[1], args.lease_s, Path(args.log))
            cluster.start()
            try:
                limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
                async with httpx.AsyncClient(timeout=30, limits=limits) as client:
                    await wait_for(lambda: cluster.ready(client), 300, "the cluster to start")
                    await wait_for(lambda: len(cluster.worker_pids()) == workers, 60, "all workers")
                    citizens = Citizens(client, cluster)
                    total = args.users * args.per_user
                    spacing = args.per_user / args.rate  # users start so the offered load is `rate`
                    t0 = time.perf_counter() + 0.5
                    load = asyncio.gather(*(
                        citizens.citizen(3_000_000 + u, script_of(u, args.per_user), t0 + u * spacing)
                        for u in range(args.users)
                    ))
                    killer = asyncio.create_task(_kill_halfway(cluster, citizens, total, kill, result))
                    await load
                    await killer
                    await settled(db_url, 300)
                    result["rss_mb"] = cluster.rss_mb()
                    result["workers_alive"] = len(cluster.worker_pids())
            finally:
                cluster.stop()
            result.update(analyse(outbox_rows(db_url), fake, citizens))
            result["webhook_resends"] = citizens.resends
    finally:
        fake.stop()
    return result


async def _kill_halfway(cluster: Cluster, citizens: Citizens, total: int, kill: str, result: dict[str, Any]) -> None:
    if kill == "none":
        return
    while len(citizens.acked) < total // 2:
        await asyncio.sleep(0.01)
    leader = cluster.leader_pid()
    pids = cluster.worker_pids()
    others = [p for p in pids if p != leader]
    victim = leader if kill == "leader" or not others else others[0]
    if victim is None:
        victim = pids[0]
    os.kill(victim, signal.SIGKILL)
    result["killed"] = {"pid": victim, "sender_leader": victim == leader, "at_acked": len(citizens.acked)}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from tools.bench_telegram import _nlu

    with _nlu(not args.no_nlu) as nlu:
        cluster = await run_once(args, args.workers, args.kill, nlu)
        single = await run_once(args, 1, "none", nlu) if args.compare else {}
    cluster["nlu"] = bool(nlu[0])
    cluster["lease_s"] = args.lease_s
    cluster["offered_msgs_per_s"] = args.rate
    cluster["users"] = args.users
    for key in ("msgs_per_s", "p50_ms", "p95_ms", "lost", "duplicated", "order_violations", "rss_mb"):
        if key in single:
            cluster[f"single_{key}"] = single[key]
    print(json.dumps({"single_worker_run": single}, ensure_ascii=False), file=sys.stderr)
    return cluster


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_cluster")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=5, help="messages each simulated citizen sends")
    parser.add_argument("--rate", type=float, default=15.0, help="offered messages/s (province peak: ~10)")
    parser.add_argument("--kill", choices=["leader", "follower", "none"], default="leader",
                        help="which worker is SIGKILLed halfway (leader: the one sending replies)")
    parser.add_argument("--lease-s", type=float, default=10.0, help="inbox lease: a dead worker's events wait this")
    parser.add_argument("--no-compare", dest="compare", action="store_false", help="skip the 1-worker run")
    parser.add_argument("--no-nlu", action="store_true", help="degraded mode (no Rasa server)")
    parser.add_argument("--log", default=os.devnull, help="where the assistant's own log goes")
    result = asyncio.run(run(parser.parse_args(argv)))
    order = ["workers", "msgs_per_s", "p95_ms", "lost", "duplicated", "order_violations"]
    print(json.dumps({**{k: result.get(k) for k in order}, **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
