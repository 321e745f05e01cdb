"""Running a Starlette app on uvicorn in a background thread, on a free loopback port."""

from __future__ import annotations

import asyncio
import copy
import email.parser
import email.policy
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import BaseRoute

DATA = Path(__file__).resolve().parent.parent / "data"


def load_payload(relative: str) -> dict[str, Any]:
    """A recorded platform payload (a fresh copy, safe to modify)."""
    return copy.deepcopy(json.loads((DATA / relative).read_text(encoding="utf-8")))


async def form_fields(request: Request) -> dict[str, str]:
    """An urlencoded form (python-multipart is not a dependency of ours)."""
    return dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))


async def multipart_fields(request: Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """A multipart/form-data body: its text fields and its files (name -> (file name, bytes)).

    Parsed with the standard library's MIME parser, as python-multipart is not a dependency.
    """
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + await request.body())
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, content)
        else:
            fields[name] = content.decode("utf-8")
    return fields, files


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


@dataclass
class FakePlatform:
    """A remote platform served over real HTTP from its own thread; subclasses give its routes."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ServerThread | None = None

    def routes(self) -> list[BaseRoute]:
        raise NotImplementedError

    def start(self) -> Self:
        self._server = ServerThread(Starlette(routes=self.routes())).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()

    @property
    def url(self) -> str:
        assert self._server, "start() the fake first"
        return self._server.url


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
