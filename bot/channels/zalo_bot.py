"""Zalo Bot Platform: webhook (secret header) or polling in; plain text out, buttons as numbered choices.

The platform has no buttons: a reply's choices are listed as "1. …", and the core maps
a typed number to the offered button. Texts are split under 2,000 characters. It cannot
send files either: a reply's file is replaced by a note saying where the file is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import httpx

from bot.channels.common import (
    SecretTokenChannel,
    WebhookStore,
    as_dict,
    as_str,
    file_not_sent,
    keep_polled,
    numbered,
    split_text,
    translate,
)
from bot.channels.zalo_bot_client import ZaloBotClient, ZaloBotError
from bot.channels.zalo_errors import bot_action
from bot.core.messages import Reply
from bot.pipeline.delivery import PermanentFailure, RetryLater
from bot.pipeline.inbox import InboundEvent
from bot.settings.channels import Action, ZaloBotSettings

log = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
SECRET_HEADER = "X-Bot-Api-Secret-Token"


def to_event(data: dict[str, Any]) -> InboundEvent | None:
    update = as_dict(data.get("result")) or data
    message = as_dict(update.get("message"))
    if not message:
        return None
    name = as_str(update.get("event_name")) or "message.text.received"
    chat = as_dict(message.get("chat"))
    sender = as_dict(message.get("from"))
    if chat.get("chat_type") not in (None, "PRIVATE"):
        return None
    user = as_str(chat.get("id")) or as_str(sender.get("id"))
    msg_id = as_str(message.get("message_id"))
    if not user or not msg_id or not name.startswith("message.") or sender.get("is_bot") is True:
        return None
    text = as_str(message.get("text")) if name == "message.text.received" else ""
    return InboundEvent(CHANNEL, f"m:{msg_id}", user, text=text.strip())


def render(reply: Reply, max_chars: int) -> list[str]:
    text = (file_not_sent(reply) if reply.attachment else reply.text) or "…"
    if reply.buttons:
        text += "\n\n" + numbered([b.label for b in reply.buttons]) + "\n(Anh/Chị gõ số để chọn.)"
    return split_text(text, max_chars)


class ZaloBotChannel(SecretTokenChannel[ZaloBotSettings]):
    channel = CHANNEL
    secret_header = SECRET_HEADER

    def __init__(
        self,
        settings: ZaloBotSettings,
        client: ZaloBotClient,
        store: WebhookStore,
        *,
        polling: bool,
        webhook_secret: str = "",
    ) -> None:
        super().__init__(settings, store, polling=polling, webhook_secret=webhook_secret)
        self._client = client
        self._poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._polling:
            await self._client.delete_webhook()  # getUpdates answers nothing while a webhook is set
            self._poller = asyncio.create_task(self._poll(), name="zalo-bot-poller")
        elif self.settings.set_webhook_on_start:
            await self._client.set_webhook(self.settings.webhook_url, self._secret)

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        await self._client.aclose()

    # -- inbound --------------------------------------------------------------------------------------

    def parse(self, data: dict[str, Any]) -> InboundEvent | None:
        return to_event(data)

    async def _poll(self) -> None:
        delay = 1.0
        while True:
            try:
                updates = await self._client.get_updates()
                delay = 1.0
            except (httpx.HTTPError, ZaloBotError) as exc:
                log.warning("zalo bot: getUpdates failed: %r", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            for update in updates:
                await self._keep(update)

    async def _keep(self, update: dict[str, Any]) -> None:
        # Held until the database takes it (the poller is cancelled at shutdown).
        if (event := translate(CHANNEL, to_event, update)) is not None:
            await keep_polled(self._store, event)

    # -- outbound (ChannelSender) ---------------------------------------------------------------------

    def render(self, reply: Reply, ref: str) -> Sequence[str]:
        return render(reply, self.settings.max_text_chars)

    async def send(self, user_id: str, message: str) -> None:
        try:
            await self._client.send_message(user_id, message)
        except ZaloBotError as exc:
            if exc.status == 429 or exc.code == 429:
                raise RetryLater(exc.retry_after_s or 5.0, exc.description) from exc
            if bot_action(exc.status) is Action.RETRY:  # 5xx, and 403 (a server error in Zalo's list)
                raise ConnectionError(str(exc)) from exc
            raise PermanentFailure(str(exc)) from exc
