"""The SIPAS-style index and the QĐ 766 ratio against a sample computed by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.definitions import SurveyForm, load_form
from surveys.index import Ratio766, Tally, compute

SURVEYS = Path(__file__).resolve().parents[1] / "surveys"

# Ten responses to the short form (danh_gia_chung, tiep_can, thu_tuc, cong_chuc, ket_qua, phan_anh).
SAMPLE = [
    ("very_satisfied", "5", "5", "5", "5", "na"),
    ("very_satisfied", "4", "5", "4", "5", "5"),
    ("satisfied", "4", "3", "4", "4", "na"),
    ("satisfied", "3", "4", "5", "4", "4"),
    ("satisfied", "4", "4", "4", "3", "na"),
    ("satisfied", "5", "2", "4", "4", "3"),
    ("satisfied", "4", "4", "3", "4", "na"),
    ("dissatisfied", "2", "1", "2", "3", "1"),
    ("satisfied", "4", "4", "4", "5", "na"),
    ("very_satisfied", "5", "5", "5", "5", "5"),
]
KEYS = ("danh_gia_chung", "tiep_can", "thu_tuc", "cong_chuc", "ket_qua", "phan_anh")


@pytest.fixture(scope="module")
def short() -> SurveyForm:
    return load_form(SURVEYS / "short.yml")


def _tally() -> Tally:
    tally = Tally()
    for row in SAMPLE:
        tally.add_response(dict(zip(KEYS, row, strict=True)))
    return tally


def test_sipas_index_matches_the_hand_computation(short: SurveyForm) -> None:
    index = compute(short, _tally())
    # By hand, answers 4–5 over answers counted ("na" is left out):
    #   tiep_can  4,4,3,4,5,4,2,4,5 + 5 → 8 of 10 = 80 %
    #   thu_tuc   5,5,3,4,4,2,4,1,4,5   → 7 of 10 = 70 %
    #   cong_chuc 5,4,4,5,4,4,3,2,4,5   → 8 of 10 = 80 %
    #   ket_qua   5,5,4,4,3,4,4,3,5,5   → 8 of 10 = 80 %
    #   phan_anh  5,4,3,1,5 (5 "na")    → 3 of 5  = 60 %
    # One criterion per element in the short form, so elements equal criteria;
    # overall = (80 + 70 + 80 + 80 + 60) / 5 = 74 %.
    assert {k: s.value for k, s in index.elements.items()} == {
        "tiep_can": 80.0, "thu_tuc": 70.0, "cong_chuc": 80.0, "ket_qua": 80.0, "phan_anh": 60.0,
    }
    assert index.elements["phan_anh"].n == 5 and index.criteria["tiep_can"].n == 10
    assert index.overall.value == pytest.approx(74.0) and index.responses == 10


def test_mean_score_method(short: SurveyForm) -> None:
    index = compute(short, _tally(), "mean_score")
    # tiep_can scores sum 40 over 10 → mean 4.0 → (4 − 1) / 4 = 75 %.
    assert index.criteria["tiep_can"].value == pytest.approx(75.0)
    # phan_anh: 5 + 4 + 3 + 1 + 5 = 18 over 5 → 3.6 → 65 %.
    assert index.criteria["phan_anh"].value == pytest.approx(65.0)


def test_element_is_the_mean_of_its_criteria() -> None:
    full = load_form(SURVEYS / "full.yml")
    tally = Tally()
    # tc_chi_dan: 1 of 2 satisfied (50 %); tc_cho_ngoi: 2 of 2 (100 %); the others unanswered.
    for value in ("4", "2"):
        tally.add("tc_chi_dan", value)
    for value in ("5", "4"):
        tally.add("tc_cho_ngoi", value)
    tally.add("tt_phi", "1")  # 0 %
    tally.responses = 2
    index = compute(full, tally)
    assert index.elements["tiep_can"].value == pytest.approx(75.0)  # (50 + 100) / 2, empty criteria ignored
    assert index.elements["thu_tuc"].value == 0.0
    assert index.elements["ket_qua"].value is None
    assert index.overall.value == pytest.approx(37.5)  # mean of the elements that have answers


def test_qd_766_ratio_by_hand(short: SurveyForm) -> None:
    ratio = Ratio766()
    late = {3, 8}  # response numbers handed over late
    complaint = {5}
    for i, row in enumerate(SAMPLE):
        ratio.add(short, dict(zip(KEYS, row, strict=True)), complaint=i in complaint, late=i in late)
    ratio.add(short, {"tiep_can": "5"}, complaint=False, late=True)  # no 3-level rating: not counted
    # Counted against: #3 (late), #5 (complaint), #7 (Không hài lòng), #8 (late) → (10 − 4) / 10 = 60 %.
    assert (ratio.rated, ratio.dissatisfied, ratio.with_complaint, ratio.late) == (10, 1, 1, 2)
    assert ratio.counted_against == 4 and ratio.percent == pytest.approx(60.0)
