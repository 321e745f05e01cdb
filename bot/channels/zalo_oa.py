"""Zalo Official Account: signed webhook in, customer-service messages with buttons out.

The webhook checks ``X-ZEvent-Signature`` over the raw body in constant time and refuses
stale timestamps, then stores the event (key: ``msg_id``) before answering. Buttons are
``oa.query.*`` buttons whose payload comes back as a message from the citizen; the payload
carries the id of the message that offered it, so a button tapped twice is recognised.
Replies outside Zalo's reply window are recorded as undeliverable, not retried.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bot.channels.common import (
    BodyTooLarge,
    WebhookStore,
    numbered,
    ok,
    parse_json_object,
    read_body,
    refuse,
    same_secret,
    split_text,
)
from bot.channels.settings import ZaloOASettings
from bot.channels.zalo_oa_client import ZaloOAClient, signature
from bot.channels.zalo_oa_tokens import ZaloTokenStore
from bot.core.messages import Reply
from bot.inbox import InboundEvent
from bot.sender import PermanentFailure, RetryLater, Undeliverable

log = logging.getLogger(__name__)

CHANNEL = "zalo"
SIGNATURE_HEADER = "X-ZEvent-Signature"
TEXT_EVENTS = {"user_send_text", "user_click_button"}
# Media and other messages: the assistant asks for a typed question.
OTHER_MESSAGES = {
    "user_send_image", "user_send_gif", "user_send_sticker", "user_send_audio", "user_send_video",
    "user_send_file", "user_send_location", "user_send_link", "user_send_business_card",
}
BUTTON = re.compile(r"^#(\d{1,18})\|(.{1,900})$", re.DOTALL)


def button_payload(ref: str, payload: str) -> str:
    return f"#{ref}|{payload}"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, int) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def to_event(data: dict[str, Any], oa_id: str = "") -> InboundEvent | None:
    name = _str(data.get("event_name"))
    sender = _dict(data.get("sender"))
    recipient = _dict(data.get("recipient"))
    message = _dict(data.get("message"))
    if oa_id and name.startswith("user_") and _str(recipient.get("id")) not in ("", oa_id):
        return None  # addressed to another OA
    if name == "follow":
        follower = _dict(data.get("follower"))
        user = _str(follower.get("id")) or _str(sender.get("id"))
        stamp = _str(data.get("timestamp"))
        return InboundEvent(CHANNEL, f"follow:{user}:{stamp}", user, payload="m:greet") if user else None
    user = _str(sender.get("id"))
    msg_id = _str(message.get("msg_id"))
    if not user or not msg_id:
        return None
    key = f"m:{msg_id}"
    if name in TEXT_EVENTS:
        text = _str(message.get("text")) or _str(message.get("payload"))
        if match := BUTTON.match(text):
            ref, payload = match.groups()
            return InboundEvent(CHANNEL, key, user, payload=payload, alt_key=f"b:{user}:{ref}:{payload}")
        return InboundEvent(CHANNEL, key, user, text=text.strip())
    if name in OTHER_MESSAGES:
        return InboundEvent(CHANNEL, key, user, text="")
    return None


@dataclass(frozen=True)
class ZaloOAMessage:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()


class ZaloOAChannel:
    channel = CHANNEL

    def __init__(
        self,
        settings: ZaloOASettings,
        *,
        app_id: str,
        secret_key: str,
        client: ZaloOAClient,
        tokens: ZaloTokenStore,
        store: WebhookStore,
        max_body_bytes: int = 256 * 1024,
        clock: Any = time.time,
    ) -> None:
        self.settings = settings
        self.limits = settings.limits
        self._app_id = app_id
        self._secret_key = secret_key
        self._client = client
        self._tokens = tokens
        self._store = store
        self._max_body = max_body_bytes
        self._clock = clock

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self._client.aclose()

    # -- inbound --------------------------------------------------------------------------------------

    def verify(self, raw: bytes, data: dict[str, Any], given: str | None) -> str | None:
        """Why the request is refused, or None when it is authentic and fresh."""
        if not given:
            return "missing signature"
        stamp = _str(data.get("timestamp"))
        if not (stamp.isascii() and stamp.isdigit()):
            return "missing timestamp"
        expected = signature(self._app_id, raw, stamp, self._secret_key)
        if not same_secret(given if given.startswith("mac=") else f"mac={given}", expected):
            return "bad signature"
        if abs(self._clock() * 1000 - int(stamp)) > self.settings.signature_max_age_s * 1000:
            return "stale timestamp"
        if _str(data.get("app_id")) not in ("", self._app_id):
            return "another app"
        return None

    async def webhook(self, request: Request) -> Response:
        try:
            raw = await read_body(request, self._max_body)
        except BodyTooLarge:
            return refuse(413, "body too large")
        data = parse_json_object(raw)
        if data is None:
            return refuse(400 if request.headers.get(SIGNATURE_HEADER) else 401, "not a signed JSON object")
        if reason := self.verify(raw, data, request.headers.get(SIGNATURE_HEADER)):
            log.warning("zalo: webhook refused: %s", reason)
            return refuse(401, reason)
        try:
            event = to_event(data, self.settings.oa_id)
        except Exception as exc:  # authentic but unusable
            log.info("zalo: unusable event ignored: %r", exc)
            return ok()
        if event is None:
            return ok()
        if await self._store.store(event) is None:
            return refuse(503, "storage unavailable")
        return ok()

    # -- outbound (ChannelSender) ---------------------------------------------------------------------

    def render(self, reply: Reply, ref: str) -> Sequence[ZaloOAMessage]:
        cap = self.settings.max_buttons
        shown, extra = reply.buttons[:cap], reply.buttons[cap:]
        text = reply.text or "…"
        if extra:  # past Zalo's button limit: numbered choices the citizen can type
            text += "\n\n" + numbered([b.label for b in extra], start=cap + 1)
        pieces = split_text(text, self.settings.max_text_chars)
        messages = [ZaloOAMessage(p) for p in pieces]
        buttons = tuple((b.label[:100], button_payload(ref, b.payload)) for b in shown)
        messages[-1] = ZaloOAMessage(messages[-1].text, buttons)
        return messages

    async def send(self, user_id: str, message: ZaloOAMessage) -> None:
        token = await self._tokens.access_token()
        result = await self._client.send(token, user_id, message.text, list(message.buttons))
        if result.code in self.settings.token_error_codes:
            token = await self._tokens.refresh(token)
            result = await self._client.send(token, user_id, message.text, list(message.buttons))
        if result.code == 0 and result.http_status == 200:
            return
        if result.http_status == 429 or result.code in self.settings.retry_error_codes:
            raise RetryLater(result.retry_after_s or 60.0, f"zalo {result.code} {result.message}")
        if result.http_status >= 500 or result.code in self.settings.token_error_codes:
            raise ConnectionError(f"zalo HTTP {result.http_status} {result.code}: {result.message}")
        if result.code in self.settings.window_error_codes:
            raise Undeliverable(f"outside the reply window: {result.code} {result.message}")
        raise PermanentFailure(f"zalo {result.code}: {result.message}")
