"""The one interface a feature plugs in through; the composition root iterates the registered ones.

A feature (dossiers, surveys, privacy, ...) brings any of: flows for the dialogue, web
routes, `python -m bot` commands, background jobs, the retention of its own data. It is
registered once, in ``bot/app.py``'s ``FEATURES``; nothing else in the application names it. A feature never
imports the composition root: what it needs of the assembled application comes in as
:class:`Parts` or :class:`Assembled` (typed structurally here), and its commands receive
a ``services`` maker on their arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import BaseRoute

from bot.config import Settings
from bot.core.flows import Flow
from knowledge_base.schema import Office, Procedure


class SharedDossiers(Protocol):
    """What any feature may use of the dossier service (bot.features.dossiers.service.DossierService): the one
    clock (tests that move time move every feature) and a chat's pseudonymous key. The dossier feature, and
    those built on dossiers, take the whole service with ``bot.features.dossiers.service.of(parts)``."""

    clock: Callable[[], dt.datetime]

    def chat_key(self, channel: str, user_id: str) -> str: ...


class Parts(Protocol):
    """What the composition root has built when features are built (bot.app.Services is one)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...
    @property
    def procedures(self) -> dict[str, Procedure]: ...
    @property
    def office(self) -> Office: ...
    @property
    def dossiers(self) -> SharedDossiers: ...
    @property
    def built(self) -> tuple[Feature, ...]: ...  # the features registered before this one, built


class Assembled(Parts, Protocol):
    """The running application as jobs and commands see it (bot.app.Services is one)."""

    @property
    def features(self) -> list[Feature]: ...


class Job(Protocol):
    """Background work the runtime starts after the channels' workers and stops before them."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass(frozen=True)
class JobContext:
    """What a job gets from the running process."""

    services: Assembled
    outbox_queued: Callable[[], None]  # wakes the sender: a job queued messages outside a turn
    every: dt.timedelta = dt.timedelta(hours=1)  # how often periodic jobs look for work


class Feature:
    """A built feature. The defaults contribute nothing; a feature overrides what it brings."""

    name = "feature"

    @property
    def flows(self) -> list[Flow]:
        """In the order the dialogue offers them a message (the order of ``FEATURES``, then this list)."""
        return []

    def routes(self) -> list[BaseRoute]:
        """Web routes; raise :class:`NotServed` when the feature's settings forbid serving them."""
        return []

    def jobs(self, ctx: JobContext) -> list[Job]:
        return []

    async def retention(self, session: AsyncSession) -> dict[str, int]:
        """Its own personal data past retention, removed or unlinked in ``session`` (the daily purge,
        bot/features/privacy/purge.py); rows affected per kind."""
        return {}


class NotServed(RuntimeError):
    """A feature's routes cannot be served as configured (a missing secret): the server says why."""

    what = "routes"  # named in the operator's log: "<what> not served: <why>"


def day(text: str) -> dt.date:
    """An argparse type for the features' commands: a YYYY-MM-DD date."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


@dataclass(frozen=True)
class Registration:
    """A feature as the composition root sees it before anything is built."""

    name: str
    build: Callable[[Parts], Feature]
    # `python -m bot <command>`, added in the order of ``FEATURES``: a feature may reuse an earlier one's command.
    commands: Callable[[argparse._SubParsersAction], None] | None = None
