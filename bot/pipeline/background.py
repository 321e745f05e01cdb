"""Stopping background work: what is running gets a grace period, then is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any


async def drain(tasks: Collection[asyncio.Task[Any]], grace_s: float) -> None:
    """Wait up to ``grace_s`` for ``tasks``; cancel those still running and wait for them to end."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=grace_s)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
