"""Reading a YAML data file with errors that name the file, the line or the field path, and the problem.

Shared by the knowledge base and the survey definitions: operators edit both by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = ["field_path", "read_yaml", "validation_problems"]


def field_path(loc: Sequence[int | str]) -> str:
    """Render a pydantic error location as ``documents[2].copies``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def validation_problems(exc: ValidationError) -> list[str]:
    """One ``field.path: message`` per problem pydantic found."""
    return [f"{field_path(err['loc'])}: {err['msg']}" for err in exc.errors()]


def read_yaml(path: Path, error: type[Exception], label: str) -> Any:
    """The parsed file; an unreadable file or a syntax error raises ``error`` prefixed with ``label``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{label}: cannot read file: {exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{label}{where}: YAML syntax error: {problem}") from exc
