"""Prometheus metrics: definitions, one-line recording helpers and the ``/metrics`` exposition.

Platform-free on purpose (the dialogue core records NLU fallbacks through it): only
``prometheus_client`` and the storage models. Counters and the turn histogram live in
the process that records them; with several worker processes set
``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, wiped when the service starts) in
every process's environment *before* it starts, and any worker's ``/metrics`` then
answers for all of them (prometheus_client's multiprocess mode). The backlogs are
not counted in memory: they are read from the database at scrape time, so every
worker reports the same, true figure.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from typing import Any, Protocol, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.ops.alerts import FailureAlert, SpikeAlert

log = logging.getLogger(__name__)

MESSAGES_IN = Counter("tthc_messages_in", "Inbound messages whose turn was processed and committed", ["channel"])
MESSAGES_OUT = Counter("tthc_messages_out", "Messages delivered to the platform", ["channel"])
TURN_SECONDS = Histogram(
    "tthc_turn_seconds", "Time a worker spends on one inbound event (understanding, dialogue, commit)", ["channel"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
NLU_FALLBACKS = Counter(
    "tthc_nlu_fallbacks", "Messages not classified by the NLU model: unavailable, or below the confidence threshold",
    ["reason"],
)
VERIFICATIONS = Counter("tthc_dossier_verifications", "Dossier look-ups by outcome (ok = code and digits matched)",
                        ["outcome"])
SENDER_FAILURES = Counter(
    "tthc_sender_failures", "Outgoing messages not delivered at an attempt: failed, undeliverable, retry_after, error",
    ["channel", "reason"],
)
ALERTS = Counter("tthc_alerts", "Alert log lines written (see bot.ops.alerts)", ["alert"])

FAILED_VERIFICATIONS_SPIKE = SpikeAlert(
    "failed_verifications_spike", threshold=20, window_s=600.0, on_fire=lambda name: ALERTS.labels(name).inc()
)


def failure_alert(name: str) -> FailureAlert:
    """An alert on the first failure of something that must keep working, counted in ``tthc_alerts``."""
    return FailureAlert(name, on_fire=lambda fired: ALERTS.labels(fired).inc())


def configure_alerts(threshold: int, window_minutes: float) -> None:
    FAILED_VERIFICATIONS_SPIKE.configure(threshold, window_minutes * 60.0)


# -- one-line recording helpers ----------------------------------------------------------------------


class _HasChannel(Protocol):
    @property
    def channel(self) -> str: ...


_S = TypeVar("_S")
_E = TypeVar("_E", bound=_HasChannel)
_R = TypeVar("_R")


def timed_turn(fn: Callable[[_S, _E], Coroutine[Any, Any, _R]]) -> Callable[[_S, _E], Coroutine[Any, Any, _R]]:
    """Decorates a worker's ``process(event)``: its duration goes to the turn histogram."""

    @functools.wraps(fn)
    async def wrapper(self: _S, event: _E) -> _R:
        started = time.perf_counter()
        try:
            return await fn(self, event)
        finally:
            TURN_SECONDS.labels(event.channel).observe(time.perf_counter() - started)

    return wrapper


def turn_committed(channel: str) -> None:
    MESSAGES_IN.labels(channel).inc()


def understood(*, nlu_used: bool, sure: bool) -> None:
    """Records how a message was classified: by the model, or by the keyword fallback."""
    if not nlu_used:
        NLU_FALLBACKS.labels("nlu_unavailable").inc()
    elif not sure:
        NLU_FALLBACKS.labels("low_confidence").inc()


def sender_outcome(channel: str, outcome: str) -> None:
    """``sent`` counts a delivered message; anything else a failure of that kind."""
    if outcome == "sent":
        MESSAGES_OUT.labels(channel).inc()
    else:
        SENDER_FAILURES.labels(channel, outcome).inc()


def dossier_verified(outcome: str) -> None:
    """Every look-up outcome; the failed ones also feed the spike alert (enumeration attempts)."""
    VERIFICATIONS.labels(outcome).inc()
    if outcome != "ok":
        FAILED_VERIFICATIONS_SPIKE.record()


# -- exposition --------------------------------------------------------------------------------------

# Unfinished inbound events per (channel, status), pending outgoing messages per channel (bot.pipeline.backlog).
Backlog = tuple[dict[tuple[str, str], int], dict[str, int]]


class _BacklogCollector(Collector):
    def __init__(self, backlog: Backlog, channels: Iterable[str]) -> None:
        self._inbox, self._outbox = backlog
        self._channels = set(channels)

    def collect(self) -> Iterator[Metric]:
        inbox = GaugeMetricFamily("tthc_inbox_backlog", "Inbound events unprocessed", labels=["channel", "status"])
        outbox = GaugeMetricFamily("tthc_outbox_backlog", "Outgoing messages waiting to be sent", labels=["channel"])
        # Known channels always appear, at 0 when idle, so "absent" never means "empty".
        for channel in sorted(self._channels | {c for c, _ in self._inbox} | set(self._outbox)):
            for status in ("pending", "processing"):
                inbox.add_metric([channel, status], self._inbox.get((channel, status), 0))
            outbox.add_metric([channel], self._outbox.get(channel, 0))
        yield inbox
        yield outbox


def process_registry() -> CollectorRegistry:
    """This process's metrics, or every worker's in multiprocess mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


async def exposition(
    read_backlog: Callable[[], Awaitable[Backlog]], channels: Iterable[str] = ()
) -> tuple[bytes, str]:
    """The ``/metrics`` body and its content type; the backlogs are left out when the database is down."""
    body = generate_latest(process_registry())
    try:
        backlog = await read_backlog()
    except Exception as exc:  # a scrape must still show the counters when the database is down
        log.warning("metrics: backlog not read: %r", exc)
        return body, CONTENT_TYPE_LATEST
    extra = CollectorRegistry(auto_describe=False)
    extra.register(_BacklogCollector(backlog, channels))
    return body + generate_latest(extra), CONTENT_TYPE_LATEST

