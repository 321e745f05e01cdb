"""The pure survey engine: typed numbers and labels, back, skip, repeated and stale buttons, review."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.definitions import SurveyForm, load_form
from surveys.engine import Back, Engine, Pick, Prompt, Review, Skip, Typed

SURVEYS = Path(__file__).resolve().parents[1] / "surveys"


@pytest.fixture(scope="module")
def short() -> SurveyForm:
    return load_form(SURVEYS / "short.yml")


def test_prompt_shows_progress_choices_and_the_earlier_answer(short: SurveyForm) -> None:
    engine = Engine(short, "000.22.27.H49-261126-0003")
    first = engine.prompt(0, {})
    assert isinstance(first, Prompt) and first.text.startswith("Câu 1/8: ")
    assert "000.22.27.H49-261126-0003" in first.text
    assert [o.label for o in first.options] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
    assert not first.can_back and not first.can_skip
    second = engine.prompt(1, {"tiep_can": "4"})
    assert isinstance(second, Prompt) and second.can_back and "(Anh/Chị đã trả lời: Hài lòng)" in second.text
    last = engine.prompt(7, {})
    assert isinstance(last, Prompt) and last.can_skip and last.options == ()


@pytest.mark.parametrize(
    ("typed", "value"),
    [("5", "5"), ("rất hài lòng", "5"), ("Rat hai long a", "5"), ("ko hài lòng", "2"), ("bình thường ạ", "3"),
     ("câu 1", "1"), ("tốt", "4")],
)
def test_typed_answers(short: SurveyForm, typed: str, value: str) -> None:
    step = Engine(short).step(1, {}, Typed(typed))
    assert (step.kind, step.position, step.question_id, step.value) == ("answered", 2, "tiep_can", value)


@pytest.mark.parametrize("typed", ["7", "0", "hài", "lệ phí khai sinh", ""])
def test_anything_else_is_invalid_with_a_hint(short: SurveyForm, typed: str) -> None:
    step = Engine(short).step(1, {}, Typed(typed))
    assert step.kind == "invalid" and step.position == 1 and step.hint and "1 đến 5" in step.hint


def test_back_and_its_limit(short: SurveyForm) -> None:
    engine = Engine(short)
    assert engine.step(3, {}, Back()).position == 2
    assert engine.step(3, {}, Typed("quay lại")).position == 2
    first = engine.step(0, {}, Back())
    assert first.kind == "invalid" and first.position == 0


def test_skip_only_optional_questions(short: SurveyForm) -> None:
    engine = Engine(short)
    assert engine.step(1, {}, Skip("tiep_can")).kind == "invalid"
    skipped = engine.step(7, {}, Typed("không"))
    assert (skipped.kind, skipped.position, skipped.value) == ("skipped", 8, None)
    assert engine.step(7, {}, Skip("gop_y")).kind == "skipped"
    comment = engine.step(7, {}, Typed("  Nên có thêm chỗ ngồi  "))
    assert comment.value == "Nên có thêm chỗ ngồi" and comment.position == 8


def test_buttons_repeated_stale_or_forged(short: SurveyForm) -> None:
    engine = Engine(short)
    answers = {"danh_gia_chung": "satisfied"}
    assert engine.step(1, answers, Pick("danh_gia_chung", "satisfied")).kind == "unchanged"  # a double tap
    older = engine.step(1, answers, Pick("danh_gia_chung", "dissatisfied"))  # an older button: change, stay
    assert (older.kind, older.position, older.value) == ("answered", 1, "dissatisfied")
    assert engine.step(1, answers, Pick("tiep_can", "9")).kind == "unchanged"  # not a value of the scale
    assert engine.step(1, answers, Pick("nope", "1")).kind == "unchanged"


def test_review_lists_every_answer_and_finds_gaps(short: SurveyForm) -> None:
    engine = Engine(short)
    answers = {"danh_gia_chung": "very_satisfied", "tiep_can": "4", "phan_anh": "na", "gop_y": "=cmd"}
    review = engine.prompt(8, answers)
    assert isinstance(review, Review)
    assert review.lines[0] == "1. Đánh giá chung (QĐ 766): Rất hài lòng"
    assert review.lines[5] == "6. Tiếp nhận, xử lý phản ánh: Chưa góp ý lần nào"
    assert review.lines[7] == "8. Góp ý thêm: «=cmd»"
    assert engine.first_unanswered(answers) == 2  # thu_tuc
    assert engine.step(8, answers, Back()).position == 7
