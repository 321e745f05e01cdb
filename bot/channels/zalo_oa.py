"""Zalo Official Account: signed webhook in, customer-service messages with buttons out.

The webhook checks ``X-ZEvent-Signature`` over the raw body in constant time, refuses
timestamps older than Zalo's retry schedule or from the future, then stores the event
(key: ``msg_id``, so a retried delivery is recognised) before answering. Buttons are
``oa.query.*`` buttons whose payload comes back as a message from the citizen; the payload
carries the id of the message that offered it, so a button tapped twice is recognised.
What a failed send means comes from Zalo's error table (``zalo_errors``): a refused token is
renewed and the message resent once; replies outside Zalo's reply window are recorded as
undeliverable, not retried. A reply's
file is uploaded and sent as a file message when Zalo takes its type and size; otherwise
the text says where the file is.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bot.channels.common import (
    WebhookChannel,
    WebhookStore,
    as_dict,
    as_str,
    file_not_sent,
    numbered,
    ok,
    parse_json_object,
    refuse,
    same_secret,
    split_text,
    translate,
)
from bot.channels.zalo_errors import oa_action, oa_meaning
from bot.channels.zalo_oa_client import SendResult, ZaloOAClient, signature
from bot.channels.zalo_oa_tokens import ZaloTokenStore
from bot.core.messages import Reply
from bot.pipeline.delivery import PermanentFailure, RetryLater, Undeliverable
from bot.pipeline.inbox import InboundEvent
from bot.settings.channels import Action, ZaloOASettings

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


def addressed_to(data: dict[str, Any]) -> str:
    """The OA an event is for: the recipient of a citizen's message, ``oa_id`` of a follow."""
    if as_str(data.get("event_name")).startswith("user_"):
        return as_str(as_dict(data.get("recipient")).get("id")) or as_str(data.get("oa_id"))
    return as_str(data.get("oa_id"))


def to_event(data: dict[str, Any], oa_id: str) -> InboundEvent | None:
    name = as_str(data.get("event_name"))
    sender = as_dict(data.get("sender"))
    message = as_dict(data.get("message"))
    if addressed_to(data) not in ("", oa_id):
        # An app linked to several OAs gets all their events: acknowledged, not answered.
        return None
    if name == "follow":
        follower = as_dict(data.get("follower"))
        user = as_str(follower.get("id")) or as_str(sender.get("id"))
        stamp = as_str(data.get("timestamp"))
        return InboundEvent(CHANNEL, f"follow:{user}:{stamp}", user, payload="m:greet") if user else None
    user = as_str(sender.get("id"))
    msg_id = as_str(message.get("msg_id"))
    if not user or not msg_id:
        return None
    key = f"m:{msg_id}"
    if name in TEXT_EVENTS:
        text = as_str(message.get("text")) or as_str(message.get("payload"))
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
    file: str | None = None  # a path to upload and send as a file message (then ``text`` is unused)


class ZaloOAChannel(WebhookChannel[ZaloOASettings]):
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
        clock: Any = time.time,
    ) -> None:
        super().__init__(settings, store)
        self._app_id = app_id
        self._secret_key = secret_key
        self._client = client
        self._tokens = tokens
        self._clock = clock
        self._refresher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._refresher = asyncio.create_task(self._tokens.keep_fresh(), name="zalo-token-refresher")

    async def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            await asyncio.gather(self._refresher, return_exceptions=True)
        await self._client.aclose()

    # -- inbound --------------------------------------------------------------------------------------

    def verify(self, raw: bytes, data: dict[str, Any], given: str | None) -> str | None:
        """Why the request is refused, or None when it is authentic and fresh."""
        if not self.settings.oa_id:  # never "any OA": start-up refuses this too
            return "channels.zalo_oa.oa_id is not configured"
        if not given:
            return "missing signature"
        stamp = as_str(data.get("timestamp"))
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 16):
            return "missing timestamp"
        expected = signature(self._app_id, raw, stamp, self._secret_key)
        # Either hex case is taken (sources differ; it changes nothing to the strength).
        given = given.strip().lower()
        if not same_secret(given if given.startswith("mac=") else f"mac={given}", expected):
            return "bad signature"
        age_ms = self._clock() * 1000 - int(stamp)
        if age_ms > self.settings.signature_max_age_s * 1000:
            return "stale timestamp"
        if -age_ms > self.settings.signature_max_future_s * 1000:
            return "timestamp in the future"
        if as_str(data.get("app_id")) not in ("", self._app_id):
            return "another app"
        return None

    async def webhook(self, request: Request) -> Response:
        raw = await request.body()  # over the server's cap it never gets here (bot/web/body_limit.py)
        data = parse_json_object(raw)
        if data is None:
            return refuse(400 if request.headers.get(SIGNATURE_HEADER) else 401, "not a signed JSON object")
        if reason := self.verify(raw, data, request.headers.get(SIGNATURE_HEADER)):
            log.warning("zalo: webhook refused: %s", reason)
            return refuse(401, reason)
        if (retry := request.headers.get(self.settings.retry_header, "0")) not in ("", "0"):
            log.info("zalo: redelivery %.8s of an event stamped %s", retry, as_str(data.get("timestamp")))
        event = translate(CHANNEL, lambda d: to_event(d, self.settings.oa_id), data)
        if event is None:
            return ok()
        if await self._store.store(event) is None:
            return refuse(503, "storage unavailable")  # nothing stored; Zalo delivers it again
        return ok()

    # -- outbound (ChannelSender) ---------------------------------------------------------------------

    def render(self, reply: Reply, ref: str) -> Sequence[ZaloOAMessage]:
        cap = self.settings.max_buttons
        shown, extra = reply.buttons[:cap], reply.buttons[cap:]
        sendable = reply.attachment is not None and self._can_send_file(Path(reply.attachment))
        text = (file_not_sent(reply) if reply.attachment and not sendable else reply.text) or "…"
        if extra:  # past Zalo's button limit: numbered choices the citizen can type
            text += "\n\n" + numbered([b.label for b in extra], start=cap + 1)
        pieces = split_text(text, self.settings.max_text_chars)
        messages = [ZaloOAMessage(p) for p in pieces]
        buttons = tuple((b.label[:100], button_payload(ref, b.payload)) for b in shown)
        messages[-1] = ZaloOAMessage(messages[-1].text, buttons)
        if sendable:
            messages.append(ZaloOAMessage("", file=reply.attachment))
        return messages

    def _can_send_file(self, path: Path) -> bool:
        s = self.settings
        return path.suffix.lower().lstrip(".") in s.file_types and path.is_file() and (
            path.stat().st_size <= s.max_file_bytes
        )

    async def send(self, user_id: str, message: ZaloOAMessage) -> None:
        if message.file is not None:
            path = Path(message.file)
            if not path.is_file():
                raise PermanentFailure(f"file to send is gone: {path.name}")
            uploaded = await self._authorised(lambda token: self._client.upload_file(token, path))
            self._check(uploaded)
            file_token = as_str(uploaded.data.get("token"))
            if not file_token:
                raise PermanentFailure(f"zalo upload answered no token: {uploaded.message}")
            self._check(await self._authorised(lambda token: self._client.send_file(token, user_id, file_token)))
            return
        buttons = list(message.buttons)
        self._check(await self._authorised(lambda token: self._client.send(token, user_id, message.text, buttons)))

    async def _authorised(self, call: Callable[[str], Awaitable[SendResult]]) -> SendResult:
        """The call with the current access token, once more with a fresh one if Zalo says it expired."""
        token = await self._tokens.access_token()
        result = await call(token)
        if not result.ok and self._action(result) is Action.TOKEN:
            result = await call(await self._tokens.refresh(token))
        return result

    def _action(self, result: SendResult) -> Action:
        return oa_action(result.code, result.http_status, self.settings.error_overrides)

    def _check(self, result: SendResult) -> None:
        """Raises what the sender should do with a call that did not succeed."""
        if result.ok:
            return
        action = self._action(result)
        what = f"zalo HTTP {result.http_status} {result.code} ({oa_meaning(result.code)}): {result.message}"
        if action is Action.RETRY and (result.http_status == 429 or result.http_status < 500):
            raise RetryLater(result.retry_after_s or 60.0, what)
        if action in (Action.RETRY, Action.TOKEN):  # a server error, or a token refused twice: retried
            raise ConnectionError(what)
        if action is Action.UNDELIVERABLE:
            raise Undeliverable(what)
        raise PermanentFailure(what)
