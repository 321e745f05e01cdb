"""Health of one worker, for a load balancer and for people: the database and each NLU replica.

Status codes (documented in README "Operations"):

- ``GET /healthz`` (readiness): 200 when the worker can take webhooks — ``"ok"``, or
  ``"degraded"`` when some or all NLU replicas are down (the assistant then answers from
  keywords and says so); 503 when the database is unreachable, because a webhook that
  cannot store its event must make the platform resend it to another worker.
- ``GET /livez`` (liveness): 200 whenever the process answers at all; a supervisor
  restarts on this one, not on /healthz (restarting does not bring a database back).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from nlu.client import NluClient

CHECK_TIMEOUT_S = 3.0


async def database_status(engine: AsyncEngine, timeout_s: float = CHECK_TIMEOUT_S) -> dict[str, Any]:
    async def ping() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), timeout_s)
    except Exception as exc:  # any failure, including a timeout, means the worker cannot store events
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok"}


async def nlu_status(nlu: NluClient | None, timeout_s: float = CHECK_TIMEOUT_S) -> dict[str, Any]:
    """``ok`` (every replica up), ``partial``, ``down`` or ``disabled`` (started without NLU)."""
    if nlu is None:
        return {"status": "disabled", "replicas": []}
    try:
        up = await asyncio.wait_for(nlu.replica_health(), timeout_s)
    except TimeoutError:
        up = dict.fromkeys(nlu.urls, False)
    replicas = [{"url": url.split("?")[0], "up": ok} for url, ok in up.items()]
    alive = sum(up.values())
    status = "ok" if alive == len(up) else "partial" if alive else "down"
    return {"status": status, "replicas": replicas}


async def report(engine: AsyncEngine, nlu: NluClient | None, channels: list[str]) -> tuple[int, dict[str, Any]]:
    """HTTP status and body of /healthz; both checks run at once."""
    database, understanding = await asyncio.gather(database_status(engine), nlu_status(nlu))
    if database["status"] != "ok":
        overall, code = "unavailable", 503
    else:
        overall, code = ("ok" if understanding["status"] == "ok" else "degraded"), 200
    return code, {"status": overall, "database": database, "nlu": understanding, "channels": channels}
