"""Fixtures the channel test modules share: the fake platforms, our server running the assistant, a client.

Registered for every test by ``pytest_plugins`` in conftest.py; a module provides its own
``settings`` fixture, which points the assistant at the fakes it uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.app import Services

from .assistant import Served, serving
from .telegram import FakeTelegram
from .zalo import FakeZaloBot, FakeZaloOA

__all__ = ["client", "fake_bot", "fake_oa", "fake_tg", "served"]


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_oa() -> Iterator[FakeZaloOA]:
    fake = FakeZaloOA().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_bot() -> Iterator[FakeZaloBot]:
    fake = FakeZaloBot().start()
    yield fake
    fake.stop()


@pytest.fixture
async def served(offline_services: Services) -> AsyncIterator[Served]:
    """The assistant in webhook mode (NLU unreachable), on the port the settings give."""
    async with serving(offline_services) as s:
        yield s


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as c:
        yield c
