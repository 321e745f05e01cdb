""""Gặp cán bộ" in the chat: open a request, then pass the citizen's messages to the clerk, silently.

While a request is open the flow holds the chat and returns no reply: the citizen's
messages are stored for the console, and the assistant says nothing until the clerk
hands the chat back. The request's id is also kept in ``Conversation.pending`` beside
the flow state, so /dulieu or a cancelled /xoadulieu (the privacy flow interrupts any
flow) does not lose it: ``claims`` takes the chat back on the next message. The
database row, not the flow state, decides whether the handoff is still open.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.flows import Turn
from bot.core.messages import Button, Reply
from bot.features.handoff import texts
from bot.features.handoff.models import Handoff
from bot.features.handoff.service import MARK, HandoffService
from nlu.normalize import reply_form as fold

NAME = MARK
_ASK = re.compile(
    r"^(?:gapcanbo|(?:(?:toi|em|minh|cho (?:toi|em|minh)) )?(?:muon |can |xin )?(?:duoc )?"
    r"(?:gap|noi chuyen (?:voi|cung)|chat (?:voi|cung)|ket noi (?:voi )?|trao doi (?:voi|cung))\s?(?:mot )?"
    r"(?:can bo|nguoi that|nguoi|nhan vien|tong dai vien)\b)"
)
# Leaving the queue: short words while waiting; once a clerk is chatting only an explicit phrase, so an
# answer like "không" to the clerk's question is not taken as leaving.
_LEAVE_QUEUE = re.compile(r"^(?:huy|huy bo|thoi|khong can nua|khong cho nua|thoi khong cho nua|dung lai)$")
_END = re.compile(r"^(?:huy (?:yeu cau|gap can bo)|ket thuc(?: tro chuyen| trao doi)?|huygapcanbo)$")


class HandoffFlow:
    name = NAME
    intents = frozenset({"ask_human"})

    def __init__(self, service: HandoffService, defer: Callable[[Turn], bool] = lambda _: False) -> None:
        self._svc = service
        self._defer = defer  # another flow's commands that must still work (/xoadulieu)

    def claims(self, turn: Turn) -> bool:
        if turn.msg.payload is not None:
            return False
        held = MARK in (turn.conv.pending or {}) and turn.flow_state.get("name") != NAME
        return held or bool(_ASK.match(fold(turn.text.lstrip("/"))))

    async def start(self, turn: Turn) -> list[Reply]:
        h = await self._svc.current(turn.session, turn.msg.channel, turn.msg.user_id)
        if h is not None:  # back from another flow's interruption, or asked again
            self._hold(turn, h)
            await self._svc.record(turn.session, h, "citizen", turn.text)
            return []
        if MARK in (turn.conv.pending or {}) and not _ASK.match(fold(turn.text.lstrip("/"))):
            self._release(turn)  # it ended while another flow held the chat
            return [Reply(texts.BACK)]
        h, said = await self._svc.request(turn.session, turn.conv, turn.text or "Gặp cán bộ")
        if h is None or h.status != "waiting":
            self._release(turn)
            return [Reply(said)]
        self._hold(turn, h)
        return [Reply(said, (Button(texts.CANCEL_BUTTON, f"{NAME}:cancel"),))]

    async def resume(self, turn: Turn) -> list[Reply] | None:
        h = await self._svc.current(turn.session, turn.msg.channel, turn.msg.user_id)
        if h is None:
            self._release(turn)  # handed back, made a ticket or erased: the assistant answers again
            return None
        if self._defer(turn):
            return None
        self._hold(turn, h)
        payload, folded = turn.msg.payload, fold(turn.text.lstrip("/"))
        leaving = payload == f"{NAME}:cancel" or _END.match(folded) or (
            h.status == "waiting" and payload is None and _LEAVE_QUEUE.match(folded))
        if leaving:
            said = texts.ENDED if h.status == "active" else texts.CANCELLED
            await self._svc.cancel(turn.session, h)
            self._release(turn)
            return [Reply(said)]
        await self._svc.record(turn.session, h, "citizen", turn.text or f"(bấm nút: {payload})")
        return []  # the clerk answers from the console; the assistant stays silent

    @staticmethod
    def _hold(turn: Turn, h: Handoff) -> None:
        turn.set_flow_state({"name": NAME, "id": h.id})
        turn.conv.pending = {**(turn.conv.pending or {}), MARK: h.id}

    @staticmethod
    def _release(turn: Turn) -> None:
        turn.set_flow_state(None)
        turn.conv.pending = {k: v for k, v in (turn.conv.pending or {}).items() if k != MARK} or None
