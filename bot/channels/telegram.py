"""Telegram through python-telegram-bot 22: webhook (our Starlette server) or polling.

The adapter only translates: an Update becomes an :class:`InboundEvent` stored in the
inbox (never handled in the request), and a Reply becomes HTML messages (every string
escaped, split under 4,096 characters) with an inline keyboard. Webhook mode builds the
Application with ``.updater(None)`` and feeds it nothing: the request itself stores the
update, so Telegram only gets its 200 once the update is safe in the database. Polling
uses the library's Updater and a handler that stores each update the same way.
"""

from __future__ import annotations

import asyncio
import html
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import FileSizeLimit, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.channels.common import SecretTokenChannel, WebhookStore, keep_polled, split_text, translate, utf16_len
from bot.core.messages import Reply
from bot.pipeline.delivery import PermanentFailure, RetryLater, Undeliverable
from bot.pipeline.inbox import InboundEvent
from bot.settings.channels import TelegramSettings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = {"/start": "m:greet", "/help": "m:help", "/menu": "m:help"}
CALLBACK_DATA_MAX = 64  # bytes


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def to_event(update: Update) -> InboundEvent | None:
    """The neutral event for an update, or None for what the assistant does not answer."""
    if not _is_id(update.update_id):
        return None
    key = f"u:{update.update_id}"
    query = update.callback_query
    if query is not None:
        chat = query.message.chat.id if query.message is not None else query.from_user.id
        if not isinstance(query.data, str) or not query.data or not _is_id(chat):
            return None
        origin = query.message.message_id if query.message is not None else query.inline_message_id
        # A tap resent by the app comes with a new update_id: the tapped message + payload is the same.
        return InboundEvent(
            CHANNEL, key, str(chat), payload=query.data,
            alt_key=f"cb:{chat}:{origin}:{query.data}", extra={"callback_query_id": query.id},
        )
    msg = update.message
    if msg is None or msg.chat.type != "private" or not _is_id(msg.chat.id):
        return None
    text = next((t for t in (msg.text, msg.caption) if isinstance(t, str) and t), "").strip()
    command = text.split(maxsplit=1)[0].split("@")[0].lower() if text.startswith("/") else ""
    if command in COMMANDS:
        return InboundEvent(CHANNEL, key, str(msg.chat.id), payload=COMMANDS[command])
    return InboundEvent(CHANNEL, key, str(msg.chat.id), text=text)


@dataclass(frozen=True)
class TelegramMessage:
    text: str  # HTML, escaped
    markup: InlineKeyboardMarkup | None = None
    document: str | None = None  # a file path: sent with sendDocument, ``text`` as its caption


def render(reply: Reply) -> list[TelegramMessage]:
    """Escaped HTML pieces under Telegram's limit; the buttons go with the last piece, the file last of all.

    A reply with a file is one sendDocument when its text fits a caption (1,024), else the
    text goes first and the document follows with its name as caption.
    """
    buttons = [
        [InlineKeyboardButton(b.label[:64], callback_data=b.payload)]
        for b in reply.buttons
        if 0 < len(b.payload.encode()) <= CALLBACK_DATA_MAX
    ]
    markup = InlineKeyboardMarkup(buttons) if buttons else None
    if reply.attachment and utf16_len(reply.text) <= MessageLimit.CAPTION_LENGTH:
        return [TelegramMessage(html.escape(reply.text, quote=False), markup, reply.attachment)]
    pieces = split_text(reply.text or "…", MessageLimit.MAX_TEXT_LENGTH, utf16_len)
    # Escaping lengthens the text but Telegram counts it after parsing entities, i.e. unescaped.
    messages = [TelegramMessage(html.escape(p, quote=False)) for p in pieces]
    if reply.attachment:
        name = html.escape(Path(reply.attachment).name, quote=False)
        messages.append(TelegramMessage(name, markup, reply.attachment))
    elif markup is not None:
        messages[-1] = TelegramMessage(messages[-1].text, markup)
    return messages


class TelegramChannel(SecretTokenChannel[TelegramSettings]):
    """One bot: its Application, webhook endpoint, polling handler and outgoing side."""

    channel = CHANNEL
    secret_header = SECRET_HEADER

    def __init__(
        self,
        settings: TelegramSettings,
        token: str,
        store: WebhookStore,
        *,
        polling: bool,
        webhook_secret: str = "",
    ) -> None:
        super().__init__(settings, store, polling=polling, webhook_secret=webhook_secret)
        self._background: set[asyncio.Task[Any]] = set()
        self._stopping = False
        # No PTB AIORateLimiter: our limiter (bot.pipeline.ratelimit) paces every send in the database-backed
        # sender, across processes, and a RetryAfter pauses the channel there; a second limiter in the library
        # would wait and retry out of the sender's sight, so one message could be delayed twice or sent twice.
        builder = (
            Application.builder()
            .token(token)
            .base_url(f"{settings.api_base_url.rstrip('/')}/bot")
            .base_file_url(f"{settings.api_base_url.rstrip('/')}/file/bot")
            .connection_pool_size(64)
        )
        if not polling:
            builder = builder.updater(None)
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.app.add_handler(TypeHandler(Update, self._on_polled_update))

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.app.initialize()
        if self._polling:
            await self.app.start()
            # Pending updates are never dropped: they are the citizens' unanswered messages.
            await self.app.updater.start_polling(  # type: ignore[union-attr]
                allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
            )
            return
        if self.settings.set_webhook_on_start:
            await self.app.bot.set_webhook(
                url=self.settings.webhook_url,
                secret_token=self._secret,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=self.settings.max_connections,
                drop_pending_updates=False,
            )
        await self.app.start()

    async def stop(self) -> None:
        self._stopping = True
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.app.shutdown()

    # -- inbound --------------------------------------------------------------------------------------

    def parse(self, data: dict[str, Any]) -> InboundEvent | None:
        return to_event(Update.de_json(data, self.app.bot))

    async def _on_polled_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        event = translate(CHANNEL, to_event, update)
        # Telegram already handed this update over: keep it until the database takes it.
        if event is not None and await keep_polled(self._store, event, lambda: self._stopping):
            self.stored(event)

    def stored(self, event: InboundEvent) -> None:
        """Every tap is answered at once (the app stops its spinner), repeated taps included."""
        query_id = event.extra.get("callback_query_id")
        if query_id:
            task = asyncio.create_task(self._answer(str(query_id)))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _answer(self, query_id: str) -> None:
        try:
            await self.app.bot.answer_callback_query(query_id)
        except Exception as exc:  # too old or already answered: nothing to do
            log.debug("telegram: answerCallbackQuery failed: %r", exc)

    # -- outbound (ChannelSender) ---------------------------------------------------------------------

    def render(self, reply: Reply, ref: str) -> Sequence[TelegramMessage]:
        return render(reply)

    async def send(self, user_id: str, message: TelegramMessage) -> None:
        chat_id: int | str = int(user_id) if user_id.lstrip("-").isdigit() else user_id
        try:
            if message.document is not None:
                await self._send_document(chat_id, message)
            else:
                await self.app.bot.send_message(
                    chat_id=chat_id, text=message.text, parse_mode=ParseMode.HTML, reply_markup=message.markup
                )
        except RetryAfter as exc:
            with warnings.catch_warnings():  # int now, timedelta in a later major version: both handled
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                after = exc.retry_after
            raise RetryLater(after if isinstance(after, int) else after.total_seconds()) from exc
        except Forbidden as exc:  # the citizen blocked the bot
            raise Undeliverable(str(exc)) from exc
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                raise Undeliverable(str(exc)) from exc
            raise PermanentFailure(str(exc)) from exc

    async def _send_document(self, chat_id: int | str, message: TelegramMessage) -> None:
        """A multipart upload of the file; a missing or oversized file will not get better with retries."""
        path = Path(message.document or "")
        if not path.is_file():
            raise PermanentFailure(f"file to send is gone: {path.name}")
        if path.stat().st_size > FileSizeLimit.FILESIZE_UPLOAD:
            raise PermanentFailure(f"file too large for Telegram: {path.name}")
        await self.app.bot.send_document(
            chat_id=chat_id, document=path.read_bytes(), filename=path.name, caption=message.text,
            parse_mode=ParseMode.HTML, reply_markup=message.markup,
        )
