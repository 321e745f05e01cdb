"""What every test would otherwise rebuild: done once per test process, the same result each time.

- The knowledge base and its resolver: loading the national catalogue and indexing it take seconds, and
  a service built without them (a runtime, a command) would load its own.
- The schema: Alembic's upgrade of a new SQLite file to the heads runs once into a template file, which
  each new database then copies. Any other revision, or an existing database, takes the real path.
- Staff password hashes: argon2's cheapest parameters (the console's own are made to be slow); a hash
  records its parameters, so checks and rehashing behave as in production.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import make_url

import bot.app
from bot.config import Settings
from bot.storage import db
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure


class KnowledgeCache:
    """``load_knowledge`` and ``Resolver`` of the composition root, answered once per knowledge base."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[Path, Path], dict[str, Procedure]] = {}
        self._resolvers: dict[int, tuple[dict[str, Procedure], Resolver]] = {}
        self._load = bot.app.load_knowledge

    def load(self, settings: Settings) -> dict[str, Procedure]:
        kb = settings.knowledge_base
        key = (settings.path(kb.procedures_dir), settings.path(kb.national_file))
        if key not in self._loaded:
            self._loaded[key] = self._load(settings)
        return self._loaded[key]

    def resolver(self, procedures: dict[str, Procedure]) -> Resolver:
        # Only the shared catalogues (kept alive here, so their id is not reused) share a resolver.
        if not any(procedures is shared for shared in self._loaded.values()):
            return Resolver(procedures)
        found = self._resolvers.get(id(procedures))
        if found is None:
            found = self._resolvers[id(procedures)] = (procedures, Resolver(procedures))
        return found[1]


class _SchemaTemplate:
    """``bot.storage.db.upgrade`` with new SQLite files copied from one migrated template."""

    def __init__(self, folder: Path, upgrade: Callable[..., None]) -> None:
        self._file = folder / "template.sqlite3"
        self._upgrade = upgrade
        self._heads: set[str] | None = None

    def upgrade(self, url: str, revision: str = "heads") -> None:
        u = make_url(url)
        on_file = u.drivername.startswith("sqlite") and u.database not in (None, "", ":memory:")
        target = Path(str(u.database)) if on_file else None
        if target is None or revision != "heads":
            self._upgrade(url, revision)
            return
        heads = self._template_heads()
        fresh = not target.exists() or target.stat().st_size == 0
        if fresh and not target.with_name(target.name + "-wal").exists():  # nothing written yet, not even a log
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self._file, target)
            db.private_file(target)
        elif _versions(target) != heads:
            self._upgrade(url, revision)

    def _template_heads(self) -> set[str]:
        if self._heads is None:
            self._upgrade(f"sqlite+aiosqlite:///{self._file}")
            with sqlite3.connect(self._file) as conn:  # one self-contained file: no -wal beside it
                conn.execute("PRAGMA journal_mode=DELETE")
            self._heads = _versions(self._file)
        return self._heads


def _versions(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.Error:
        return set()
    finally:
        conn.close()


@pytest.fixture(scope="session", autouse=True)
def session_caches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeCache]:
    from bot.web.staff import accounts

    knowledge = KnowledgeCache()
    schema = _SchemaTemplate(tmp_path_factory.mktemp("schema"), db.upgrade)
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bot.app, "load_knowledge", knowledge.load)
        mp.setattr(bot.app, "Resolver", knowledge.resolver)
        mp.setattr(db, "upgrade", schema.upgrade)
        mp.setattr(accounts, "_hasher", cheap)
        mp.setattr(accounts, "_DUMMY", cheap.hash("not-a-password-of-anyone"))
        yield knowledge
