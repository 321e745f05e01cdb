"""The dossier lookup in chat: code → last four phone digits → status; subscribe, unsubscribe.

Steps are kept in the chat's flow state: ``code`` (waiting for a code), ``digits``
(waiting for the second factor of ``code``), ``verified`` (status shown; may
subscribe for a while). Nothing about a dossier is said before verification.
No buttons are offered while digits are awaited: the core maps a typed number to
a button, and "0001" would become button 1.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.core.flows import Turn
from bot.core.messages import Button, Reply
from bot.core.vocabulary import is_cancel
from bot.features.dossiers import texts
from bot.features.dossiers.fields import CLOSED, typed_last4
from bot.features.dossiers.models import Dossier
from bot.features.dossiers.service import DossierService
from bot.ops import metrics
from knowledge_base.schema import Office, Procedure
from nlu.normalize import normalize, small_number
from nlu.receipt_codes import find_codes

SUBSCRIBE_WINDOW = dt.timedelta(minutes=30)  # how long after verification "subscribe" is accepted
_UNSUBSCRIBE = re.compile(
    r"\b(?:(?:huy|dung|ngung|thoi|bo)(?: dang ky)?(?: nhan)? (?:theo doi|thong bao)"
    r"|khong (?:muon |can )?(?:theo doi|nhan thong bao) nua)\b"
)
# Consent must be explicit: a short yes to the question asked, or a request to be notified.
_SUBSCRIBE = re.compile(
    r"^(?:(?:co|dong y|ok|vang|u)(?: a| nhe| em| co)*"
    r"|(?:toi |em |minh )?(?:muon |can )?(?:dang ky )?(?:theo doi|nhan thong bao)\b.*)$"
)
_DATE_AND_SEQUENCE = r"\d{6}\s*[-\u2010-\u2015\u2212_]\s*\d{4}"
_PARTIAL_CODE = re.compile(rf"{_DATE_AND_SEQUENCE}|\b\d{{4}}\b")


class DossierFlow:
    name = "dossier"
    intents = frozenset({"check_dossier_status"})

    def __init__(self, service: DossierService, procedures: dict[str, Procedure], office: Office) -> None:
        self._service = service
        self._procedures = procedures
        self._office = office

    def claims(self, turn: Turn) -> bool:
        """Messages this flow owns whatever the NLU made of them: "hủy theo dõi", unsure lookups."""
        u = turn.understanding
        return u is not None and (bool(_UNSUBSCRIBE.search(u.normalized)) or u.intent in self.intents)

    async def start(self, turn: Turn) -> list[Reply]:
        if _UNSUBSCRIBE.search(normalize(turn.text)):
            return await self._unsubscribe(turn, code=next(iter(find_codes(turn.text)), None))
        codes = find_codes(turn.text)
        if codes:
            return self._ask_digits(turn, codes[0])
        turn.set_flow_state({"name": self.name, "step": "code"})
        if re.search(_DATE_AND_SEQUENCE, turn.text):  # "251120-0031": part of a code, never looked up
            return [Reply(texts.CODE_NOT_RECOGNISED)]
        return [Reply(texts.ASK_CODE)]

    async def resume(self, turn: Turn) -> list[Reply] | None:
        payload = turn.msg.payload
        if payload is not None:
            if payload.startswith(f"{self.name}:"):
                return await self._on_payload(turn, payload.removeprefix(f"{self.name}:"))
            turn.set_flow_state(None)  # another menu or button: the lookup is over
            return None
        folded, codes = normalize(turn.text), find_codes(turn.text)
        if _UNSUBSCRIBE.search(folded):
            return await self._unsubscribe(turn, code=codes[0] if codes else None)
        if codes:
            return self._ask_digits(turn, codes[0])
        state = turn.flow_state
        step = state.get("step")
        if step == "verified":
            if _SUBSCRIBE.search(folded):
                return await self._subscribe(turn)
            return None
        if is_cancel(turn.text):
            turn.set_flow_state(None)
            return [Reply(texts.STOPPED)]
        if step == "digits" and (digits := typed_last4(turn.text)):
            return await self._verify(turn, str(state["code"]), digits)
        u = turn.understanding
        if u is not None and u.sure and u.intent not in self.intents:
            turn.set_flow_state(None)  # a different question: answer it instead
            return None
        if step == "digits":
            return [Reply(texts.DIGITS_FORMAT)]
        if u is not None and u.intent in self.intents and not _PARTIAL_CODE.search(turn.text):
            return [Reply(texts.ASK_CODE)]
        return [Reply(texts.CODE_NOT_RECOGNISED)]

    # -- steps ---------------------------------------------------------------------------------------

    def _ask_digits(self, turn: Turn, code: str) -> list[Reply]:
        turn.set_flow_state({"name": self.name, "step": "digits", "code": code})
        return [Reply(texts.ask_digits(code))]

    async def _verify(self, turn: Turn, code: str, digits: str) -> list[Reply]:
        msg = turn.msg
        result = await self._service.verify(turn.session, msg.channel, msg.user_id, code, digits)
        metrics.dossier_verified(result.outcome)  # failures also feed the spike alert
        hotline = self._office.phone
        if result.outcome == "not_matched":
            return [Reply(texts.NOT_MATCHED)]  # still waiting for the digits of the same code
        if result.outcome != "ok" or result.dossier is None:
            turn.set_flow_state(None)
            text = texts.chat_limited(hotline) if result.outcome == "chat_limited" else texts.cooling_down(hotline)
            return [Reply(text)]
        d = result.dossier
        turn.set_flow_state(
            {
                "name": self.name,
                "step": "verified",
                "code": d.code,
                "dossier_id": d.id,
                "verified_at": self._service.clock().isoformat(),
            }
        )
        followed = await self._service.subscription(turn.session, msg.channel, msg.user_id, d.id) is not None
        procedure = self._procedures.get(d.procedure_code)
        text = texts.status_reply(d, procedure.name if procedure else None, self._service.today(), hotline, followed)
        return [Reply(text, self._status_buttons(d, followed))]

    @staticmethod
    def _status_buttons(d: Dossier, followed: bool) -> tuple[Button, ...]:
        other = Button(texts.OTHER_BUTTON, "dossier:new")
        if followed:
            return (Button(texts.UNSUBSCRIBE_BUTTON, f"dossier:unsub:{d.id}"), other)
        if d.status in CLOSED:
            return (other,)
        return (Button(texts.SUBSCRIBE_BUTTON, "dossier:sub"), other)

    async def _on_payload(self, turn: Turn, action: str) -> list[Reply] | None:
        if action == "sub":
            return await self._subscribe(turn)
        if action == "new":
            turn.set_flow_state({"name": self.name, "step": "code"})
            return [Reply(texts.ASK_CODE)]
        if action == "unsub":
            return await self._unsubscribe(turn)
        if action.startswith("unsub:") and (dossier_id := small_number(action[6:])) is not None:
            return await self._unsubscribe(turn, dossier_id=dossier_id)
        return None  # unknown or outdated: the dialogue says the choice is stale

    async def _subscribe(self, turn: Turn) -> list[Reply]:
        """Only right after this chat verified the dossier: the consent is to that dossier."""
        state, svc = turn.flow_state, self._service
        verified_at = state.get("verified_at")
        fresh = (
            state.get("step") == "verified"
            and isinstance(verified_at, str)
            and svc.clock() - dt.datetime.fromisoformat(verified_at) <= SUBSCRIBE_WINDOW
        )
        dossier_id = state.get("dossier_id")
        dossier = await turn.session.get(Dossier, dossier_id) if fresh and isinstance(dossier_id, int) else None
        if dossier is None:
            turn.set_flow_state(None)
            return [Reply(texts.SUBSCRIBE_EXPIRED)]
        new = await svc.subscribe(turn.session, turn.msg.channel, turn.msg.user_id, dossier)
        turn.set_flow_state(None)
        text = texts.subscribed(dossier.code) if new else texts.already_subscribed(dossier.code)
        return [Reply(text, (Button(texts.UNSUBSCRIBE_BUTTON, f"dossier:unsub:{dossier.id}"),))]

    async def _unsubscribe(self, turn: Turn, *, dossier_id: int | None = None, code: str | None = None) -> list[Reply]:
        codes = await self._service.unsubscribe(
            turn.session, turn.msg.channel, turn.msg.user_id, dossier_id=dossier_id, code=code
        )
        turn.set_flow_state(None)
        return [Reply(texts.unsubscribed(codes) if codes else texts.NOT_SUBSCRIBED)]
