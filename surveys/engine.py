"""The survey as a pure state machine: (form, answers so far, position, input) → what happens next.

No storage, no channel: the caller keeps the answers and the position (the bot keeps
them in the database, so a restart resumes at the same question) and renders the
returned prompt. Position ``total`` is the review step before submitting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from nlu.normalize import reply_form
from surveys.definitions import Question, SurveyForm

BACK_WORDS = frozenset({
    "quay lai", "lui", "lui lai", "back", "tro lai", "cau truoc", "sua cau truoc", "quay lai cau truoc", "sua lai",
})
SKIP_WORDS = frozenset({"bo qua", "skip", "khong co", "khong", "khong co gi", "khong gop y", "khong y kien", "qua"})
_NUMBER = re.compile(r"^(?:cau |chon |so |muc |phuong an )?(\d{1,2})$")


@dataclass(frozen=True)
class Option:
    label: str
    value: str


@dataclass(frozen=True)
class Prompt:
    question_id: str
    number: int  # 1-based
    total: int
    text: str  # progress, question and the earlier answer if any
    options: tuple[Option, ...]  # empty for a free-text question
    can_back: bool
    can_skip: bool


@dataclass(frozen=True)
class Review:
    total: int
    lines: tuple[str, ...]  # "3. Thủ tục hành chính: Hài lòng"


@dataclass(frozen=True)
class Pick:
    question_id: str
    value: str


@dataclass(frozen=True)
class Typed:
    text: str


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Skip:
    question_id: str


Input = Pick | Typed | Back | Skip
StepKind = Literal["answered", "skipped", "back", "invalid", "unchanged"]


@dataclass(frozen=True)
class Step:
    kind: StepKind
    position: int  # where the survey is now
    question_id: str | None = None  # the answer to store (value None: remove it)
    value: str | None = None
    hint: str | None = None  # for "invalid": what to tell the citizen


class Engine:
    def __init__(self, form: SurveyForm, code: str = "") -> None:
        self.form = form
        self._code = code
        self._index = {q.id: i for i, q in enumerate(form.questions)}

    @property
    def total(self) -> int:
        return len(self.form.questions)

    def question_text(self, q: Question) -> str:
        return q.text.format(code=self._code)

    def options(self, q: Question) -> tuple[Option, ...]:
        scale = self.form.scale_of(q)
        return tuple(Option(c.label, c.value) for c in scale.choices) if scale else ()

    def answer_label(self, q: Question, value: str) -> str:
        if q.type == "text":
            return f"«{value if len(value) <= 60 else value[:59] + '…'}»"
        return self.form.choice_label(q.id, value)

    # -- rendering -----------------------------------------------------------------------------------

    def prompt(self, position: int, answers: Mapping[str, str]) -> Prompt | Review:
        if position >= self.total:
            return self.review(answers)
        q = self.form.questions[max(position, 0)]
        text = f"Câu {position + 1}/{self.total}: {self.question_text(q)}"
        if (given := answers.get(q.id)) is not None:
            text += f"\n(Anh/Chị đã trả lời: {self.answer_label(q, given)})"
        return Prompt(q.id, position + 1, self.total, text, self.options(q), position > 0, q.optional)

    def review(self, answers: Mapping[str, str]) -> Review:
        lines = []
        for i, q in enumerate(self.form.questions, 1):
            given = answers.get(q.id)
            lines.append(f"{i}. {q.short}: {self.answer_label(q, given) if given is not None else '(bỏ qua)'}")
        return Review(self.total, tuple(lines))

    def first_unanswered(self, answers: Mapping[str, str]) -> int | None:
        """A required question without an answer (a review reached by stale buttons), if any."""
        for i, q in enumerate(self.form.questions):
            if not q.optional and q.id not in answers:
                return i
        return None

    # -- transitions ---------------------------------------------------------------------------------

    def step(self, position: int, answers: Mapping[str, str], given: Input) -> Step:
        position = min(max(position, 0), self.total)
        if isinstance(given, Back):
            if position == 0:
                return Step("invalid", 0, hint="Dạ, đây là câu đầu tiên ạ.")
            return Step("back", position - 1)
        if isinstance(given, Pick):
            return self._pick(position, answers, given)
        if isinstance(given, Skip):
            q = self.form.question(given.question_id)
            if q is None or not q.optional:
                return Step("invalid", position, hint="Dạ, câu này cần Anh/Chị chọn một mức ạ.")
            here = self._index[q.id] == position
            return Step("skipped", position + 1 if here else position, q.id, None)
        if position >= self.total:
            return Step("invalid", position, hint="Dạ, Anh/Chị bấm «Gửi đánh giá» để gửi, hoặc «Quay lại» để sửa ạ.")
        return self._typed(position, given.text)

    def _pick(self, position: int, answers: Mapping[str, str], given: Pick) -> Step:
        q = self.form.question(given.question_id)
        valid = q is not None and q.type == "scale" and any(o.value == given.value for o in self.options(q))
        if q is None or not valid:
            return Step("unchanged", position)  # a button of another form or version: ignore it
        here = self._index[q.id] == position
        if not here and answers.get(q.id) == given.value:
            return Step("unchanged", position)  # the same button tapped twice
        return Step("answered", position + 1 if here else position, q.id, given.value)

    def _typed(self, position: int, text: str) -> Step:
        q = self.form.questions[position]
        folded = reply_form(text)
        if folded in BACK_WORDS:
            return self.step(position, {}, Back())
        if q.type == "text":
            if folded in SKIP_WORDS or not text.strip():
                return Step("skipped", position + 1, q.id, None)
            return Step("answered", position + 1, q.id, text.strip()[: q.max_chars])
        if q.optional and folded in SKIP_WORDS:
            return Step("skipped", position + 1, q.id, None)
        options = self.options(q)
        if (m := _NUMBER.match(folded)) and 1 <= int(m.group(1)) <= len(options):
            return Step("answered", position + 1, q.id, options[int(m.group(1)) - 1].value)
        scale = self.form.scale_of(q)
        for choice in scale.choices if scale else ():
            if folded in {reply_form(choice.label), *(reply_form(a) for a in choice.aliases)}:
                return Step("answered", position + 1, q.id, choice.value)
        return Step("invalid", position, hint=(
            f"Dạ, Anh/Chị vui lòng bấm một lựa chọn hoặc gõ số từ 1 đến {len(options)}; "
            "gõ «quay lại» để sửa câu trước, «tạm dừng» để làm tiếp sau ạ."
        ))
