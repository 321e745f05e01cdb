"""The catalogue as the application holds it (equal values shared, words learnt at load) says what the
shipped file says, and its copies stay apart."""

from __future__ import annotations

import gzip

import pytest

from knowledge_base import choice_labels as labels_module
from knowledge_base.choice_labels import choice_labels, learn_words
from knowledge_base.importer import NATIONAL_PATH, load_national
from knowledge_base.schema import Procedure


@pytest.fixture(scope="module")
def national() -> dict[str, Procedure]:
    return load_national(NATIONAL_PATH)


def test_every_loaded_entry_reads_as_its_line_in_the_file(national: dict[str, Procedure]) -> None:
    with gzip.open(NATIONAL_PATH, "rb") as lines:
        parsed = [Procedure.model_validate_json(line) for line in lines if line.strip()]
    assert len(parsed) == len(national)
    for entry in parsed:
        shared = national[entry.code]
        assert shared.model_dump() == entry.model_dump()
        assert shared.model_fields_set == entry.model_fields_set
    # Equal texts are one object: a decree cited by many procedures is held once.
    titles = [b.title for p in national.values() for b in p.legal_basis]
    assert len({id(t) for t in titles}) == len(set(titles)) < len(titles)


def test_a_copy_with_a_value_of_its_own_leaves_the_entries_it_shared_with_alone(
    national: dict[str, Procedure],
) -> None:
    entry, *others = [p for p in national.values() if p.where is None][:50]
    moved = entry.model_copy(update={"where": "Bộ phận một cửa cấp xã"})
    assert moved.where and "where" in moved.model_fields_set
    assert not any(p.where or "where" in p.model_fields_set for p in [entry, *others])


def test_buttons_from_words_learnt_at_load_are_those_learnt_from_the_file(
    national: dict[str, Procedure], monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [national[c].name for c in ("1.001294", "1.001327", "2.000639", "1.002438")]
    monkeypatch.setattr(labels_module, "_learnt", None)  # the file's words
    from_file = choice_labels(names)
    learn_words(p.name for p in national.values())
    assert choice_labels(names) == from_file
    assert "Cấp lại thẻ bảo hiểm y tế (cấp trung ương)" in from_file
