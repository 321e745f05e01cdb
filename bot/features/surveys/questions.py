"""The question steps of a survey in chat: render, answer, back, skip, review, submit, the ticket offer.

The pure engine decides; this module stores each answer as given and the new
position in the turn's transaction, and turns prompts into replies with buttons.
Buttons name the response and the question ("survey:a:<response>:<question>:<value>"),
so an old or repeated tap is recognised instead of answering the wrong question.
"""

from __future__ import annotations

import re

from bot.core.flows import Turn
from bot.core.messages import Button, Reply
from bot.features.surveys import texts
from bot.features.surveys.models import SurveyResponse
from bot.features.surveys.service import SurveyService
from bot.features.surveys.tickets import open_ticket
from nlu.normalize import reply_form
from surveys.engine import Engine, Input, Prompt, Review, Typed

NAME = "survey"
_YES = re.compile(r"^(?:co|dong y|ok|vang|u|gui|gui di|gui luon|co gui)(?: a| nhe| em)*$")
_NO = re.compile(r"^(?:khong|thoi|khong can|khong a|khong cam on|cam on|bo qua)(?: a| nhe| em)*$")
_PAUSE = re.compile(r"^(?:tam dung|dung|dung lai|de sau|lam sau|huy|thoi|stop|pause)(?: a| nhe| em)*$")
# Intents that mean the citizen moved on to another question: answer it, keep the survey for later.
_ELSEWHERE = frozenset({
    "ask_overview", "ask_documents", "ask_fee", "ask_processing_time", "ask_where", "ask_steps", "ask_online",
    "ask_conditions", "ask_forms", "ask_office_info", "ask_human", "check_dossier_status", "give_feedback",
})


def is_yes(text: str) -> bool:
    return bool(_YES.match(reply_form(text)))


def is_no(text: str) -> bool:
    return bool(_NO.match(reply_form(text)))


class Questions:
    def __init__(self, service: SurveyService) -> None:
        self._svc = service

    def engine(self, response: SurveyResponse) -> Engine:
        return Engine(self._svc.form_of(response), response.dossier_code or "")

    async def show(self, turn: Turn, response: SurveyResponse, intro: str | None = None) -> list[Reply]:
        """The question the response is at (or the review), and the flow state that awaits its answer."""
        engine = self.engine(response)
        answers = await self._svc.answers(turn.session, response.id)
        position = response.position
        if position >= engine.total and (missing := engine.first_unanswered(answers)) is not None:
            position = missing
            await self._svc.move(turn.session, response, position)
        turn.set_flow_state({"name": NAME, "step": "question", "response_id": response.id})
        reply = self._render(response, engine.prompt(position, answers))
        if intro:
            reply = Reply(f"{intro}\n\n{reply.text}", reply.buttons)
        return [reply]

    def _render(self, response: SurveyResponse, prompt: Prompt | Review) -> Reply:
        rid = response.id
        if isinstance(prompt, Review):
            text = "\n".join([texts.REVIEW_HEAD, *prompt.lines, texts.REVIEW_TAIL])
            return Reply(text, (Button(texts.SUBMIT, f"{NAME}:submit:{rid}"), Button(texts.BACK, f"{NAME}:back:{rid}")))
        buttons = [Button(o.label, f"{NAME}:a:{rid}:{prompt.question_id}:{o.value}") for o in prompt.options]
        if prompt.can_skip:
            buttons.append(Button(texts.SKIP, f"{NAME}:skip:{rid}:{prompt.question_id}"))
        if prompt.can_back:
            buttons.append(Button(texts.BACK, f"{NAME}:back:{rid}"))
        text = prompt.text + (f"\n{texts.FIRST_HINT}" if prompt.number == 1 else "")
        return Reply(text, tuple(buttons))

    async def answer(self, turn: Turn, response: SurveyResponse, given: Input) -> list[Reply] | None:
        """Apply one input; None hands a message that is not an answer back to the dialogue."""
        if isinstance(given, Typed):
            folded = reply_form(given.text)
            if _PAUSE.match(folded):
                turn.set_flow_state(None)
                return [Reply(texts.PAUSED)]
            if given.text.lstrip().startswith("/"):
                turn.set_flow_state(None)  # a command: the survey waits
                return None
            if response.position >= self.engine(response).total and _YES.match(folded):
                return await self.submit(turn, response)
        engine = self.engine(response)
        answers = await self._svc.answers(turn.session, response.id)
        step = engine.step(response.position, answers, given)
        if step.kind == "invalid":
            u = turn.understanding
            if isinstance(given, Typed) and u is not None and u.sure and u.intent in _ELSEWHERE:
                turn.set_flow_state(None)
                return None
            replies = await self.show(turn, response)
            return [Reply(f"{step.hint}\n\n{replies[0].text}", replies[0].buttons)]
        if step.kind in ("answered", "skipped") and step.question_id is not None:
            await self._svc.save_answer(turn.session, response, step.question_id, step.value)
        await self._svc.move(turn.session, response, step.position)
        return await self.show(turn, response)

    async def submit(self, turn: Turn, response: SurveyResponse) -> list[Reply]:
        svc, form = self._svc, self._svc.form_of(response)
        answers = await svc.answers(turn.session, response.id)
        missing = self.engine(response).first_unanswered(answers)
        if missing is not None and response.submitted_at is None:
            await svc.move(turn.session, response, missing)
            return await self.show(turn, response)
        outcome = await svc.submit(turn.session, response)
        code = response.dossier_code or ""
        if outcome == "dossier_rated":
            turn.set_flow_state(None)
            return [Reply(texts.already_rated(code))]
        if outcome == "already_submitted":
            turn.set_flow_state(None)
            return [Reply(texts.ALREADY_SUBMITTED)]
        thanks = form.thanks.format(code=code)
        unhappy = [q.short for q in form.questions if q.id in answers and form.is_dissatisfied(q.id, answers[q.id])]
        if not unhappy:
            turn.set_flow_state(None)
            return [Reply(thanks, (Button(texts.RESULTS_BUTTON, f"{NAME}:results"),))]
        turn.set_flow_state({"name": NAME, "step": "offer", "response_id": response.id})
        offer = texts.OFFER_TICKET.format(topics="; ".join(unhappy))
        rid = response.id
        return [Reply(f"{thanks}\n\n{offer}", (
            Button(texts.FEEDBACK_BUTTON, f"{NAME}:fb:{rid}"), Button(texts.NO_THANKS, f"{NAME}:fbno"),
        ))]

    def ask_ticket_text(self, turn: Turn, response: SurveyResponse) -> list[Reply]:
        turn.set_flow_state({"name": NAME, "step": "ticket", "response_id": response.id})
        return [Reply(texts.ASK_TICKET_TEXT, (
            Button(texts.TICKET_NOW, f"{NAME}:fbnow:{response.id}"), Button(texts.NO_THANKS, f"{NAME}:fbno"),
        ))]

    async def open_ticket(self, turn: Turn, response: SurveyResponse, text: str | None) -> list[Reply]:
        form = self._svc.form_of(response)
        answers = await self._svc.answers(turn.session, response.id)
        topics = [
            f"{q.short}: {form.choice_label(q.id, answers[q.id])}"
            for q in form.questions
            if q.id in answers and form.is_dissatisfied(q.id, answers[q.id])
        ]
        ticket = await open_ticket(
            turn.session, self._svc, turn.msg.channel, turn.msg.user_id,
            source="survey", text=text, response=response, topics=topics,
        )
        turn.set_flow_state(None)
        return [Reply(texts.ticket_opened(ticket.tracking_code))]
