"""Everyday aliases: how citizens name procedures whose official names they never say.

``everyday_aliases.yml`` maps a national code to the start of its official name (a guard: a
mistyped code is reported instead of silently teaching the resolver a wrong procedure) and to
the citizen's words for it: "mất sổ đỏ" is "Cấp lại Giấy chứng nhận do bị mất", whose name says
neither "sổ đỏ" nor "quyền sử dụng đất". The aliases are added to the entry's own when the
curated and imported entries are merged (``importer.merge``), so every user of the knowledge
base -- the assistant, the evaluation, the benchmarks -- resolves with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from knowledge_base.loader import KnowledgeBaseError
from knowledge_base.schema import Procedure
from knowledge_base.yaml_files import read_yaml, validation_problems

__all__ = ["EVERYDAY_PATH", "EverydayNames", "load_everyday", "with_everyday"]

EVERYDAY_PATH = Path(__file__).with_name("everyday_aliases.yml")


class EverydayNames(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=3)  # the start of the official name, as the record spells it
    aliases: list[str] = Field(min_length=1)


def load_everyday(path: Path = EVERYDAY_PATH) -> dict[str, EverydayNames]:
    """The everyday names by code; problems name the file and the code."""
    data = read_yaml(path, KnowledgeBaseError, str(path)) or {}
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping of codes, got {type(data).__name__}")
    out: dict[str, EverydayNames] = {}
    for code, entry in data.items():
        try:
            out[str(code)] = EverydayNames.model_validate(entry)
        except ValidationError as exc:
            raise KnowledgeBaseError(f"{path}: {code}: {'; '.join(validation_problems(exc))}") from exc
    return out


def with_everyday(procedures: Mapping[str, Procedure], names: Mapping[str, EverydayNames]) -> dict[str, Procedure]:
    """The entries with their everyday aliases added (an alias the entry has already is not repeated).

    Codes absent from ``procedures`` are skipped (a knowledge base of the curated entries alone);
    a code whose official name does not start as written is an error.
    """
    out = dict(procedures)
    for code, extra in names.items():
        p = out.get(code)
        if p is None:
            continue
        if not p.name.casefold().startswith(extra.name.casefold()):
            raise KnowledgeBaseError(f"everyday aliases: {code} is «{p.name}», not «{extra.name}…»")
        seen = {a.casefold() for a in p.aliases}
        added: list[str] = []
        for alias in extra.aliases:
            if alias.casefold() not in seen:
                seen.add(alias.casefold())
                added.append(alias)
        if added:
            out[code] = p.model_copy(update={"aliases": [*p.aliases, *added]})
    return out
