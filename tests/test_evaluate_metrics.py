"""The evaluation's procedure metrics: the right procedure offered, and a wrong one answered with confidence."""

from __future__ import annotations

from bot.core.understanding import Understanding
from knowledge_base.resolver import Candidate, Resolution
from tools.evaluate import Case, metrics


def understood(kind: str, *codes: str) -> Understanding:
    candidates = tuple(Candidate(code, code, 0.8) for code in codes)
    return Understanding("x", "x", "ask_fee", 1.0, True, None, (), Resolution(kind, candidates), True)  # type: ignore[arg-type]


def case(procedure: str | None) -> Case:
    return Case("x", "ask_fee", procedure, None, ())


def test_offered_counts_buttons_and_wrong_confident_counts_only_confident_misses() -> None:
    cases = [case("1.000001"), case("1.000002"), case("1.000003"), case("1.000004"), case(None)]
    results = [
        understood("confident", "1.000001"),  # right, answered
        understood("ambiguous", "1.000009", "1.000002"),  # right one among the buttons
        understood("confident", "1.000009", "1.000003"),  # a wrong sibling answered: the worst case
        understood("none", "1.000004"),  # a near miss only: not offered
        understood("none"),
    ]
    m = metrics(cases, results)
    assert m["procedure_accuracy"] == 0.25
    assert m["procedure_offered_accuracy"] == 0.5
    assert m["wrong_confident_rate"] == 0.25
