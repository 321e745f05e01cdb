"""Dependencies point inward: nlu, knowledge_base and surveys never import bot; the core no platform."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_LIBS = {"telegram", "zalo", "starlette", "uvicorn", "fastapi"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", ["nlu", "knowledge_base", "surveys"])
def test_inner_packages_never_import_bot(package: str) -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {m}"
        for p in python_files(package)
        for m in imported_modules(p)
        if m == "bot" or m.startswith("bot.")
    ]
    assert offenders == []


def test_core_never_imports_a_platform_library() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {m}"
        for p in python_files("bot/core")
        for m in imported_modules(p)
        if m.split(".")[0] in PLATFORM_LIBS or m.startswith("bot.channels")
    ]
    assert offenders == []


def test_the_check_itself_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import telegram\nfrom bot.core import dialogue\n")
    assert {"telegram", "bot.core"} <= imported_modules(sample)


@pytest.mark.parametrize("package", ["bot", "nlu", "knowledge_base", "surveys"])
def test_the_application_never_imports_tools_or_tests(package: str) -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {m}"
        for p in python_files(package)
        for m in imported_modules(p)
        if m.split(".")[0] in {"tools", "tests", "fakes"}
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["bot/features", "bot/core", "bot/pipeline"])
def test_features_and_the_pipeline_never_import_the_composition_root(package: str) -> None:
    """What a feature needs of the assembled application comes in (bot/features/feature.py)."""
    root = {"bot.app", "bot.runtime", "bot.__main__"}
    offenders = [f"{p.relative_to(ROOT)}: {m}" for p in python_files(package) for m in imported_modules(p) if m in root]
    assert offenders == []


def test_adapters_take_their_delivery_exceptions_from_the_channels_not_the_sender() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {m}"
        for p in python_files("bot/channels")
        for m in imported_modules(p)
        if m == "bot.pipeline.sender"
    ]
    assert offenders == []
