"""Phản ánh, kiến nghị asked for directly ("tôi muốn phản ánh …"): content → confirm → ticket with a code.

The content waits in the flow state until the citizen confirms, so nothing is filed
by accident (a question typed after "phản ánh" is not a complaint until confirmed).
"""

from __future__ import annotations

import re

from bot.core.flows import Turn
from bot.core.messages import Button, Reply
from bot.core.vocabulary import is_cancel
from bot.features.surveys import texts
from bot.features.surveys.questions import is_yes
from bot.features.surveys.service import SurveyService
from bot.features.surveys.tickets import MAX_TEXT, open_ticket
from nlu.normalize import reply_form

NAME = "feedback"
_CLAIM = re.compile(r"^(?:(?:toi|em|minh) )?(?:muon |can |xin )?(?:gui )?(?:phan anh|kien nghi|khieu nai|gop y)\b")
_LEAD = re.compile(r"^(?:(?:toi|em|minh) )?(?:muon |can |xin )?(?:gui )?(?:phan anh|kien nghi|khieu nai|gop y)"
                   r"(?: ve| la| rang)?\s*")
MIN_WORDS = 5  # below this, a message is a request to complain, not its content


class FeedbackFlow:
    name = NAME
    intents = frozenset({"give_feedback"})

    def __init__(self, surveys: SurveyService) -> None:
        self._svc = surveys

    def claims(self, turn: Turn) -> bool:
        return turn.msg.payload is None and bool(_CLAIM.match(reply_form(turn.text.lstrip("/"))))

    async def start(self, turn: Turn) -> list[Reply]:
        if turn.msg.payload is None and len(_LEAD.sub("", reply_form(turn.text)).split()) >= MIN_WORDS:
            return self._confirm(turn, turn.text)  # the complaint came with the request
        turn.set_flow_state({"name": NAME, "step": "text"})
        return [Reply(texts.ASK_FEEDBACK)]

    async def resume(self, turn: Turn) -> list[Reply] | None:
        payload = turn.msg.payload
        state = turn.flow_state
        if payload is not None:
            if not payload.startswith(f"{NAME}:"):
                turn.set_flow_state(None)
                return None
            action = payload.removeprefix(f"{NAME}:")
            if action == "send" and state.get("step") == "confirm":
                return await self._send(turn, str(state.get("text") or ""))
            if action == "edit":
                turn.set_flow_state({"name": NAME, "step": "text"})
                return [Reply(texts.ASK_FEEDBACK)]
            turn.set_flow_state(None)
            return [Reply(texts.FEEDBACK_CANCELLED)]
        text, folded = turn.text.strip(), reply_form(turn.text)
        if is_cancel(text):
            turn.set_flow_state(None)
            return [Reply(texts.FEEDBACK_CANCELLED)]
        if text.startswith("/"):
            turn.set_flow_state(None)
            return None
        if state.get("step") == "confirm":
            if is_yes(text):
                return await self._send(turn, str(state.get("text") or ""))
            return self._confirm(turn, text)  # a new wording replaces the one shown
        if len(folded.split()) < 2:
            return [Reply(texts.FEEDBACK_TOO_SHORT)]
        return self._confirm(turn, text)

    def _confirm(self, turn: Turn, text: str) -> list[Reply]:
        text = text.strip()[:MAX_TEXT]
        turn.set_flow_state({"name": NAME, "step": "confirm", "text": text})
        return [Reply(texts.feedback_confirm(text), (
            Button(texts.FEEDBACK_SEND, f"{NAME}:send"), Button(texts.FEEDBACK_EDIT, f"{NAME}:edit"),
            Button(texts.FEEDBACK_CANCEL, f"{NAME}:cancel"),
        ))]

    async def _send(self, turn: Turn, text: str) -> list[Reply]:
        turn.set_flow_state(None)
        if not text:
            return [Reply(texts.FEEDBACK_CANCELLED)]
        ticket = await open_ticket(turn.session, self._svc, turn.msg.channel, turn.msg.user_id, source="chat",
                                   text=text)
        return [Reply(texts.ticket_opened(ticket.tracking_code))]
