"""Button labels of a "which procedure?" list end where a word ends, on the catalogue's real names."""

from __future__ import annotations

import gzip
import json

import pytest

from knowledge_base.choice_labels import LIMIT, SLACK, choice_labels
from knowledge_base.importer import NATIONAL_PATH


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    with gzip.open(NATIONAL_PATH, "rt", encoding="utf-8") as lines:
        return {(r := json.loads(line))["code"]: r["name"] for line in lines}


def test_a_health_insurance_card_is_never_cut_to_bao_hiem_y(names: dict[str, str]) -> None:
    # Re-issue and exchange of the card, at the province and at the centre.
    labels = choice_labels([names[c] for c in ("1.001294", "1.001327", "2.000639", "1.002438")])
    assert not any("hiểm y…" in label or label.endswith(" y") for label in labels), labels
    assert "Cấp lại thẻ bảo hiểm y tế (cấp trung ương)" in labels


@pytest.mark.parametrize(
    ("codes", "not_cut"),
    [
        # "… tai…" (tai nạn) was shown beside two other long names
        (("3.000510", "1.010092", "1.014062"), ("chính…", "hành…", "tai…")),
        # a building permit's buttons stop before "công trình", not inside it
        (("1.013225", "1.013226", "1.013227", "1.013228"), ("công…", "đối…")),
    ],
)
def test_a_cut_ends_a_word(names: dict[str, str], codes: tuple[str, ...], not_cut: tuple[str, ...]) -> None:
    labels = choice_labels([names[c] for c in codes if c in names])
    for label in labels:
        assert label == label.strip() and len(label) <= LIMIT + SLACK, labels
        assert not any(label.split(" (")[0].endswith(piece) for piece in not_cut), labels
