"""Fake Zalo servers over real HTTP: the Official Account API (send, OAuth) and the Bot Platform.

The OA fake enforces what matters to the assistant: the access token (``-216`` when
invalid, ``-220`` once expired), single-use refresh tokens, a per-user refusal from Zalo's
error table (``refusals``: -213 not a follower, -230/-232 outside the reply window); files are
uploaded (multipart) for a token, then sent as a "file" message naming it. The Bot fake
serves ``getUpdates`` (408 when empty), ``sendMessage`` (1-2,000 characters, optional
429s or 403s) and POSTs updates to the registered webhook with its secret header, in
the bare ``{event_name, message}`` shape the platform uses for webhooks.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.channels.zalo_oa_client import signature

from .http import FakePlatform, form_fields, load_payload, multipart_fields


@dataclass
class OASent:
    user_id: str
    text: str
    buttons: list[dict[str, Any]]
    file: tuple[str, bytes] | None = None  # (file name, content) of a file message


@dataclass
class FakeZaloOA(FakePlatform):
    app_id: str = "3407329213711000000"
    app_secret: str = "app-secret-for-oauth"
    oa_secret_key: str = "oa-secret-key-for-webhooks"
    oa_id: str = "1790000000000000009"
    access_token: str = "zalo-access-1"
    refresh_token: str = "zalo-refresh-1"
    sent: list[OASent] = field(default_factory=list)
    refreshes: int = 0
    outside_window: set[str] = field(default_factory=set)
    refusals: dict[str, str] = field(default_factory=dict)  # user -> recorded answer (tests/data/zalo/)
    expired_tokens: set[str] = field(default_factory=set)
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v3.0/oa/message/cs", self._send, methods=["POST"]),
            Route("/v4/oa/access_token", self._token, methods=["POST"]),
            Route("/v2.0/oa/upload/file", self._upload, methods=["POST"]),
            Route("/v2.0/oa/getoa", self._profile, methods=["GET"]),
        ]

    async def _profile(self, request: Request) -> JSONResponse:
        with self._lock:
            if request.headers.get("access_token") != self.access_token:
                return JSONResponse(load_payload("zalo/oa_send_token_expired.json"))
        return JSONResponse({"error": 0, "message": "Success", "data": {"oa_id": self.oa_id, "name": "Trung tâm"}})

    def expire_access_token(self, *, as_expired: bool = False) -> None:
        """Invalidates the current token: answered ``-216``, or ``-220`` ("expired") if ``as_expired``."""
        with self._lock:
            if as_expired:
                self.expired_tokens.add(self.access_token)
            self.access_token = "expired-" + self.access_token

    async def _send(self, request: Request) -> JSONResponse:
        body = await request.json()
        user = str(body.get("recipient", {}).get("user_id"))
        with self._lock:
            given = request.headers.get("access_token")
            if given in self.expired_tokens:
                return JSONResponse(load_payload("zalo/oa_send_token_removed.json"))
            if given != self.access_token:
                return JSONResponse(load_payload("zalo/oa_send_token_expired.json"))
            if user in self.refusals:
                return JSONResponse(load_payload(f"zalo/{self.refusals[user]}.json"))
            if user in self.outside_window:
                return JSONResponse(load_payload("zalo/oa_send_outside_window.json"))
            message = body.get("message", {})
            attachment = message.get("attachment", {})
            buttons = attachment.get("payload", {}).get("buttons", [])
            file = None
            if attachment.get("type") == "file":
                file = self.uploads.get(str(attachment.get("payload", {}).get("token")))
                if file is None:
                    return JSONResponse({"error": -201, "message": "file token is invalid"})
            self.sent.append(OASent(user, str(message.get("text", "")), buttons, file))
            answer = load_payload("zalo/oa_send_ok.json")
            answer["data"] = {"message_id": f"oa-msg-{next(self._ids)}", "user_id": user}
        return JSONResponse(answer)

    async def _upload(self, request: Request) -> JSONResponse:
        _, files = await multipart_fields(request)
        with self._lock:
            if request.headers.get("access_token") != self.access_token:
                return JSONResponse(load_payload("zalo/oa_send_token_expired.json"))
            if "file" not in files:
                return JSONResponse({"error": -201, "message": "file is missing"})
            token = f"file-token-{next(self._ids)}"
            self.uploads[token] = files["file"]
        return JSONResponse({"error": 0, "message": "Success", "data": {"token": token}})

    async def _token(self, request: Request) -> JSONResponse:
        form = await form_fields(request)
        with self._lock:
            valid = (
                request.headers.get("secret_key") == self.app_secret
                and form.get("app_id") == self.app_id
                and form.get("grant_type") == "refresh_token"
                and form.get("refresh_token") == self.refresh_token
            )
            if not valid:
                return JSONResponse(load_payload("zalo/oa_token_invalid.json"))
            self.refreshes += 1
            n = self.refreshes + 1
            self.access_token, self.refresh_token = f"zalo-access-{n}", f"zalo-refresh-{n}"
            answer = load_payload("zalo/oa_token_ok.json")
            answer.update(access_token=self.access_token, refresh_token=self.refresh_token)
        return JSONResponse(answer)

    def messages_to(self, user_id: str) -> list[OASent]:
        with self._lock:
            return [s for s in self.sent if s.user_id == user_id]

    def signed(self, event: dict[str, Any], *, timestamp_ms: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers Zalo would send for ``event`` (signed with the OA secret key)."""
        event = dict(event)
        event["timestamp"] = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        raw = json.dumps(event, ensure_ascii=False).encode()
        mac = signature(self.app_id, raw, event["timestamp"], self.oa_secret_key)
        return raw, {"X-ZEvent-Signature": mac, "Content-Type": "application/json"}

    async def deliver(
        self, client: httpx.AsyncClient, url: str, event: dict[str, Any], *,
        timestamp_ms: int | None = None, retry: int = 0,
    ) -> httpx.Response:
        """POSTs a signed event; a redelivery keeps the original timestamp and says its number."""
        raw, headers = self.signed(event, timestamp_ms=timestamp_ms)
        if retry:
            headers["num_retry"] = str(retry)
        return await client.post(url, content=raw, headers=headers)


def oa_text_event(user_id: str, msg_id: str, text: str) -> dict[str, Any]:
    event = load_payload("zalo/oa_user_send_text.json")
    event["sender"]["id"] = user_id
    event["message"] = {"text": text, "msg_id": msg_id}
    return event


@dataclass
class FakeZaloBot(FakePlatform):
    token: str = "1459232241454765289:zalo-bot-test-token"
    sent: list[tuple[str, str]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    fail_next_sends: int = 0
    fail_status: int = 429  # what the failed sends answer (429 with retry_after, or 403: a server error)
    rejected_sends: int = 0
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def routes(self) -> list[BaseRoute]:
        return [Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return _bot_error(401, "Unauthorized")
        method = request.path_params["method"]
        try:
            params = await request.json()
        except ValueError:
            params = {}
        if method == "getMe":
            return _bot_ok({"id": "1459232241454765289", "account_name": "bot.test", "account_type": "BASIC"})
        if method in ("setWebhook", "deleteWebhook"):
            with self._lock:
                self.webhook = dict(params) if method == "setWebhook" else {}
            return _bot_ok({"url": self.webhook.get("url", ""), "updated_at": int(time.time() * 1000)})
        if method == "sendMessage":
            return self._send_message(params)
        if method == "getUpdates":
            return await self._get_updates(params)
        return _bot_error(404, "method not found")

    def _send_message(self, params: dict[str, Any]) -> JSONResponse:
        text = str(params.get("text", ""))
        with self._lock:
            if self.fail_next_sends > 0:
                self.fail_next_sends -= 1
                self.rejected_sends += 1
                if self.fail_status != 429:
                    return _bot_error(self.fail_status, "Forbidden")
                return JSONResponse(load_payload("zalo/bot_error_429.json"), status_code=429)
            if not 1 <= len(text) <= 2000:
                return _bot_error(400, "text must be 1-2000 characters")
            self.sent.append((str(params.get("chat_id")), text))
            answer = load_payload("zalo/bot_send_ok.json")
            answer["result"]["message_id"] = f"bot-msg-{next(self._ids)}"
        return JSONResponse(answer)

    async def _get_updates(self, params: dict[str, Any]) -> JSONResponse:
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self._lock:
                if self._updates:
                    return _bot_ok(self._updates.pop(0)["result"])  # handed out once, for good
            if time.monotonic() >= deadline:
                return _bot_error(408, "Request timeout")
            await asyncio.sleep(0.02)

    def queue_update(self, update: dict[str, Any]) -> None:
        with self._lock:
            self._updates.append(update)

    def messages_to(self, chat_id: str) -> list[str]:
        with self._lock:
            return [t for c, t in self.sent if c == chat_id]

    async def deliver(
        self, client: httpx.AsyncClient, update: dict[str, Any], *, secret: str | None = None
    ) -> httpx.Response:
        """POSTs an update to the webhook as the platform does: the bare ``result`` of a wrapped update."""
        token = self.webhook.get("secret_token") if secret is None else secret
        headers = {"X-Bot-Api-Secret-Token": token} if token else {}
        body = update["result"] if isinstance(update.get("result"), dict) else update
        return await client.post(self.webhook["url"], json=body, headers=headers)


def bot_text_update(chat_id: str, message_id: str, text: str) -> dict[str, Any]:
    update = load_payload("zalo/bot_message_text.json")
    msg = update["result"]["message"]
    msg["chat"]["id"] = msg["from"]["id"] = chat_id
    msg["message_id"] = message_id
    msg["text"] = text
    return update


def _bot_ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _bot_error(code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description}, status_code=code)
