"""Survey definitions: the shipped forms validate; mistakes are reported with the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from surveys.definitions import SurveyDefinitionError, load_form, load_forms

ROOT = Path(__file__).resolve().parents[1]
SURVEYS = ROOT / "surveys"
DATA = Path(__file__).parent / "data" / "surveys"


def test_shipped_forms_follow_the_sipas_structure() -> None:
    forms = load_forms(SURVEYS)
    short, full = forms["short"], forms["full"]
    assert len(short.elements) == len(full.elements) == 5
    assert {q.element for q in short.criteria} == {e.id for e in short.elements}  # one question per element
    assert len(full.criteria) == 22
    assert [sum(q.element == e.id for q in full.criteria) for e in full.elements] == [4, 5, 6, 3, 4]
    for form in (short, full):
        assert form.rating_question is not None and form.rating_question.role == "rating_766"
        assert any(q.role == "improve_first" for q in form.questions)
        assert any(q.type == "text" and q.optional for q in form.questions)


def test_every_problem_of_a_file_is_named_with_its_field() -> None:
    with pytest.raises(SurveyDefinitionError) as err:
        load_form(DATA / "broken.yml")
    message = str(err.value)
    for expected in (
        "broken.yml: scales.hai_long_5.choices: value '1' appears twice",
        "broken.yml: scales.hai_long_5.satisfied: '5' is not one of the choices (1, 1)",
        "broken.yml: questions[0].scale: unknown scale 'hai_long_7' (known: hai_long_5)",
        "broken.yml: questions[1]: a text question takes no scale, element or role",
        "broken.yml: questions[2].id: 'tiep_can' is used by an earlier question",
        "broken.yml: questions[2].element: unknown element 'cong_chuc' (known: tiep_can, ket_qua)",
        "broken.yml: elements: 'ket_qua' has no question",
        "broken.yml: consent.text: unknown placeholder(s) ['thoi_gian']",
    ):
        assert expected in message, f"missing: {expected}\n---\n{message}"


def _write(tmp_path: Path, data: dict[str, Any], name: str = "short.yml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def short_data() -> dict[str, Any]:
    return yaml.safe_load((SURVEYS / "short.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("consent"), "short.yml: consent: Field required"),
        (lambda d: d["questions"][1].update(scale=None), "short.yml: questions[1].scale: a scale question needs"),
        (lambda d: d["questions"][1].update(id="Tiếp cận"), "short.yml: questions[1].id: String should match"),
        (lambda d: d["questions"][2].update(extra="x"), "short.yml: questions[2].extra: Extra inputs are not"),
        (lambda d: d["scales"]["hai_long_5"]["choices"][0].update(label="x" * 41),
         "short.yml: scales.hai_long_5.choices[0].label: String should have at most 40 characters"),
        (lambda d: d["questions"][0].update(optional=True), "questions[0].optional: the QĐ 766 rating cannot be"),
        (lambda d: d["questions"][1].update(role="rating_766"), "questions: at most one question has role"),
        (lambda d: d.update(id="other"), "short.yml: id: file name 'short' does not match id 'other'"),
        (lambda d: d["questions"][3].update(text="Hồ sơ {ma}?"), "questions[3].text: unknown placeholder(s) ['ma']"),
    ],
)
def test_single_mistakes(tmp_path: Path, short_data: dict[str, Any], change: Any, expected: str) -> None:
    change(short_data)
    with pytest.raises(SurveyDefinitionError) as err:
        load_form(_write(tmp_path, short_data))
    assert expected in str(err.value)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("id: bad\nquestions: [\n  - x\n", encoding="utf-8")
    with pytest.raises(SurveyDefinitionError, match=r"bad\.yml \(line \d+, column \d+\): YAML syntax error"):
        load_form(path)


def test_a_folder_reports_all_broken_files(tmp_path: Path, short_data: dict[str, Any]) -> None:
    _write(tmp_path, short_data)
    (tmp_path / "broken.yml").write_text((DATA / "broken.yml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SurveyDefinitionError, match=r"broken\.yml: questions"):
        load_forms(tmp_path)


def test_the_configured_form_must_exist(tmp_path: Path) -> None:
    from bot.config import load_settings
    from bot.features.surveys.service import SurveyService

    settings = load_settings(surveys={"form": "sipas2030"})
    with pytest.raises(ValueError, match=r"config surveys\.form: no survey definition 'sipas2030'"):
        SurveyService(load_forms(SURVEYS), settings.surveys)
