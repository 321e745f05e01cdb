"""HTTP client of the Rasa NLU server(s): ``POST /model/parse``.

Several replicas can be given; requests are spread round-robin and a replica that
fails is skipped for a short while. The transport is injectable (httpx style) so
tests can drive the client against ``httpx.MockTransport`` as well as a real server.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


class NluUnavailable(Exception):
    """No NLU replica answered in time."""


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int
    confidence: float | None = None


@dataclass(frozen=True)
class Parse:
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    ranking: tuple[tuple[str, float], ...] = field(default=())


def _items(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else in it, or no list at all: nothing)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def parse_response(data: dict[str, object]) -> Parse:
    intent = data.get("intent") or {}
    assert isinstance(intent, dict)
    entities = tuple(
        Entity(
            entity=str(e["entity"]),
            value=str(e.get("value", "")),
            start=int(e.get("start", 0)),
            end=int(e.get("end", 0)),
            confidence=e.get("confidence_entity"),
        )
        for e in _items(data.get("entities"))
    )
    ranking = tuple(
        (str(r.get("name")), float(r.get("confidence", 0.0)))
        for r in _items(data.get("intent_ranking"))
    )
    return Parse(str(intent.get("name") or "out_of_scope"), float(intent.get("confidence") or 0.0), entities, ranking)


class NluClient:
    """Async client over one or more Rasa servers."""

    def __init__(
        self,
        urls: list[str],
        token: str | None = None,
        timeout_s: float = 3.0,
        transport: httpx.AsyncBaseTransport | None = None,
        cooldown_s: float = 10.0,
    ) -> None:
        if not urls:
            raise ValueError("at least one NLU URL is needed")
        self._urls = [u.rstrip("/") for u in urls]
        self._token = token
        self._cooldown_s = cooldown_s
        self._dead_until: dict[str, float] = {}
        self._next = itertools.cycle(range(len(self._urls)))
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
        self._http = httpx.AsyncClient(timeout=timeout_s, transport=transport, limits=limits)

    @property
    def urls(self) -> list[str]:
        return list(self._urls)

    def _order(self) -> list[str]:
        start = next(self._next)
        rotated = self._urls[start:] + self._urls[:start]
        now = time.monotonic()
        alive = [u for u in rotated if self._dead_until.get(u, 0.0) <= now]
        # When all look dead, try them all anyway: one may be back.
        return alive or rotated

    async def parse(self, text: str) -> Parse:
        """Intent and entities of already-normalised ``text``."""
        params = {"token": self._token} if self._token else None
        last: Exception | None = None
        for url in self._order():
            try:
                resp = await self._http.post(f"{url}/model/parse", json={"text": text}, params=params)
                resp.raise_for_status()
                return parse_response(resp.json())
            except (httpx.HTTPError, ValueError) as exc:
                self._dead_until[url] = time.monotonic() + self._cooldown_s
                last = exc
        raise NluUnavailable(str(last))

    async def replica_health(self) -> dict[str, bool]:
        """Each replica's ``GET /status`` answered 200, checked at once (the /healthz report)."""
        params = {"token": self._token} if self._token else None

        async def up(url: str) -> bool:
            try:
                return (await self._http.get(f"{url}/status", params=params)).status_code == 200
            except httpx.HTTPError:
                return False

        return dict(zip(self._urls, await asyncio.gather(*(up(u) for u in self._urls)), strict=True))

    async def aclose(self) -> None:
        await self._http.aclose()
