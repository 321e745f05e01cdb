"""SIPAS-style satisfaction index and the QĐ 766 ratio, from answer counts.

SIPAS as published: per criterion, the share of answers that are satisfied or very
satisfied (4–5) among those who answered it; an element is the mean of its criteria;
the overall index the mean of the elements. "Not applicable" answers and skipped
questions are outside the denominator. A second method (mean score rescaled to
0–100) is offered because some provinces report it; the method is always named
next to the numbers.

Counts come either from streamed rows (:meth:`Tally.add_response`) or from a SQL
``GROUP BY question, value`` (:meth:`Tally.add`), so one computation serves both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from surveys.definitions import Scale, SurveyForm

Method = Literal["satisfied_share", "mean_score"]
METHOD_LABELS: dict[str, str] = {
    "satisfied_share": "kiểu SIPAS: tỷ lệ % câu trả lời Hài lòng hoặc Rất hài lòng",
    "mean_score": "điểm trung bình quy về thang 0–100",
}


@dataclass
class Tally:
    """Answer counts by question and value, and the number of responses they come from."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    responses: int = 0

    def add(self, question_id: str, value: str, n: int = 1) -> None:
        counter = self.counts.get(question_id)
        if counter is None:  # not setdefault: it would build a Counter for every answer of a 100,000-row export
            counter = self.counts[question_id] = Counter()
        counter[value] += n

    def add_response(self, answers: Mapping[str, str]) -> None:
        self.responses += 1
        for qid, value in answers.items():
            self.add(qid, value)


@dataclass(frozen=True)
class Score:
    n: int  # answers counted (for an element: the fewest among its criteria)
    value: float | None  # 0–100; None when nothing was counted


@dataclass(frozen=True)
class SipasIndex:
    method: str
    responses: int
    criteria: dict[str, Score]
    elements: dict[str, Score]
    overall: Score


def criterion_score(scale: Scale, counts: Mapping[str, int], method: Method) -> Score:
    counted = {
        v: c for v, c in counts.items() if c > 0 and v not in scale.not_counted and scale.choice(v) is not None
    }
    if method == "mean_score":
        score_of = {ch.value: ch.score for ch in scale.choices if ch.score is not None}
        scored = {v: c for v, c in counted.items() if v in score_of}
        points = [p for v, p in score_of.items() if v not in scale.not_counted]
        n = sum(scored.values())
        if not n or len(points) < 2:
            return Score(n, None)
        lo, hi = min(points), max(points)
        mean = sum(score_of[v] * c for v, c in scored.items()) / n
        return Score(n, 100.0 * (mean - lo) / (hi - lo))
    n = sum(counted.values())
    if not n:
        return Score(0, None)
    return Score(n, 100.0 * sum(c for v, c in counted.items() if v in scale.satisfied) / n)


def _mean(scores: list[Score]) -> Score:
    values = [s.value for s in scores if s.value is not None]
    if not values:
        return Score(0, None)
    return Score(min(s.n for s in scores if s.value is not None), sum(values) / len(values))


def compute(form: SurveyForm, tally: Tally, method: Method = "satisfied_share") -> SipasIndex:
    criteria: dict[str, Score] = {}
    for q in form.criteria:
        scale = form.scale_of(q)
        criteria[q.id] = criterion_score(scale, tally.counts.get(q.id, {}), method) if scale else Score(0, None)
    elements = {
        e.id: _mean([criteria[q.id] for q in form.criteria if q.element == e.id]) for e in form.elements
    }
    overall = _mean(list(elements.values()))
    return SipasIndex(method, tally.responses, criteria, elements, Score(tally.responses, overall.value))


@dataclass
class Ratio766:
    """QĐ 766: (dossiers − those rated Không hài lòng, with a complaint, or late) / dossiers × 100 %.

    Counted over the responses that carry the 3-level rating: the assistant only
    knows the dossiers that were rated through it.
    """

    rated: int = 0
    dissatisfied: int = 0
    with_complaint: int = 0
    late: int = 0
    counted_against: int = 0  # dossiers with at least one of the three

    def add(self, form: SurveyForm, answers: Mapping[str, str], *, complaint: bool, late: bool, n: int = 1) -> None:
        """``n`` responses with these answers and flags (n > 1 when counts come from SQL)."""
        q = form.rating_question
        if q is None or q.id not in answers:
            return
        unhappy = form.is_dissatisfied(q.id, answers[q.id])
        self.rated += n
        self.dissatisfied += n * unhappy
        self.with_complaint += n * complaint
        self.late += n * late
        self.counted_against += n * (unhappy or complaint or late)

    @property
    def percent(self) -> float | None:
        return 100.0 * (self.rated - self.counted_against) / self.rated if self.rated else None
