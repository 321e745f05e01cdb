"""The dossier feature: status lookup in chat, `dossiers` commands, the one-stop system's status push."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.core.flows import Flow
from bot.features.dossiers.cli import register
from bot.features.dossiers.flow import DossierFlow
from bot.features.dossiers.push import push_routes
from bot.features.dossiers.service import of
from bot.features.feature import Feature, Parts, Registration


class Dossiers(Feature):
    name = "dossiers"

    def __init__(self, parts: Parts) -> None:
        self._parts = parts
        self._flows: list[Flow] = [DossierFlow(of(parts), parts.procedures, parts.office)]

    @property
    def flows(self) -> list[Flow]:
        return self._flows

    def routes(self) -> list[BaseRoute]:
        return list(push_routes(self._parts))


FEATURE = Registration("dossiers", Dossiers, register)
