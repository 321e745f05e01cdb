"""The dialogue: one incoming message in, replies out. Channel-agnostic.

It neither opens nor commits a transaction: whoever runs the turn does
(bot/pipeline/turns.py) and passes the session and the chat's conversation in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import answers, texts
from bot.core.flows import Flow, Turn
from bot.core.messages import Button, Incoming, Reply, offer_buttons
from bot.core.understanding import PROCEDURE_INTENTS, Understander, Understanding
from bot.storage.models import Conversation
from knowledge_base.choice_labels import choice_labels
from knowledge_base.resolver import Candidate
from knowledge_base.resolver_levels import served
from knowledge_base.schema import Office, Procedure
from nlu.normalize import clean, normalize, small_number

log = logging.getLogger(__name__)
VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")


def vietnam_today() -> dt.date:
    """Today in Vietnam: the day whose fees and rates an answer gives."""
    return dt.datetime.now(VN_TZ).date()


MENU: tuple[Button, ...] = (
    Button(texts.MENU_PROCEDURES, "m:procedures"),
    Button(texts.MENU_DOSSIER, "m:check_dossier_status"),
    Button(texts.MENU_RATE, "m:rate_service"),
    Button(texts.MENU_OFFICE, "m:ask_office_info"),
    Button(texts.MENU_HUMAN, "m:ask_human"),
)
DEGRADED_NOTE = texts.DEGRADED_NOTE
UNSURE = "unsure"  # the aspect asked is in doubt: the overview with every aspect as a button (``answers.unsure``)
# How a re-offered list names the aspect asked ("Anh/Chị muốn hỏi lệ phí của thủ tục nào ạ?").
ASKING = {
    "ask_fee": "lệ phí của", "ask_documents": "giấy tờ của", "ask_processing_time": "thời hạn của",
    "ask_where": "nơi nộp của", "ask_steps": "các bước của", "ask_online": "nộp trực tuyến",
    "ask_conditions": "điều kiện của", "ask_forms": "mẫu đơn của",
}  # fmt: skip
POPULAR = ("1.001193", "1.000894", "1.004222", "1.014061", "1.013978")


@dataclass(frozen=True)
class Heard:
    msg: Incoming
    text: str  # cleaned
    understanding: Understanding | None  # None for button presses, typed numbers and empty text


class Dialogue:
    """Answers citizens from the knowledge base, keeping per-chat state in the database."""

    def __init__(
        self,
        understander: Understander,
        procedures: dict[str, Procedure],
        office: Office,
        serves_levels: list[str],
        flows: list[Flow] | None = None,
        today: Callable[[], dt.date] = vietnam_today,
    ) -> None:
        self.today = today  # the clock of every answer; tests move it to see a rate end
        self._flows = list(flows or [])
        self._understander = understander
        self._procedures = procedures
        self._office = office
        self._serves = serves_levels

    async def hear(self, msg: Incoming) -> Heard:
        """The message cleaned and understood; no database (the turn's transaction is not open yet)."""
        text = clean(msg.text or "").strip()
        understanding = None
        if msg.payload is None and normalize(text) and not text.isdigit():
            understanding = await self._understander.understand(text)
        return Heard(msg, text, understanding)

    async def handle(self, session: AsyncSession, conv: Conversation, heard: Heard) -> list[Reply]:
        """Replies to one message; the chat's state changes through ``session``, in the caller's
        transaction, which the caller commits or rolls back (nothing is committed here)."""
        msg, text, understanding = heard.msg, heard.text, heard.understanding
        number = small_number(text) if msg.payload is None else None
        if number is not None and (chosen := self._typed_choice(conv, number)):
            msg = replace(msg, payload=chosen)
        elif msg.payload is None and (chosen := _typed_yes(conv, normalize(text))):
            msg, understanding = replace(msg, payload=chosen), None  # "đúng rồi" to "is it this one?"
        turn = Turn(session, conv, msg, text, understanding)
        replies = await self._with_flows(turn)
        if replies is None:  # [] is a flow's deliberate silence (a clerk answers this chat)
            replies = self._respond(conv, msg, text, understanding)
        if understanding is not None and not understanding.nlu_used and replies:
            replies[0] = replace(replies[0], text=DEGRADED_NOTE + replies[0].text)
        conv.pending = offer_buttons(conv.pending, [[b.label, b.payload] for r in replies for b in r.buttons])
        return replies

    async def _with_flows(self, turn: Turn) -> list[Reply] | None:
        """Give the message to the active flow, or to the flow that owns its intent or button."""
        if turn.msg.payload is None and turn.text.startswith("/"):
            # A command interrupts whatever step is waiting (a receipt code, a survey answer).
            for flow in self._flows:
                if flow.claims(turn):
                    return await flow.start(turn)
        active = turn.flow_state.get("name")
        for flow in self._flows:
            if flow.name == active and (replies := await flow.resume(turn)) is not None:
                return replies
        payload = turn.msg.payload or ""
        u = turn.understanding
        for flow in self._flows:
            if payload.startswith(f"{flow.name}:") and (replies := await flow.resume(turn)) is not None:
                return replies
            if (payload.startswith("m:") and payload[2:] in flow.intents) or (
                u is not None and u.intent in flow.intents and (u.sure or u.dossier_codes)
            ) or flow.claims(turn):
                return await flow.start(turn)
        return None

    # -- routing -------------------------------------------------------------------------------------

    def _respond(self, conv: Conversation, msg: Incoming, text: str, u: Understanding | None) -> list[Reply]:
        payload = msg.payload
        if payload is None and text.isdigit():
            return [Reply(texts.PICK_FROM_LIST, MENU)]
        if payload is not None:
            return self._on_payload(conv, payload)
        if u is None or not u.normalized:
            return [Reply(texts.TYPE_WORDS, MENU)]
        return self._on_understanding(conv, u)

    def _typed_choice(self, conv: Conversation, number: int) -> str | None:
        offered: list[list[str]] = (conv.pending or {}).get("buttons") or []
        return offered[number - 1][1] if 1 <= number <= len(offered) else None

    def _on_payload(self, conv: Conversation, payload: str) -> list[Reply]:
        kind, _, rest = payload.partition(":")
        if kind == "a":  # an aspect of a procedure: a:<intent>:<code>
            intent, _, code = rest.partition(":")
            if intent in PROCEDURE_INTENTS and code in self._procedures:
                return [self._answer(conv, intent, code)]
        elif kind == "p":  # a procedure chosen for the pending question
            intent = (conv.pending or {}).get("intent") or "ask_overview"
            if rest in self._procedures:
                return [self._answer(conv, intent, rest)]
        elif kind == "m":
            return self._on_intent(conv, rest)
        return [Reply(texts.STALE_CHOICE, MENU)]

    def _on_understanding(self, conv: Conversation, u: Understanding) -> list[Reply]:
        pending_intent = (conv.pending or {}).get("intent")
        intent = u.intent
        if intent not in PROCEDURE_INTENTS and pending_intent and u.procedure:
            # the citizen answered "which procedure?" with its name
            intent = "ask_overview" if pending_intent == UNSURE else pending_intent
        if intent in PROCEDURE_INTENTS and (u.sure or u.procedure):
            return self._procedure_question(conv, intent, u)
        if not u.sure and u.names_procedure and u.resolution.kind == "ambiguous":
            # Unsure what was asked, but a procedure was named: which one, then its overview with every
            # aspect as a button (a citizen told "not understood" about a real procedure does not come back).
            return self._procedure_question(conv, intent if intent in PROCEDURE_INTENTS else UNSURE, u)
        if not u.sure and intent not in {"check_dossier_status"}:
            return [self._not_understood()]
        return self._on_intent(conv, intent)

    # -- procedures ----------------------------------------------------------------------------------

    def _procedure_question(self, conv: Conversation, intent: str, u: Understanding) -> list[Reply]:
        res = u.resolution
        if u.aspect_unsure and intent != "ask_overview":
            intent = UNSURE  # which aspect is in doubt: the overview and every aspect as a button
        if res.kind == "confident":
            return [self._answer(conv, intent, res.candidates[0].code)]
        if res.kind == "ambiguous":
            offered = served(res.candidates, self._procedures, self._serves)
            if offered.answer is not None:  # only level twins the centre does not receive stood beside it
                return [self._answer(conv, intent, offered.answer.code)]
            conv.pending = {"intent": intent}
            if len(offered.candidates) == 1:  # one left, not sure enough to answer: ask, not "which of one?"
                return [_confirm(offered.candidates[0])]
            return [Reply(texts.WHICH_PROCEDURE, self._choices(offered.candidates))]
        if u.names_procedure:  # a procedure was named but not found: the nearest, for the question asked
            nearest = served(res.candidates, self._procedures, self._serves).candidates if res.candidates else ()
            if nearest:
                conv.pending = {"intent": intent}
            return [self._unknown_procedure(tuple(nearest))]
        if listed := _listed(conv):  # "phí bn" right after "which procedure?": the same list, for the fee
            conv.pending = {"intent": intent}
            return [Reply(f"Dạ, Anh/Chị muốn hỏi {ASKING.get(intent, 'về')} thủ tục nào ạ?", listed)]
        if conv.last_procedure in self._procedures:  # a follow-up: keep the procedure
            return [self._answer(conv, intent, conv.last_procedure)]
        conv.pending = {"intent": intent}
        popular = [self._candidate(c) for c in POPULAR if c in self._procedures]
        return [Reply(texts.NAME_THE_PROCEDURE, self._choices(popular))]

    def _answer(self, conv: Conversation, intent: str, code: str) -> Reply:
        conv.last_procedure = code
        conv.pending = None
        if intent == UNSURE:
            return answers.unsure(self._procedures[code], self._serves, self.today())
        return answers.answer(intent, self._procedures[code], self._serves, self.today())

    def _candidate(self, code: str) -> Candidate:
        return Candidate(code=code, name=self._procedures[code].name, score=1.0)

    @staticmethod
    def _choices(candidates: tuple[Candidate, ...] | list[Candidate]) -> tuple[Button, ...]:
        shown = list(candidates)[:5]
        labels = choice_labels([c.name for c in shown])
        return tuple(Button(label, f"p:{c.code}") for label, c in zip(labels, shown, strict=True))

    def _unknown_procedure(self, nearest: tuple[Candidate, ...]) -> Reply:
        text = texts.unknown_procedure(self._office, bool(nearest))
        return Reply(text, self._choices(nearest)) if nearest else Reply(text, MENU)

    # -- everything else -----------------------------------------------------------------------------

    def _on_intent(self, conv: Conversation, intent: str) -> list[Reply]:
        o = self._office
        conv.pending = None
        # Dossiers, ratings and feedback are answered by their features' flows, before this.
        simple: dict[str, Reply] = {
            "greet": Reply(texts.greet(o), MENU),
            "help": Reply(texts.HELP, MENU),
            "thank": Reply(texts.THANK),
            "goodbye": Reply(texts.GOODBYE),
            "ask_human": Reply(texts.ask_human(o)),
            "ask_office_info": Reply(answers.office_info(o)),
            "out_of_scope": Reply(texts.OUT_OF_SCOPE, MENU),
        }
        if intent == "procedures":
            conv.pending = {"intent": "ask_overview"}
            popular = [self._candidate(c) for c in POPULAR if c in self._procedures]
            return [Reply(texts.TYPE_OR_PICK_PROCEDURE, self._choices(popular))]
        if intent in PROCEDURE_INTENTS:
            return [self._not_understood()]
        return [simple.get(intent) or self._not_understood()]

    def _not_understood(self) -> Reply:
        return Reply(texts.not_understood(self._office), MENU)


def _confirm(candidate: Candidate) -> Reply:
    """"Is it this one?": yes answers the pending question for it; "another" asks for the procedure's name."""
    return Reply(
        texts.CONFIRM_PROCEDURE.format(name=candidate.name),
        (Button(texts.CONFIRM_YES, f"p:{candidate.code}"), Button(texts.CONFIRM_OTHER, "m:procedures")),
    )


# A typed "yes" (folded) to "is it this one?" (texts.CONFIRM_PROCEDURE), as its first button would be.
YES = frozenset({
    "dung", "dung roi", "dung a", "dung vay", "dung the", "phai", "phai roi", "phai a", "u", "u dung roi",
    "vang", "vang a", "da", "da dung", "da dung roi", "da vang", "da phai", "ok", "chuan", "chinh xac", "co",
    "dung thu tuc nay", "thu tuc nay",
})  # fmt: skip


def _typed_yes(conv: Conversation, folded: str) -> str | None:
    offered = (conv.pending or {}).get("buttons") or []
    if folded in YES and len(offered) == 2 and offered[0][0] == texts.CONFIRM_YES:
        return str(offered[0][1])
    return None


def _listed(conv: Conversation) -> tuple[Button, ...]:
    """The procedures offered by the last reply, when it was a "which procedure?" list."""
    offered = (conv.pending or {}).get("buttons") or []
    buttons = tuple(Button(label, payload) for label, payload in offered if payload.startswith("p:"))
    return buttons if len(buttons) == len(offered) else ()
