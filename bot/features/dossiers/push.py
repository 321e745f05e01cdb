"""HTTP push of status changes from the one-stop system: ``POST /dossiers/events``.

Authenticated by HMAC-SHA256 of the raw body with the shared secret
``DOSSIER_PUSH_SECRET``, hex in the ``X-Signature`` header (``sha256=`` prefix
allowed). Idempotent by ``event_id``: a resent event is answered 200 without being
applied again; the same id with a different body is refused (409). Body::

    {"event_id": "evt-20261127-0001", "code": "000.00.27.H49-261120-0031",
     "status": 9, "changed_at": "2026-11-27T10:15:00+07:00",
     "appointment_at": "04/12/2026", "completed_at": "2026-11-27 10:15"}

``status`` is 1–10 or its Vietnamese label; ``changed_at``, ``appointment_at`` and
``completed_at`` are optional. Answers: 200 {"result": "applied" | "unchanged" |
"stale" | "duplicate"}; 400 bad JSON; 401 bad signature; 404 unknown dossier (not
recorded, so it can be resent after the next import); 409; 413 body over 64 KB;
422 invalid fields, each named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.features.dossiers.fields import (
    FINISHED,
    VN_TZ,
    FieldError,
    as_utc,
    mask_code,
    parse_code,
    parse_datetime,
    parse_status,
    timeliness,
)
from bot.features.dossiers.keys import EXAMPLE_VALUES
from bot.features.dossiers.models import Dossier, DossierPushEvent
from bot.features.dossiers.service import DossierService, insert_ignore, of
from bot.features.feature import NotServed
from nlu.normalize import small_number

if TYPE_CHECKING:
    from bot.features.feature import Parts

log = logging.getLogger(__name__)

SECRET_ENV = "DOSSIER_PUSH_SECRET"
MAX_BODY = 64 * 1024
PATH = "/dossiers/events"
MAX_AHEAD = dt.timedelta(minutes=5)  # clock skew allowed between the one-stop system and us
_EVENT_ID = re.compile(r"[\w.:\-]{1,100}")


class PushNotConfigured(NotServed):
    what = "dossier push"


def sign(secret: str, body: bytes) -> str:
    """The ``X-Signature`` value for ``body`` (what the one-stop system computes)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _read_capped(request: Request) -> bytes | None:
    """The raw body, or None when it is larger than MAX_BODY (whatever Content-Length claims)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (small_number(declared) or 0) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _validate(data: object) -> tuple[dict[str, Any], dict[str, str]]:
    if not isinstance(data, dict):
        return {}, {"body": "must be a JSON object"}
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    event_id = data.get("event_id")
    if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        errors["event_id"] = "required: 1–100 letters, digits or . _ : -"
    else:
        out["event_id"] = event_id
    parsers = {
        "code": lambda v: parse_code(v) if isinstance(v, str) else _raise("required: a complete receipt code"),
        "status": lambda v: parse_status(v) if v is not None else _raise("required: 1–10 or a status label"),
        "changed_at": lambda v: parse_datetime(v) if isinstance(v, str | None) else _raise("must be a string"),
        "appointment_at": lambda v: parse_datetime(v) if isinstance(v, str | None) else _raise("must be a string"),
        "completed_at": lambda v: parse_datetime(v) if isinstance(v, str | None) else _raise("must be a string"),
    }
    for name, parse in parsers.items():
        try:
            out[name] = parse(data.get(name))
        except FieldError as exc:
            errors[name] = str(exc)
    unknown = sorted(set(data) - {"event_id", *parsers})
    if unknown:
        errors["body"] = f"unknown field(s): {', '.join(unknown)}"
    return out, errors


def _raise(message: str) -> Any:
    raise FieldError(message)


def push_routes(services: Parts) -> list[Route]:
    """The push endpoint; refuses to be built without a secret (never an open endpoint)."""
    secret = os.environ.get(SECRET_ENV, "")
    if len(secret) < 16 or secret.strip().lower() in EXAMPLE_VALUES:
        raise PushNotConfigured(
            f"set {SECRET_ENV} (at least 16 characters, not an example value) to accept dossier status pushes"
        )
    service, sessions = of(services), services.sessions

    async def receive(request: Request) -> JSONResponse:
        body = await _read_capped(request)
        if body is None:
            return _error(413, f"body larger than {MAX_BODY} bytes")
        given = request.headers.get("x-signature", "").strip().lower().removeprefix("sha256=")
        # compare_digest raises on non-ASCII text (a header is decoded as Latin-1): refuse it first.
        if not given.isascii() or not hmac.compare_digest(sign(secret, body), given):
            return _error(401, "missing or wrong X-Signature (hex HMAC-SHA256 of the raw body)")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:  # also numbers over 4,300 digits, nesting too deep
            return _error(400, f"body is not JSON: {str(exc)[:200]}")
        event, errors = _validate(data)
        if event.get("changed_at") and event["changed_at"].replace(tzinfo=VN_TZ) > service.clock() + MAX_AHEAD:
            # A change dated ahead would make every later real event "stale": refuse it.
            errors["changed_at"] = f"more than {MAX_AHEAD.seconds // 60} minutes in the future"
        if errors:
            return _error(422, "invalid fields", fields=errors)
        digest = hashlib.sha256(body).hexdigest()
        try:
            async with sessions() as session, session.begin():
                result = await _handle(service, session, event, digest)
        except _UnknownDossier:  # rolled back, event not recorded: it may be resent after the next import
            return _error(404, "unknown dossier code")
        if result == "conflict":
            return _error(409, "event_id already used with a different body")
        log.info("push %s for %s: %s", event["event_id"], mask_code(event["code"]), result)
        return JSONResponse({"result": result})

    return [Route(PATH, receive, methods=["POST"])]


class _UnknownDossier(Exception):
    pass


async def _handle(service: DossierService, session: AsyncSession, event: dict[str, Any], digest: str) -> str:
    values = {"event_id": event["event_id"], "body_sha256": digest, "result": "pending",
              "received_at": service.clock()}
    if not await insert_ignore(session, DossierPushEvent, values, "event_id"):
        seen = await session.get(DossierPushEvent, event["event_id"])
        return "conflict" if seen is not None and seen.body_sha256 != digest else "duplicate"
    d = (await session.execute(select(Dossier).where(Dossier.code == event["code"]))).scalar_one_or_none()
    if d is None:
        raise _UnknownDossier
    result = await _apply(service, session, d, event)
    await session.execute(
        update(DossierPushEvent).where(DossierPushEvent.event_id == event["event_id"]).values(result=result)
    )
    return result


async def _apply(service: DossierService, session: AsyncSession, d: Dossier, event: dict[str, Any]) -> str:
    changed_at = as_utc(event["changed_at"].replace(tzinfo=VN_TZ)) if event["changed_at"] else None
    # An event older than the change it would override arrived late: keep the newer state.
    if changed_at is not None and changed_at < as_utc(d.status_changed_at):
        return "stale"
    if event["appointment_at"] is not None:
        d.appointment_at = event["appointment_at"]
    if event["completed_at"] is not None:
        d.completed_at = event["completed_at"]
    change = await service.change_status(
        session, d, event["status"], source="push", event_id=event["event_id"], changed_at=changed_at
    )
    if d.status in FINISHED:
        d.timeliness = timeliness(d.appointment_at, d.completed_at)
    return "applied" if change is not None else "unchanged"
