"""The status push: HMAC over the raw body, idempotent by event id, clear 4xx errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from dossier_fixtures import Clock, chat, count, load, outbox_rows, record
from starlette.applications import Starlette

from bot.app import Services
from bot.features.dossiers.models import Dossier, DossierPushEvent, DossierStatusChange
from bot.features.dossiers.push import MAX_BODY, PATH, PushNotConfigured, push_routes, sign


def create_app(services: Services) -> Starlette:
    """The push routes alone, as bot.web.asgi mounts them."""
    return Starlette(routes=list(push_routes(services)))


SECRET = "push-secret-for-tests-0123456789"
CODE = "000.00.27.H49-261120-0031"


@pytest.fixture
async def client(
    dsvc: Services, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("DOSSIER_PUSH_SECRET", SECRET)
    await load(dsvc, record(CODE, "6789", status=4))
    clock.advance(hours=2)  # 11:00 in Vietnam: the pushed changes (10:15 and before) are in the past
    transport = httpx.ASGITransport(app=create_app(dsvc))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def _body(**fields: object) -> bytes:
    event = {"event_id": "evt-1", "code": CODE, "status": 9, "changed_at": "2026-11-28T10:15:00+07:00"}
    event.update(fields)
    return json.dumps({k: v for k, v in event.items() if v is not ...}, ensure_ascii=False).encode()


async def _push(c: httpx.AsyncClient, body: bytes, signature: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Signature": signature or sign(SECRET, body)}
    return await c.post(PATH, content=body, headers=headers)


async def _subscribe(services: Services, user: str = "citizen") -> None:
    await chat(services, f"tra cứu hồ sơ {CODE}", user)
    await chat(services, "6789", user)
    assert "đã ghi nhận" in (await chat(services, "", user, payload="dossier:sub")).text


async def test_an_authentic_push_changes_the_status_and_notifies(client: httpx.AsyncClient, dsvc: Services) -> None:
    await _subscribe(dsvc)
    r = await _push(client, _body(completed_at="28/11/2026 10:00"))
    assert (r.status_code, r.json()) == (200, {"result": "applied"})
    rows = await outbox_rows(dsvc)
    assert len(rows) == 1 and "Đã xử lý xong" in rows[0].text and "28/11/2026" in rows[0].text
    async with dsvc.sessions() as session:
        event = await session.get(DossierPushEvent, "evt-1")
        assert event is not None and event.result == "applied"


async def test_signature_is_required_and_checked(client: httpx.AsyncClient, dsvc: Services) -> None:
    body = _body()
    missing = await client.post(PATH, content=body)
    assert missing.status_code == 401 and "X-Signature" in missing.json()["error"]
    assert (await _push(client, body, "0" * 64)).status_code == 401
    assert (await _push(client, body, sign("another-secret-0123456789", body))).status_code == 401
    tampered = body.replace(b'"status": 9', b'"status": 10')
    assert (await _push(client, tampered, sign(SECRET, body))).status_code == 401
    assert (await _push(client, body, "sha256=" + sign(SECRET, body).upper())).status_code == 200
    assert await count(dsvc, DossierStatusChange, DossierStatusChange.source == "push") == 1


async def test_a_resent_event_is_applied_once(client: httpx.AsyncClient, dsvc: Services) -> None:
    await _subscribe(dsvc)
    body = _body()
    first, again = await _push(client, body), await _push(client, body)
    assert first.json() == {"result": "applied"} and again.json() == {"result": "duplicate"}
    # The same change under another event id changes nothing either.
    other = await _push(client, _body(event_id="evt-2"))
    assert other.json() == {"result": "unchanged"}
    assert len(await outbox_rows(dsvc)) == 1
    reused = await _push(client, _body(status=10))
    assert reused.status_code == 409


async def test_the_same_change_pushed_concurrently_notifies_once(client: httpx.AsyncClient, dsvc: Services) -> None:
    await _subscribe(dsvc, "a")
    await _subscribe(dsvc, "b")
    bodies = [_body(event_id=f"evt-{i % 3}") for i in range(6)]  # three ids, each sent twice, all at once
    responses = await asyncio.gather(*(_push(client, b) for b in bodies))
    assert all(r.status_code == 200 for r in responses)
    assert sorted(r.json()["result"] for r in responses).count("applied") == 1
    rows = await outbox_rows(dsvc)
    assert sorted(r.user_id for r in rows) == ["a", "b"]
    assert await count(dsvc, DossierStatusChange, DossierStatusChange.source == "push") == 1


async def test_bad_input_gets_a_clear_4xx(client: httpx.AsyncClient, dsvc: Services) -> None:
    assert (await _push(client, b"{not json")).status_code == 400
    r = await _push(client, _body(event_id="", code="H49.27-261120", status=11, changed_at="yesterday", extra=1))
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"event_id", "code", "status", "changed_at", "body"}
    r = await _push(client, json.dumps([1, 2]).encode())
    assert r.status_code == 422 and "object" in r.json()["fields"]["body"]
    unknown = _body(event_id="evt-unknown", code="000.00.27.H49-261120-0099")
    assert (await _push(client, unknown)).status_code == 404
    assert await count(dsvc, DossierPushEvent) == 0  # not recorded: it may come again after an import
    big = _body(event_id="evt-big", pad="x" * MAX_BODY)
    assert (await _push(client, big)).status_code == 413
    assert (await client.get(PATH)).status_code == 405


async def test_an_event_older_than_the_last_change_is_stale(client: httpx.AsyncClient, dsvc: Services) -> None:
    assert (await _push(client, _body(status=6, changed_at="2026-11-28T10:00:00+07:00"))).json()["result"] == (
        "applied"
    )
    late = _body(event_id="evt-late", status=5, changed_at="2026-11-28T09:00:00+07:00")
    assert (await _push(client, late)).json() == {"result": "stale"}
    async with dsvc.sessions() as session:
        d = (await session.execute(Dossier.__table__.select().where(Dossier.code == CODE))).one()
        assert d.status == 6


async def test_status_label_and_dates(client: httpx.AsyncClient, dsvc: Services) -> None:
    body = _body(status="Yêu cầu bổ sung giấy tờ", appointment_at="10/12/2026", changed_at=None)
    assert (await _push(client, body)).json() == {"result": "applied"}
    await chat(dsvc, f"tra cứu hồ sơ {CODE}")
    reply = await chat(dsvc, "6789")
    assert "Yêu cầu bổ sung giấy tờ" in reply.text and "10/12/2026" in reply.text


async def test_no_secret_no_endpoint(dsvc: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOSSIER_PUSH_SECRET", raising=False)
    with pytest.raises(PushNotConfigured):
        create_app(dsvc)


@pytest.mark.parametrize(
    "body",
    [
        b'{"event_id": "evt-n", "code": "' + CODE.encode() + b'", "status": ' + b"9" * 5000 + b"}",
        b'{"event_id": "evt-n", "code": "' + CODE.encode() + b'", "status": ' + b"9" * 4000 + b"}",
        b"[" * 20000 + b"]" * 20000,
        b'{"event_id": "evt-n", "code": "' + CODE.encode() + b'", "status": ' + b"[" * 900 + b"]" * 900 + b"}",
        _body(changed_at="0001-01-01"),
        _body(changed_at="9999-12-31T23:59:00-05:00"),
        _body(appointment_at="9999-12-31T23:59:00-05:00"),
        _body(status=1e308 * 10),
    ],
    ids=["5000 digits", "4000 digits", "nested 20000", "nested 900", "year 1", "year 9999", "appointment 9999",
         "infinity"],
)
async def test_odd_bodies_get_a_4xx_never_a_500(client: httpx.AsyncClient, dsvc: Services, body: bytes) -> None:
    r = await _push(client, body)
    assert r.status_code in {400, 422}, r.text
    assert await count(dsvc, DossierPushEvent) == 0


async def test_a_non_ascii_signature_is_refused(client: httpx.AsyncClient) -> None:
    body = _body()
    r = await client.post(PATH, content=body, headers=[(b"X-Signature", "sha256=²".encode("latin-1"))])
    assert r.status_code == 401
    r = await client.post(PATH, content=body, headers=[(b"X-Signature", "é".encode("latin-1") * 64)])
    assert r.status_code == 401


async def test_a_change_dated_ahead_is_refused_and_does_not_freeze_the_dossier(
    client: httpx.AsyncClient, dsvc: Services
) -> None:
    ahead = await _push(client, _body(event_id="evt-ahead", status=3, changed_at="2026-11-28T11:06:00+07:00"))
    assert ahead.status_code == 422 and "future" in ahead.json()["fields"]["changed_at"]
    skewed = _body(event_id="evt-skew", status=6, changed_at="2026-11-28T11:04:00+07:00")  # within the skew
    assert (await _push(client, skewed)).json() == {"result": "applied"}
    real = _body(event_id="evt-real", status=9, changed_at="2026-11-28T11:04:30+07:00")
    assert (await _push(client, real)).json() == {"result": "applied"}
