"""The web chat channel: the page's messages in, replies out to the session's stored history.

Only translation lives here. Inbound: what the page posts (a client message id, text or a
button's payload) becomes an :class:`InboundEvent` keyed by session and client id, so a
resend is recognised by the inbox. Outbound: the sender hands each reply to :meth:`send`,
which stores it in the session's history (once per outbox message) and wakes the page's
open stream; a page that is closed finds it there on the next visit.

It lives with the web chat, not in ``bot.channels``: its "platform" is the chat's own store, so
the web chat owns its adapter and ``bot.channels`` never depends on a web page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.channels.common import WebhookStore, file_not_sent
from bot.core.messages import Reply
from bot.pipeline.inbox import InboundEvent
from bot.settings.channels import RateLimits, WebChatSettings
from bot.web.chat.store import ChatStore

CHANNEL = "web"


@dataclass(frozen=True)
class WebReply:
    ref: str  # the outbox row: a second delivery of it is not shown twice
    text: str
    buttons: list[dict[str, str]]
    by_clerk: bool = False  # the page labels it "Cán bộ", not "Trợ lý"


def to_event(session_id: str, client_id: str, text: str, payload: str | None) -> InboundEvent:
    return InboundEvent(CHANNEL, f"{session_id}:{client_id}", session_id, text=text if payload is None else "",
                        payload=payload)


def render(reply: Reply, ref: str) -> list[WebReply]:
    text = file_not_sent(reply) if reply.attachment else reply.text
    return [WebReply(ref, text, [{"label": b.label, "payload": b.payload} for b in reply.buttons], reply.by_clerk)]


class WebChannel:
    """A ChannelSender (bot.pipeline.sender) whose platform is our own database and the page's stream."""

    channel = CHANNEL

    def __init__(self, settings: WebChatSettings, store: ChatStore) -> None:
        self.settings = settings
        self.store = store
        # Nothing to protect downstream: the "platform" is our database.
        self.limits = RateLimits(global_per_s=0, per_chat_per_s=0, per_chat_burst=1)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def render(self, reply: Reply, ref: str) -> Sequence[WebReply]:
        return render(reply, ref)

    async def send(self, user_id: str, message: WebReply) -> None:
        await self.store.add_reply(user_id, message.ref, message.text, message.buttons, message.by_clerk)


class Accepted:
    NEW, RESENT, UNAVAILABLE = "new", "resent", "unavailable"


async def accept(
    store: ChatStore, inbox: WebhookStore, session_id: str, client_id: str, text: str, payload: str | None,
    shown: str,
) -> str:
    """Shows the citizen's message in the history, then stores the event in the inbox (in that order, so the
    history lists a question before its answer); a resend of the same client id is neither."""
    message_id = await store.add_user(session_id, client_id, shown)
    if message_id is None:
        return Accepted.RESENT
    stored = await inbox.store(to_event(session_id, client_id, text, payload))
    if stored is None:  # the page resends it with the same client id
        await store.remove(message_id)
        return Accepted.UNAVAILABLE
    return Accepted.NEW if stored else Accepted.RESENT
