"""Load and validate the knowledge base: procedure YAML files and the office file.

Every problem is reported as a ``KnowledgeBaseError`` whose message names the
file, the field path (e.g. ``documents[2].copies``) and what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge_base.schema import Office, Procedure

__all__ = ["KnowledgeBaseError", "load_office", "load_procedure", "load_procedures"]

PROCEDURE_SUFFIXES = (".yml", ".yaml")

M = TypeVar("M", bound=BaseModel)


class KnowledgeBaseError(ValueError):
    """A knowledge-base file is missing, unreadable or invalid."""


def _field_path(loc: Sequence[int | str]) -> str:
    """Render a pydantic error location as ``documents[2].copies``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"{path}: cannot read file: {exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise KnowledgeBaseError(f"{path}{where}: YAML syntax error: {problem}") from exc


def _validate(model: type[M], path: Path) -> M:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping of fields, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_field_path(err['loc'])}: {err['msg']}" for err in exc.errors())
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
