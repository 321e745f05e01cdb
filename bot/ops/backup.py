"""`python -m bot db backup FILE`: a consistent copy of the SQLite database while the assistant runs.

Copying the file (or its WAL) with `cp` during a write can give a torn copy; SQLite's
online backup API copies a consistent snapshot page by page and lets writers go on
between steps. PostgreSQL is backed up with `pg_dump` (docs/deployment.md).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

PREFIX = "sqlite+aiosqlite:///"


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases (and in-memory ones)."""
    if not database_url.startswith(PREFIX) or ":memory:" in database_url:
        return None
    return Path(database_url[len(PREFIX) :].split("?", 1)[0])


def backup(source: Path, target: Path, pages_per_step: int = 1024) -> int:
    """Copies ``source`` to ``target`` (replaced atomically); the number of pages copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=pages_per_step)
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            problem = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if problem != "ok":
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"backup failed its integrity check: {problem}")
    partial.replace(target)  # never a half-written file under the final name
    return pages


def cmd_backup(database_url: str, target: Path | None) -> int:
    if target is None:
        print("usage: python -m bot db backup FILE", file=sys.stderr)
        return 2
    source = sqlite_path(database_url)
    if source is None:
        print("db backup copies a SQLite database; for PostgreSQL use pg_dump (docs/deployment.md)",
              file=sys.stderr)
        return 2
    if not source.exists():
        print(f"no database at {source}", file=sys.stderr)
        return 2
    pages = backup(source, target)
    print(f"{source} -> {target} ({pages} pages)")
    return 0
