"""What the channel adapters share: the webhook and polling glue up to the inbox, splitting text, files."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.core.messages import Reply
from bot.pipeline.inbox import InboundEvent, Inbox
from bot.settings.channels import RateLimits

log = logging.getLogger(__name__)


def parse_json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so the response time does not reveal how much of a guess is right."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def ok() -> Response:
    return JSONResponse({"ok": True})


def refuse(status: int, reason: str) -> Response:
    return JSONResponse({"ok": False, "error": reason}, status_code=status)


class WebhookStore:
    """Stores an event before the webhook answers; a database failure answers 503 so the platform retries."""

    def __init__(self, inbox: Inbox, on_stored: Callable[[], None], timeout_s: float) -> None:
        self.inbox = inbox
        self._on_stored = on_stored
        self._timeout_s = timeout_s

    async def store(self, event: InboundEvent) -> bool | None:
        """True: new; False: a redelivery; None: not stored (the caller answers 503)."""
        try:
            async with asyncio.timeout(self._timeout_s):
                new = await self.inbox.accept(event)
        except Exception as exc:  # database down, locked or slow: the platform will resend
            log.error("inbox: could not store %s event: %r", event.channel, exc)
            return None
        if new:
            self._on_stored()
        return new


class _Limited(Protocol):
    @property
    def limits(self) -> RateLimits: ...


S = TypeVar("S", bound=_Limited)


class WebhookChannel(Generic[S]):
    """What every adapter keeps: its settings and limits (for the sender), the inbox.

    Bodies reach a webhook already capped: the server refuses one over ``channels.server.max_body_bytes``
    with 413 before any route reads it (bot/web/body_limit.py, the one cap).
    """

    channel: str

    def __init__(self, settings: S, store: WebhookStore) -> None:
        self.settings = settings
        self.limits = settings.limits
        self._store = store


class SecretTokenChannel(WebhookChannel[S]):
    """A bot API (Telegram, Zalo Bot): polled, or a webhook whose requests carry our secret in a header."""

    secret_header: str

    def __init__(self, settings: S, store: WebhookStore, *, polling: bool, webhook_secret: str) -> None:
        super().__init__(settings, store)
        self._polling = polling
        self._secret = webhook_secret

    def parse(self, data: dict[str, Any]) -> InboundEvent | None:
        """The neutral event for a webhook body, or None for what the assistant does not answer."""
        raise NotImplementedError

    def stored(self, event: InboundEvent) -> None:
        """Called once an event is safely in the inbox (e.g. to answer a button tap)."""

    async def webhook(self, request: Request) -> Response:
        response, event = await receive_update(
            request, self._store, name=self.channel, secret_header=self.secret_header, secret=self._secret,
            to_event=self.parse,
        )
        if event is not None:
            self.stored(event)
        return response


def as_str(value: Any) -> str:
    """A platform id or text field as a string ("" when absent or of another type)."""
    return value if isinstance(value, str) else str(value) if isinstance(value, int) else ""


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def translate(name: str, to_event: Callable[[Any], InboundEvent | None], update: Any) -> InboundEvent | None:
    """The neutral event for an update; None (logged) for an authentic update we cannot use."""
    try:
        return to_event(update)
    except Exception as exc:  # acknowledged anyway, so the platform stops resending it
        log.info("%s: unusable update ignored: %r", name, exc)
        return None


async def receive_update(
    request: Request,
    store: WebhookStore,
    *,
    name: str,
    secret_header: str,
    secret: str,
    to_event: Callable[[dict[str, Any]], InboundEvent | None],
) -> tuple[Response, InboundEvent | None]:
    """A secret-token webhook (Telegram, Zalo Bot): checked, stored; the event when newly stored."""
    if not same_secret(request.headers.get(secret_header), secret):
        return refuse(401, "bad secret token"), None
    data = parse_json_object(await request.body())
    if data is None:
        return refuse(400, "not a JSON object"), None
    event = translate(name, to_event, data)
    if event is None:
        return ok(), None
    if await store.store(event) is None:
        return refuse(503, "storage unavailable"), None
    return ok(), event


async def keep_polled(
    store: WebhookStore, event: InboundEvent, stopping: Callable[[], bool] = lambda: False
) -> bool:
    """Stores a polled update, retrying: the platform has handed it over for good. False if given up."""
    delay = 0.5
    while await store.store(event) is None:
        if stopping():
            log.error("%s: update %s not stored before shutdown", event.channel, event.event_key)
            return False
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30.0)
    return True


def file_not_sent(reply: Reply) -> str:
    """What a channel that cannot send the reply's file says instead: where the file really is."""
    name = Path(reply.attachment or "").name
    return (
        f"{reply.text}\n\nDạ, kênh này chưa gửi được file {name} qua tin nhắn. File đã được lưu trong thư mục "
        "xuất báo cáo trên máy chủ của Trung tâm, Anh/Chị lấy file tại đó ạ."
    )


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Pieces of at most ``limit`` (by ``measure``), cut at a paragraph, line or word break if possible."""
    if measure(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while measure(rest) > limit:
        cut = _fit(rest, limit, measure)
        window = rest[:cut]
        for sep in ("\n\n", "\n", " "):
            at = window.rfind(sep)
            if at > cut // 2:
                cut = at
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return [p for p in parts if p]


def _fit(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """The longest prefix length whose measure is within ``limit`` (binary search)."""
    lo, hi = 1, min(len(text), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def numbered(labels: list[str], start: int = 1) -> str:
    return "\n".join(f"{i}. {label}" for i, label in enumerate(labels, start))
