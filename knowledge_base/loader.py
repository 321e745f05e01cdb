"""Load and validate the knowledge base: procedure YAML files and the office file.

Every problem is reported as a ``KnowledgeBaseError`` whose message names the
file, the field path (e.g. ``documents[2].copies``) and what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from knowledge_base.schema import Office, Procedure
from knowledge_base.yaml_files import read_yaml, validation_problems

__all__ = ["KnowledgeBaseError", "load_office", "load_procedure", "load_procedures"]

PROCEDURE_SUFFIXES = (".yml", ".yaml")

M = TypeVar("M", bound=BaseModel)


class KnowledgeBaseError(ValueError):
    """A knowledge-base file is missing, unreadable or invalid."""


def _validate(model: type[M], path: Path) -> M:
    data = read_yaml(path, KnowledgeBaseError, str(path))
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping of fields, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(validation_problems(exc))
        raise KnowledgeBaseError(f"{path}: {problems}") from exc


def load_procedure(path: Path) -> Procedure:
    """Load one procedure file; its name (without suffix) must equal its ``code``."""
    procedure = _validate(Procedure, path)
    if path.stem != procedure.code:
        raise KnowledgeBaseError(
            f"{path}: code: file name {path.name!r} does not match code {procedure.code!r}"
        )
    return procedure


def load_procedures(directory: Path) -> dict[str, Procedure]:
    """Load every ``*.yml``/``*.yaml`` procedure under ``directory``, keyed by code.

    All files are checked; one error lists every problem found.
    """
    if not directory.is_dir():
        raise KnowledgeBaseError(f"{directory}: procedure directory not found")
    procedures: dict[str, Procedure] = {}
    sources: dict[str, Path] = {}
    problems: list[str] = []
    for path in sorted(p for p in directory.iterdir() if p.suffix in PROCEDURE_SUFFIXES):
        try:
            procedure = load_procedure(path)
        except KnowledgeBaseError as exc:
            problems.append(str(exc))
            continue
        if procedure.code in procedures:
            first = sources[procedure.code]
            problems.append(f"{path}: code: duplicate code {procedure.code!r}, also in {first}")
            continue
        procedures[procedure.code] = procedure
        sources[procedure.code] = path
    if problems:
        raise KnowledgeBaseError("\n".join(problems))
    return procedures


def load_office(path: Path) -> Office:
    """Load the centre's own contact information."""
    return _validate(Office, path)
