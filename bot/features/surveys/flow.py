"""The survey in chat: invitation or "đánh giá" + receipt code → verification → consent → questions.

Steps in the chat's flow state: ``code`` (waiting for a receipt code), ``digits``
(the second factor, verified by the dossier service exactly as a lookup is),
``consent``, ``question`` (position and answers are in the response's rows),
``offer`` and ``ticket`` (a feedback ticket after a dissatisfied answer). Consent
must be explicit: any other message ends the survey before it starts.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.core.flows import Turn
from bot.core.messages import Button, Reply
from bot.core.vocabulary import is_cancel
from bot.features.dossiers import texts as dossier_texts
from bot.features.dossiers.fields import typed_last4
from bot.features.dossiers.models import Dossier
from bot.features.dossiers.service import DossierService
from bot.features.surveys import texts
from bot.features.surveys.invitations import HANDED_OVER, Invitations
from bot.features.surveys.models import SurveyResponse
from bot.features.surveys.questions import NAME, Questions, is_no, is_yes
from bot.features.surveys.service import SurveyService
from bot.features.surveys.staff import Reports
from knowledge_base.schema import Office
from nlu.normalize import reply_form, small_number
from nlu.receipt_codes import find_codes
from surveys.engine import Back, Pick, Skip, Typed

_CLAIM = re.compile(r"^(?:(?:toi|em|minh) )?(?:muon |can |xin )?(?:danh gia|khao sat|cham diem)\b|^danhgia$")
# Mid-survey, only a bare "đánh giá" means "show me where I was": a comment may begin with those words.
_RESUME = re.compile(r"(?:(?:toi|em|minh) )?(?:muon |xin )?(?:danh gia|khao sat|danhgia)(?: tiep| lai)?")


class SurveyFlow:
    name = NAME
    intents = frozenset({"rate_service"})

    def __init__(
        self, surveys: SurveyService, dossiers: DossierService, invitations: Invitations, reports: Reports,
        office: Office,
    ) -> None:
        self._svc = surveys
        self._dossiers = dossiers
        self._invitations = invitations
        self._reports = reports
        self._office = office
        self._questions = Questions(surveys)

    def claims(self, turn: Turn) -> bool:
        """"đánh giá …" whatever the NLU made of it (a receipt code would otherwise mean a lookup)."""
        return turn.msg.payload is None and bool(_CLAIM.match(reply_form(turn.text.lstrip("/"))))

    async def start(self, turn: Turn) -> list[Reply]:
        msg = turn.msg
        codes = find_codes(turn.text) if msg.payload is None else []
        if codes:
            return await self._with_code(turn, codes[0])
        draft = await self._svc.draft(turn.session, msg.channel, msg.user_id)
        if draft is not None:
            return await self._questions.show(turn, draft, texts.resuming(draft.dossier_code))
        inv = await self._invitations.open_for_chat(turn.session, msg.channel, msg.user_id)
        if inv is not None and (d := await turn.session.get(Dossier, inv.dossier_id)) is not None:
            return await self._after_verified(turn, d)
        turn.set_flow_state({"name": NAME, "step": "code"})
        return [Reply(texts.ASK_CODE, (
            Button(texts.RESULTS_BUTTON, f"{NAME}:results"), Button(texts.FEEDBACK_BUTTON, "m:give_feedback"),
        ))]

    async def resume(self, turn: Turn) -> list[Reply] | None:
        payload = turn.msg.payload
        if payload is not None:
            if payload.startswith(f"{NAME}:"):
                return await self._on_payload(turn, payload.removeprefix(f"{NAME}:"))
            turn.set_flow_state(None)  # another menu or button: the survey waits
            return None
        state = turn.flow_state
        step = state.get("step")
        if step == "question":
            response = await self._own_response(turn, state.get("response_id"))
            if response is None or response.submitted_at is not None:
                turn.set_flow_state(None)
                return None
            if codes := find_codes(turn.text):
                return await self._with_code(turn, codes[0])  # another dossier: this draft waits
            if _RESUME.fullmatch(reply_form(turn.text.lstrip("/"))):
                return await self._questions.show(turn, response, texts.resuming(response.dossier_code))
            return await self._questions.answer(turn, response, Typed(turn.text))
        if step == "consent":
            if is_yes(turn.text):
                return await self._consent_given(turn)
            turn.set_flow_state(None)
            if is_no(turn.text):
                return [Reply(texts.CONSENT_DECLINED)]
            return None  # no answer is no consent: the message is answered as any other
        if step == "offer":
            response = await self._own_response(turn, state.get("response_id"))
            if response is not None and is_yes(turn.text):
                return self._questions.ask_ticket_text(turn, response)
            turn.set_flow_state(None)
            return [Reply(texts.NO_TICKET)] if is_no(turn.text) else None
        if step == "ticket":
            response = await self._own_response(turn, state.get("response_id"))
            if response is None or is_cancel(turn.text) or turn.text.lstrip().startswith("/"):
                turn.set_flow_state(None)
                return [Reply(texts.NO_TICKET)] if response is not None else None
            return await self._questions.open_ticket(turn, response, turn.text)
        return await self._verification(turn, step, state)

    # -- code and second factor ----------------------------------------------------------------------

    async def _verification(self, turn: Turn, step: object, state: dict[str, object]) -> list[Reply] | None:
        codes = find_codes(turn.text)
        if codes:
            return await self._with_code(turn, codes[0])
        if is_cancel(turn.text):
            turn.set_flow_state(None)
            return [Reply(texts.STOPPED)]
        if step == "digits" and (digits := typed_last4(turn.text)):
            return await self._verify(turn, str(state.get("code")), digits)
        u = turn.understanding
        if u is not None and u.sure and u.intent not in self.intents:
            turn.set_flow_state(None)
            return None
        return [Reply(dossier_texts.DIGITS_FORMAT if step == "digits" else dossier_texts.CODE_NOT_RECOGNISED)]

    async def _with_code(self, turn: Turn, code: str) -> list[Reply]:
        msg, session = turn.msg, turn.session
        dossier = (await session.execute(select(Dossier).where(Dossier.code == code))).scalar_one_or_none()
        # A chat that already verified this dossier (it follows it, or has rated it) is not asked again.
        # Both checks run for an unknown code too (id -1 matches nothing): the same queries either way,
        # so the code step tells nothing about whether a dossier exists.
        dossier_id = dossier.id if dossier is not None else -1
        followed = await self._dossiers.subscription(session, msg.channel, msg.user_id, dossier_id) is not None
        answered = await self._svc.answered_by(session, msg.channel, msg.user_id, dossier_id)
        if dossier is not None and (followed or answered):
            return await self._after_verified(turn, dossier)
        turn.set_flow_state({"name": NAME, "step": "digits", "code": code})
        return [Reply(dossier_texts.ask_digits(code))]

    async def _verify(self, turn: Turn, code: str, digits: str) -> list[Reply]:
        msg = turn.msg
        result = await self._dossiers.verify(turn.session, msg.channel, msg.user_id, code, digits)
        if result.outcome == "not_matched":
            return [Reply(dossier_texts.NOT_MATCHED)]
        if result.outcome != "ok" or result.dossier is None:
            turn.set_flow_state(None)
            hotline = self._office.phone
            limited = result.outcome == "chat_limited"
            return [Reply(dossier_texts.chat_limited(hotline) if limited else dossier_texts.cooling_down(hotline))]
        return await self._after_verified(turn, result.dossier)

    async def _after_verified(self, turn: Turn, d: Dossier) -> list[Reply]:
        msg, session = turn.msg, turn.session
        if d.status != HANDED_OVER:
            turn.set_flow_state(None)
            return [Reply(texts.not_handed_over(d.code, d.status))]
        if await self._svc.submitted_for(session, d.id) is not None:
            turn.set_flow_state(None)
            return [Reply(texts.already_rated(d.code))]
        draft = await self._svc.draft(session, msg.channel, msg.user_id, d.id)
        if draft is not None:
            return await self._questions.show(turn, draft, texts.resuming(d.code))
        turn.set_flow_state({"name": NAME, "step": "consent", "dossier_id": d.id})
        return [Reply(self._svc.consent_text(self._svc.form, d.code), (
            Button(texts.CONSENT_YES, f"{NAME}:consent:yes"), Button(texts.CONSENT_NO, f"{NAME}:consent:no"),
        ))]

    async def _consent_given(self, turn: Turn) -> list[Reply]:
        dossier_id = turn.flow_state.get("dossier_id")
        d = await turn.session.get(Dossier, dossier_id) if isinstance(dossier_id, int) else None
        if d is None:
            turn.set_flow_state(None)
            return [Reply(texts.STALE)]
        if await self._svc.submitted_for(turn.session, d.id) is not None:
            turn.set_flow_state(None)
            return [Reply(texts.already_rated(d.code))]
        response = await self._svc.begin(turn.session, turn.msg.channel, turn.msg.user_id, d)
        return await self._questions.show(turn, response)

    # -- buttons -------------------------------------------------------------------------------------

    async def _own_response(self, turn: Turn, rid: object) -> SurveyResponse | None:
        if isinstance(rid, str):
            rid = small_number(rid)
        if not isinstance(rid, int):
            return None
        return await self._svc.response_of_chat(turn.session, rid, turn.msg.channel, turn.msg.user_id)

    async def _on_payload(self, turn: Turn, action: str) -> list[Reply] | None:
        kind, _, rest = action.partition(":")
        msg, session = turn.msg, turn.session
        if kind == "results":
            turn.set_flow_state(None)
            return [await self._reports.public(session)]
        if kind in ("inv", "decline"):
            inv = await self._invitations.by_token(session, rest, msg.channel, msg.user_id)
            d = await session.get(Dossier, inv.dossier_id) if inv is not None else None
            if inv is None or d is None:
                turn.set_flow_state(None)
                return [Reply(texts.STALE)]
            if kind == "decline":
                await self._invitations.decline(session, inv)
                turn.set_flow_state(None)
                return [Reply(texts.INVITATION_DECLINED)]
            return await self._after_verified(turn, d)
        if kind == "consent":
            if turn.flow_state.get("step") != "consent":
                return await self.start(turn)  # an old consent button: start over from what is open
            if rest == "yes":
                return await self._consent_given(turn)
            turn.set_flow_state(None)
            return [Reply(texts.CONSENT_DECLINED)]
        if kind == "fbno":
            turn.set_flow_state(None)
            return [Reply(texts.NO_TICKET)]
        rid, _, tail = rest.partition(":")
        response = await self._own_response(turn, rid)
        if response is None:
            turn.set_flow_state(None)
            return [Reply(texts.STALE)]
        if kind in ("fb", "fbnow"):
            if kind == "fb":
                return self._questions.ask_ticket_text(turn, response)
            return await self._questions.open_ticket(turn, response, None)
        if response.submitted_at is not None:
            turn.set_flow_state(None)
            return [Reply(texts.ALREADY_SUBMITTED)]
        if kind == "submit":
            return await self._questions.submit(turn, response)
        if kind == "a":
            qid, _, value = tail.partition(":")
            return await self._questions.answer(turn, response, Pick(qid, value))
        if kind == "skip":
            return await self._questions.answer(turn, response, Skip(tail))
        if kind == "back":
            return await self._questions.answer(turn, response, Back())
        return None  # unknown: the dialogue says the choice is stale
