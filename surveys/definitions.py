"""Survey definitions (``surveys/*.yml``): schema and a loader whose errors name the file and the field.

A form is data: its questions, their order, their scales, which answers count as
satisfied (the SIPAS index) or dissatisfied (the QĐ 766 ratio, the offer of a
feedback ticket), the consent text and the thanks. Code only runs it.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from knowledge_base.yaml_files import read_yaml, validation_problems

__all__ = [
    "CONSENT_PLACEHOLDERS", "Choice", "Consent", "Element", "Question", "Scale", "SurveyDefinitionError",
    "SurveyForm", "load_form", "load_forms",
]

# Button payloads carry "<question id>:<value>" and must stay under Telegram's 64 bytes.
_ID = r"^[a-z][a-z0-9_]{0,19}$"
_VALUE = r"^[a-z0-9_]{1,16}$"
CONSENT_PLACEHOLDERS = frozenset({"code", "questions", "retention_days", "minutes"})
TEXT_PLACEHOLDERS = frozenset({"code"})
MAX_BUTTON_LABEL = 40


class SurveyDefinitionError(ValueError):
    """A definition file is missing, unreadable or invalid; the message lists every problem found."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    value: str = Field(pattern=_VALUE)  # stored raw, as answered
    label: str = Field(min_length=1, max_length=MAX_BUTTON_LABEL)
    score: float | None = None  # for the mean-score method
    aliases: tuple[str, ...] = ()  # other ways citizens type it (matched tone-mark-insensitively)


class Scale(_Strict):
    choices: tuple[Choice, ...] = Field(min_length=2, max_length=9)
    satisfied: tuple[str, ...] = ()  # counted as satisfied by the SIPAS-style index
    dissatisfied: tuple[str, ...] = ()  # "Không hài lòng": QĐ 766 and the feedback offer
    not_counted: tuple[str, ...] = ()  # e.g. "not applicable": left out of the denominator

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


class Element(_Strict):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)


class Question(_Strict):
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1, max_length=600)
    short: str = Field(min_length=1, max_length=80)  # column header and summary label
    type: Literal["scale", "text"] = "scale"
    scale: str | None = None
    element: str | None = None  # a SIPAS element: the question is one of its criteria
    role: Literal["rating_766", "improve_first"] | None = None
    optional: bool = False
    max_chars: int = Field(default=1000, ge=1, le=4000)


class Consent(_Strict):
    version: str = Field(min_length=1, max_length=32)  # recorded with every consent
    purpose: str = Field(min_length=1)  # recorded with every consent
    text: str = Field(min_length=1)  # what the citizen is asked


class SurveyForm(_Strict):
    id: str = Field(pattern=_ID)
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    minutes: int = Field(default=2, ge=1, le=60)
    consent: Consent
    thanks: str = Field(min_length=1)
    scales: dict[str, Scale] = Field(min_length=1)
    elements: tuple[Element, ...] = ()
    questions: tuple[Question, ...] = Field(min_length=1)

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)

    def scale_of(self, q: Question) -> Scale | None:
        return self.scales.get(q.scale) if q.scale else None

    @property
    def criteria(self) -> tuple[Question, ...]:
        """Questions that feed the SIPAS-style index (they belong to an element)."""
        return tuple(q for q in self.questions if q.element is not None)

    @property
    def rating_question(self) -> Question | None:
        return next((q for q in self.questions if q.role == "rating_766"), None)

    def choice_label(self, qid: str, value: str) -> str:
        q = self.question(qid)
        scale = self.scale_of(q) if q else None
        choice = scale.choice(value) if scale else None
        return choice.label if choice else value

    def is_dissatisfied(self, qid: str, value: str) -> bool:
        q = self.question(qid)
        scale = self.scale_of(q) if q else None
        return scale is not None and value in scale.dissatisfied


# -- loading -------------------------------------------------------------------------------------------


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return {f"<{exc}>"}


def _cross_checks(form: SurveyForm) -> list[str]:
    """What the schema alone cannot see: references, uniqueness, roles, placeholders."""
    problems: list[str] = []
    for name, scale in form.scales.items():
        if not re.fullmatch(_ID, name):
            problems.append(f"scales.{name}: a scale name must match {_ID}")
        values = [c.value for c in scale.choices]
        for dup in sorted({v for v in values if values.count(v) > 1}):
            problems.append(f"scales.{name}.choices: value {dup!r} appears twice")
        for key in ("satisfied", "dissatisfied", "not_counted"):
            for v in getattr(scale, key):
                if v not in values:
                    problems.append(f"scales.{name}.{key}: {v!r} is not one of the choices ({', '.join(values)})")
        if set(scale.satisfied) & set(scale.dissatisfied):
            problems.append(f"scales.{name}: a value cannot be both satisfied and dissatisfied")
    element_ids = [e.id for e in form.elements]
    for dup in sorted({e for e in element_ids if element_ids.count(e) > 1}):
        problems.append(f"elements: id {dup!r} appears twice")
    qids = [q.id for q in form.questions]
    for i, q in enumerate(form.questions):
        where = f"questions[{i}]"
        if qids.count(q.id) > 1 and qids.index(q.id) != i:
            problems.append(f"{where}.id: {q.id!r} is used by an earlier question")
        if q.type == "scale" and q.scale is None:
            problems.append(f"{where}.scale: a scale question needs a scale")
        elif q.type == "scale" and q.scale not in form.scales:
            known = ", ".join(sorted(form.scales))
            problems.append(f"{where}.scale: unknown scale {q.scale!r} (known: {known})")
        if q.type == "text" and (q.scale is not None or q.element is not None or q.role is not None):
            problems.append(f"{where}: a text question takes no scale, element or role")
        if q.element is not None and q.element not in element_ids:
            problems.append(f"{where}.element: unknown element {q.element!r} (known: {', '.join(element_ids)})")
        if q.element is not None and q.scale in form.scales and not form.scales[q.scale].satisfied:
            problems.append(f"{where}.scale: a criterion's scale must say which answers are satisfied")
        if q.optional and q.type == "scale" and q.role == "rating_766":
            problems.append(f"{where}.optional: the QĐ 766 rating cannot be skipped")
        if bad := _placeholders(q.text) - TEXT_PLACEHOLDERS:
            problems.append(f"{where}.text: unknown placeholder(s) {sorted(bad)} (allowed: code)")
    if sum(q.role == "rating_766" for q in form.questions) > 1:
        problems.append("questions: at most one question has role rating_766")
    rating = form.rating_question
    if rating is not None and rating.scale in form.scales and not form.scales[rating.scale].dissatisfied:
        problems.append("questions: the rating_766 question's scale must list its dissatisfied answers")
    for e in form.elements:
        if not any(q.element == e.id for q in form.questions):
            problems.append(f"elements: {e.id!r} has no question")
    allowed = ", ".join(sorted(CONSENT_PLACEHOLDERS))
    for key in ("text", "purpose"):
        if bad := _placeholders(getattr(form.consent, key)) - CONSENT_PLACEHOLDERS:
            problems.append(f"consent.{key}: unknown placeholder(s) {sorted(bad)} (allowed: {allowed})")
    if bad := _placeholders(form.thanks) - TEXT_PLACEHOLDERS:
        problems.append(f"thanks: unknown placeholder(s) {sorted(bad)} (allowed: code)")
    return problems


def load_form(path: Path) -> SurveyForm:
    """One definition file; its name (without suffix) must equal its ``id``."""
    data = read_yaml(path, SurveyDefinitionError, path.name)
    if not isinstance(data, dict):
        raise SurveyDefinitionError(f"{path.name}: expected a mapping of fields, got {type(data).__name__}")
    try:
        form = SurveyForm.model_validate(data)
    except ValidationError as exc:
        problems = [f"{path.name}: {p}" for p in validation_problems(exc)]
        raise SurveyDefinitionError("\n".join(problems)) from exc
    problems = [f"{path.name}: {p}" for p in _cross_checks(form)]
    if path.stem != form.id:
        problems.append(f"{path.name}: id: file name {path.stem!r} does not match id {form.id!r}")
    if problems:
        raise SurveyDefinitionError("\n".join(problems))
    return form


def load_forms(directory: Path) -> dict[str, SurveyForm]:
    """Every ``*.yml`` form under ``directory``, by id; one error lists the problems of all files."""
    if not directory.is_dir():
        raise SurveyDefinitionError(f"{directory}: no such directory")
    forms: dict[str, SurveyForm] = {}
    problems: list[str] = []
    for path in sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")]):
        try:
            forms[path.stem] = load_form(path)
        except SurveyDefinitionError as exc:
            problems.append(str(exc))
    if problems:
        raise SurveyDefinitionError("\n".join(problems))
    if not forms:
        raise SurveyDefinitionError(f"{directory}: no survey definition (*.yml)")
    return forms
