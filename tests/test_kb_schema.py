"""The knowledge-base files validate against the schema, and the loader reports problems precisely."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml

from knowledge_base.loader import KnowledgeBaseError, load_office, load_procedure, load_procedures
from knowledge_base.schema import Procedure

ROOT = Path(__file__).resolve().parents[1]
KB = ROOT / "knowledge_base"
PROCEDURES = KB / "procedures"
OFFICE = KB / "office.yml"
CATALOG = ROOT.parent / "shared" / "catalog.yml"
MIN_ALIASES = 8

PROCEDURE_FILES = sorted(p for p in PROCEDURES.glob("*.y*ml"))


def fold(text: str) -> str:
    """Case-, space- and tone-mark-insensitive form, as the resolver compares aliases."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


@pytest.fixture(scope="module")
def procedures() -> dict[str, Procedure]:
    return load_procedures(PROCEDURES)


def test_all_procedure_files_validate(procedures: dict[str, Procedure]) -> None:
    assert len(procedures) == len(PROCEDURE_FILES)


@pytest.mark.parametrize("path", PROCEDURE_FILES, ids=lambda p: p.name)
def test_file_name_is_code(path: Path) -> None:
    assert load_procedure(path).code == path.stem


@pytest.mark.parametrize("path", PROCEDURE_FILES, ids=lambda p: p.name)
def test_enough_distinct_aliases(path: Path) -> None:
    procedure = load_procedure(path)
    distinct = {fold(a) for a in procedure.aliases}
    assert len(distinct) >= MIN_ALIASES, f"{path.name}: only {len(distinct)} distinct aliases"
    assert len(distinct) == len(procedure.aliases), f"{path.name}: aliases equal once tone marks are folded"


def test_aliases_do_not_collide_across_procedures(procedures: dict[str, Procedure]) -> None:
    owner: dict[str, str] = {}
    clashes = []
    for code, procedure in procedures.items():
        for alias in procedure.aliases:
            key = fold(alias)
            if key in owner and owner[key] != code:
                clashes.append(f"{alias!r}: {owner[key]} and {code}")
            owner.setdefault(key, code)
    assert not clashes, "aliases shared by several procedures: " + "; ".join(clashes)


def test_catalog_procedures_with_files_are_curated(procedures: dict[str, Procedure]) -> None:
    if not CATALOG.exists():
        pytest.skip(f"{CATALOG} not present")
    catalog = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    codes = [str(entry["code"]) for entry in catalog["procedures"]]
    present = [code for code in codes if code in procedures]
    assert present, "no catalog procedure has a knowledge-base file"
    not_curated = [code for code in present if not procedures[code].curated]
    assert not not_curated, f"catalog procedures not marked curated: {not_curated}"


def test_source_matches_code(procedures: dict[str, Procedure]) -> None:
    wrong = [code for code, p in procedures.items() if p.source.code != code]
    assert not wrong, f"source.code differs from code: {wrong}"


def test_office_validates() -> None:
    office = load_office(OFFICE)
    assert office.name and office.hotline and office.hours


# --- loader error reporting -------------------------------------------------------------

DOCUMENTS = [
    {"name": "Tờ khai", "copies": "1 bản chính"},
    {"name": "Giấy tờ tùy thân", "copies": "1 bản chính"},
    {"name": "Giấy ủy quyền", "copies": "1 bản chính"},
]
VALID: dict[str, object] = {
    "code": "1.999999",
    "name": "Thủ tục thử nghiệm",
    "level": ["Cấp xã"],
    "documents": DOCUMENTS,
    "source": {"code": "1.999999", "checked": "2026-11-28"},
}


def write(directory: Path, name: str, data: object) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_valid_minimal_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "1.999999.yml", VALID)
    assert set(load_procedures(tmp_path)) == {"1.999999"}


def test_invalid_field_names_file_and_field_path(tmp_path: Path) -> None:
    broken = {**VALID, "documents": [*DOCUMENTS[:2], {"name": "Giấy ủy quyền", "copies": ["1"]}]}
    write(tmp_path, "1.999999.yml", broken)
    with pytest.raises(KnowledgeBaseError) as info:
        load_procedures(tmp_path)
    message = str(info.value)
    assert "1.999999.yml" in message
    assert "documents[2].copies" in message
    assert "string" in message


def test_missing_and_unknown_fields_are_named(tmp_path: Path) -> None:
    broken = {k: v for k, v in VALID.items() if k != "name"} | {"fee": 1}
    write(tmp_path, "1.999999.yml", broken)
    with pytest.raises(KnowledgeBaseError) as info:
        load_procedures(tmp_path)
    message = str(info.value)
    assert "1.999999.yml" in message
    assert "name: Field required" in message
    assert "fee: Extra inputs are not permitted" in message


def test_yaml_syntax_error_names_file(tmp_path: Path) -> None:
    path = tmp_path / "1.999999.yml"
    path.write_text('code: "1.999999"\nname: [unclosed\n', encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as info:
        load_procedures(tmp_path)
    message = str(info.value)
    assert "1.999999.yml" in message
    assert "YAML syntax error" in message
    assert "line" in message


def test_file_name_must_equal_code(tmp_path: Path) -> None:
    write(tmp_path, "1.888888.yml", VALID)
    with pytest.raises(KnowledgeBaseError, match=r"1\.888888\.yml.*does not match code '1\.999999'"):
        load_procedures(tmp_path)


def test_duplicate_codes_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "1.999999.yml", VALID)
    write(tmp_path, "1.999999.yaml", VALID)
    with pytest.raises(KnowledgeBaseError, match=r"duplicate code '1\.999999'"):
        load_procedures(tmp_path)


def test_office_error_names_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "office.yml", {"name": "X", "short_name": "X", "address": "Y", "hours": []})
    with pytest.raises(KnowledgeBaseError) as info:
        load_office(path)
    message = str(info.value)
    assert "office.yml" in message
    assert "hours:" in message
    assert "hotline: Field required" in message
