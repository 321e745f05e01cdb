"""The NLU client spreads load over replicas and skips a dead one (httpx MockTransport)."""

from __future__ import annotations

import httpx
import pytest

from nlu.client import NluClient, NluUnavailable


def _ok(intent: str) -> dict[str, object]:
    return {"intent": {"name": intent, "confidence": 0.9}, "entities": [
        {"entity": "procedure", "value": "khai sinh", "start": 4, "end": 13}
    ], "intent_ranking": [{"name": intent, "confidence": 0.9}]}


async def test_parse_reads_intent_and_entities() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_ok("ask_fee"))

    client = NluClient(["http://a"], token="s3cret", transport=httpx.MockTransport(handler))
    parse = await client.parse("le phi khai sinh")
    await client.aclose()
    assert parse.intent == "ask_fee" and [(e.entity, e.value) for e in parse.entities] == [("procedure", "khai sinh")]
    assert seen[0].url.params["token"] == "s3cret"


async def test_replicas_share_load_and_a_dead_one_is_skipped() -> None:
    hits: dict[str, int] = {"a": 0, "b": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host == "dead":
            raise httpx.ConnectError("refused", request=request)
        hits[host] += 1
        return httpx.Response(200, json=_ok("greet"))

    client = NluClient(["http://a", "http://dead", "http://b"], transport=httpx.MockTransport(handler))
    for _ in range(12):
        assert (await client.parse("xin chao")).intent == "greet"
    await client.aclose()
    assert hits["a"] >= 4 and hits["b"] >= 4


async def test_all_replicas_down_raises_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    client = NluClient(["http://a", "http://b"], transport=httpx.MockTransport(handler))
    with pytest.raises(NluUnavailable):
        await client.parse("xin chao")
    await client.aclose()


async def test_a_replica_that_dies_is_skipped_over_real_http(nlu_server: tuple[str, str | None]) -> None:
    """Replicas: a proxy to the real Rasa server (stopped halfway), the server itself, a closed port."""
    from fakes.http import ServerThread, free_port
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    rasa, token = nlu_server
    forwarded = 0

    async def forward(request: Request) -> Response:
        nonlocal forwarded
        forwarded += 1
        async with httpx.AsyncClient() as http:
            r = await http.post(f"{rasa}/model/parse", params=request.query_params, content=await request.body())
        return Response(r.content, r.status_code, media_type="application/json")

    proxy = ServerThread(Starlette(routes=[Route("/model/parse", forward, methods=["POST"])])).start()
    texts = ["xin chao", "lam giay khai sinh can gi", "le phi bao nhieu", "trung tam lam viec may gio"]
    direct = NluClient([rasa], token)
    client = NluClient([proxy.url, rasa, f"http://127.0.0.1:{free_port()}"], token)
    try:
        expected = [(await direct.parse(t)).intent for t in texts]
        for _ in range(3):
            assert [(await client.parse(t)).intent for t in texts] == expected
        assert 0 < forwarded < 12  # the load was spread over the live replicas
        proxy.stop()  # a replica goes down
        for _ in range(3):
            assert [(await client.parse(t)).intent for t in texts] == expected  # no request failed
    finally:
        proxy.stop()
        await client.aclose()
        await direct.aclose()
