"""Running a Starlette app on uvicorn in a background thread, on a free loopback port."""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request

DATA = Path(__file__).resolve().parent.parent / "data"


def load_payload(relative: str) -> dict[str, Any]:
    """A recorded platform payload (a fresh copy, safe to modify)."""
    return copy.deepcopy(json.loads((DATA / relative).read_text(encoding="utf-8")))


async def form_fields(request: Request) -> dict[str, str]:
    """An urlencoded form (python-multipart is not a dependency of ours)."""
    return dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """uvicorn serving ``app`` from its own thread and event loop, like a remote platform would."""

    def __init__(self, app: Starlette) -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.port = self._server.config.port
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        for _ in range(500):  # bounded: 10 s
            if self._server.started:
                return self
            time.sleep(0.02)
        raise RuntimeError("fake server did not start")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


async def wait_for(
    predicate: Callable[[], bool | Awaitable[bool]], timeout_s: float = 30.0, what: str = "condition"
) -> None:
    """Waits (bounded) until ``predicate`` holds; a wait, not a timing assertion."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
