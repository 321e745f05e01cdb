"""A fake Telegram Bot API server: what python-telegram-bot talks to in tests, over real HTTP.

It records every call, answers like the Bot API (``{"ok": ..., "result": ...}``), can
answer 429 with ``retry_after`` for the next N sends, serves ``getUpdates`` from a queue
(polling) and delivers updates to the webhook registered with ``setWebhook``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from .http import FakePlatform, form_fields, load_payload, multipart_fields

BOT_ID = 7000000001


@dataclass
class Sent:
    chat_id: str
    text: str
    parse_mode: str | None
    buttons: list[tuple[str, str]]  # (label, callback_data)
    at: float = 0.0  # time.perf_counter() when received (benchmarks)
    document: tuple[str, bytes] | None = None  # (file name, content) of a sendDocument


@dataclass
class FakeTelegram(FakePlatform):
    token: str = "123456:TEST-token_for-fake"
    sent: list[Sent] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    fail_next_sends: int = 0
    retry_after: int = 1
    rejected_sends: int = 0
    blocked_chats: set[str] = field(default_factory=set)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5000))

    # -- the server ------------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        method = request.path_params["method"]
        params = await _params(request)
        with self._lock:
            self.calls.append((method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        return await handler(params)

    async def _m_getMe(self, _: dict[str, Any]) -> JSONResponse:
        return _result({"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý TTHC", "username": "tthc_qn_bot",
                        "can_join_groups": False, "can_read_all_group_messages": False,
                        "supports_inline_queries": False})

    async def _m_setWebhook(self, p: dict[str, Any]) -> JSONResponse:
        with self._lock:
            self.webhook = dict(p)
        return _result(True)

    async def _m_deleteWebhook(self, _: dict[str, Any]) -> JSONResponse:
        with self._lock:
            self.webhook = {}
        return _result(True)

    async def _m_sendMessage(self, p: dict[str, Any]) -> JSONResponse:
        chat = str(p.get("chat_id"))
        if not chat.lstrip("-").isdigit():
            return _error(400, "Bad Request: chat not found")
        with self._lock:
            if self.fail_next_sends > 0:
                self.fail_next_sends -= 1
                self.rejected_sends += 1
                body = load_payload("telegram/error_429.json")
                body["parameters"]["retry_after"] = self.retry_after
                body["description"] = f"Too Many Requests: retry after {self.retry_after}"
                return JSONResponse(body, status_code=429)
            if chat in self.blocked_chats:
                return JSONResponse(load_payload("telegram/error_403_blocked.json"), status_code=403)
            text = str(p.get("text", ""))
            shown = html.unescape(text) if p.get("parse_mode") == "HTML" else text
            if not shown or len(shown.encode("utf-16-le")) // 2 > 4096:
                return _error(400, "Bad Request: message text is empty or too long")
            markup = p.get("reply_markup") or {}
            buttons = [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]
            self.sent.append(Sent(chat, text, p.get("parse_mode"), buttons, time.perf_counter()))
            message_id = next(self._ids)
        return _result({"message_id": message_id, "date": int(time.time()),
                        "chat": {"id": int(chat), "type": "private"}, "text": text,
                        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý TTHC"}})

    async def _m_sendDocument(self, p: dict[str, Any]) -> JSONResponse:
        """A multipart upload: the file part is "document" (or attach://name), the caption is the text."""
        chat = str(p.get("chat_id"))
        document = p.get("_files", {}).get("document")
        caption = str(p.get("caption", ""))
        if not chat.lstrip("-").isdigit():
            return _error(400, "Bad Request: chat not found")
        if document is None or not document[1]:
            return _error(400, "Bad Request: there is no document in the request")
        if len(html.unescape(caption).encode("utf-16-le")) // 2 > 1024:
            return _error(400, "Bad Request: message caption is too long")
        markup = p.get("reply_markup") or {}
        buttons = [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]
        with self._lock:
            if chat in self.blocked_chats:
                return JSONResponse(load_payload("telegram/error_403_blocked.json"), status_code=403)
            self.sent.append(Sent(chat, caption, p.get("parse_mode"), buttons, time.perf_counter(), document))
            message_id = next(self._ids)
        return _result({"message_id": message_id, "date": int(time.time()),
                        "chat": {"id": int(chat), "type": "private"}, "caption": caption,
                        "document": {"file_id": f"doc-{message_id}", "file_unique_id": f"u{message_id}",
                                     "file_name": document[0], "file_size": len(document[1])},
                        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý TTHC"}})

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> JSONResponse:
        with self._lock:
            self.answered.append(str(p.get("callback_query_id")))
        return _result(True)

    async def _m_getUpdates(self, p: dict[str, Any]) -> JSONResponse:
        offset = int(p.get("offset") or 0)
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), 1.0)
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed ones go
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                return _result(ready)
            await asyncio.sleep(0.02)

    # -- test side -------------------------------------------------------------------------------------

    def queue_update(self, update: dict[str, Any]) -> None:
        """For polling: the update waits in getUpdates until confirmed by a later offset."""
        with self._lock:
            self._updates.append(update)

    def messages_to(self, chat_id: int | str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.chat_id == str(chat_id)]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [p for m, p in self.calls if m == method]

    async def deliver(
        self, client: httpx.AsyncClient, update: dict[str, Any], *, secret: str | None = None, url: str | None = None
    ) -> httpx.Response:
        """POSTs an update to the registered webhook, as Telegram does (secret header included)."""
        target = url or self.webhook["url"]
        token = self.webhook.get("secret_token") if secret is None else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        return await client.post(target, json=update, headers=headers)


async def _params(request: Request) -> dict[str, Any]:
    """python-telegram-bot posts form fields whose non-string values are JSON; accept JSON bodies too."""
    params: dict[str, Any] = dict(request.query_params)
    ctype = request.headers.get("content-type", "")
    if "json" in ctype:
        body = await request.json()
        params.update(body if isinstance(body, dict) else {})
    elif ctype.startswith("multipart/"):
        fields, files = await multipart_fields(request)
        params.update(fields)
        params["_files"] = files
    elif ctype:
        params.update(await form_fields(request))
    for key in ("reply_markup", "allowed_updates"):
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def _result(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description}, status_code=code)


def text_update(update_id: int, chat_id: int, text: str, message_id: int | None = None) -> dict[str, Any]:
    update = load_payload("telegram/message_text.json")
    update["update_id"] = update_id
    msg = update["message"]
    msg["message_id"] = message_id if message_id is not None else update_id
    msg["from"]["id"] = msg["chat"]["id"] = chat_id
    msg["text"] = text
    return update


def callback_update(update_id: int, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
    update = load_payload("telegram/callback_query.json")
    update["update_id"] = update_id
    query = update["callback_query"]
    query["id"] = f"cbq-{update_id}"
    query["from"]["id"] = query["message"]["chat"]["id"] = chat_id
    query["message"]["message_id"] = message_id
    query["data"] = data
    return update
