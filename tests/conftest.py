"""Shared fixtures: a migrated database per test, the real Rasa server per session."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.app import Services, build_services
from bot.config import Settings, load_settings
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure

if TYPE_CHECKING:
    from session_caches import KnowledgeCache

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Fixture modules of groups of tests; their helpers (not fixtures) are imported by name where used.
pytest_plugins = [
    "session_caches", "dossier_fixtures", "survey_fixtures", "staff_console_fixtures", "fakes.channel_fixtures",
    "browser.staff_fixtures",
]

# Markers a test gets from what it uses, so make test-fast leaves it out without each module saying so.
_MARK_BY_FIXTURE = {"nlu_server": "nlu", "services": "nlu", "driver": "browser", "pg_url": "postgres"}
_MARK_BY_PATH = {"browser": "browser"}
# Subprocesses, SIGKILLs, load: each takes seconds on its own.
SLOW_MODULES = {
    "test_channel_sigkill", "test_cluster", "test_cluster_cli", "test_cluster_sender", "test_survey_demo",
    "test_dossiers_demo",
}
# The slowest of make test-fast's --durations (each 12–70 s on a loaded 2-core machine).
SLOW_TESTS = {
    "test_ten_thousand_fuzzed_bodies", "test_erasing_my_data_clears_the_web_history", "test_command_line",
    "test_purge_command_runs_every_purge",
    "test_serve_without_any_secret_starts_with_the_console",  # `python -m bot serve` started from nothing
}


def pytest_configure(config: pytest.Config) -> None:
    """The keys the application creates in var/ on first use, made before parallel workers (make test-fast)
    could both find them missing."""
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller has made them
        return
    from bot.features.dossiers.keys import DEFAULT_FILE, load_hash_key
    from bot.web.staff.sessions import load_key

    settings = load_settings()
    if not os.environ.get("DOSSIER_HASH_KEY"):
        load_hash_key(settings.path(DEFAULT_FILE))
    if settings.staff_session_key is None:
        load_key(None, settings.path(settings.staff_console.key_file))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for fixture, marker in _MARK_BY_FIXTURE.items():
            if fixture in names:
                item.add_marker(marker)
        path = Path(str(item.path))
        if any(part in _MARK_BY_PATH for part in path.parts):
            item.add_marker("browser")
        if path.stem in SLOW_MODULES or item.name.split("[")[0] in SLOW_TESTS:
            item.add_marker("slow")


@pytest.fixture(scope="session")
def nlu_server() -> Iterator[tuple[str, str | None]]:
    """The real Rasa server with the trained model (started once; fails in CI if it cannot start)."""
    url = os.environ.get("TTHC_TEST_NLU_URL")
    if url:
        yield url, os.environ.get("NLU_TOKEN")
        return
    from nlu.server import NluSetupError, running_server

    try:
        with running_server() as server:
            yield server.url, server.token
    except NluSetupError as exc:
        if IN_CI:
            pytest.fail(f"NLU server needed in CI: {exc}")
        pytest.skip(f"NLU server unavailable: {exc}")


@pytest.fixture(scope="session")
def fake_nlu() -> Iterator[str]:
    """The fake understander (tests/fakes/rasa.py): Rasa's protocol, answers from labelled examples."""
    from fakes.rasa import from_labelled_examples

    fake = from_labelled_examples(Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.yml").start()
    yield fake.url
    fake.stop()


@pytest.fixture(scope="session")
def knowledge(session_caches: KnowledgeCache) -> dict[str, Procedure]:
    return session_caches.load(load_settings())


@pytest.fixture(scope="session")
def resolver(session_caches: KnowledgeCache, knowledge: dict[str, Procedure]) -> Resolver:
    return session_caches.resolver(knowledge)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(database={"url": f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"})


@pytest.fixture
async def services(
    settings: Settings, nlu_server: tuple[str, str | None], knowledge: dict[str, Procedure], resolver: Resolver
) -> AsyncIterator[Services]:
    url, token = nlu_server
    s = build_services(settings, [url], token, procedures=knowledge, resolver=resolver)
    yield s
    await s.aclose()


@pytest.fixture
async def offline_services(
    settings: Settings, knowledge: dict[str, Procedure], resolver: Resolver
) -> AsyncIterator[Services]:
    """The assistant with its NLU server unreachable (degraded mode)."""
    s = build_services(settings, ["http://127.0.0.1:9"], None, procedures=knowledge, resolver=resolver)
    yield s
    await s.aclose()


@pytest.fixture
async def routed_services(
    settings: Settings, fake_nlu: str, knowledge: dict[str, Procedure], resolver: Resolver
) -> AsyncIterator[Services]:
    """The assistant on the fake understander: routing and dialogue tests without a Rasa server."""
    s = build_services(settings, [fake_nlu], None, procedures=knowledge, resolver=resolver)
    yield s
    await s.aclose()
