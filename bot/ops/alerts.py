"""Alerts as log lines: one WARNING with a stable marker when something spikes, not one per event.

A log shipper or a person grepping the journal looks for ``ALERT <name>``; the line
is written once when the count of events in the sliding window goes over the
threshold, and the alert re-arms only after the window has dropped back to or
below the threshold, so a sustained attack gives one line per episode.

Counts are per process: with several workers each sees its share of the traffic.
For a cluster-wide view alert in Prometheus on the counters (README "Operations").
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger("bot.ops.alerts")


class SpikeAlert:
    """Fires when more than ``threshold`` events fall within the last ``window_s`` seconds."""

    def __init__(
        self,
        name: str,
        threshold: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_fire: Callable[[str], None] = lambda _name: None,
    ) -> None:
        self.name = name
        self.on_fire = on_fire
        self._clock = clock
        self._events: deque[float] = deque()
        self._firing = False
        self._lock = threading.Lock()  # records come from the event loop and, rarely, other threads
        self.configure(threshold, window_s)

    def configure(self, threshold: int, window_s: float) -> None:
        if threshold < 1 or window_s <= 0:
            raise ValueError("an alert needs a threshold >= 1 and a positive window")
        self.threshold = threshold
        self.window_s = window_s

    @property
    def firing(self) -> bool:
        return self._firing

    def record(self) -> bool:
        """Counts one event; True when this event made the alert fire."""
        with self._lock:
            now = self._clock()
            self._events.append(now)
            self._expire(now)
            count = len(self._events)
            if count <= self.threshold:
                self._firing = False  # the window has calmed down: ready to fire again
                return False
            if self._firing:
                return False
            self._firing = True
        log.warning(
            "ALERT %s: %d events in the last %d min (threshold %d)",
            self.name, count, round(self.window_s / 60), self.threshold,
            extra={"alert": self.name, "count": count, "window_s": self.window_s, "threshold": self.threshold},
        )
        self.on_fire(self.name)
        return True

    def _expire(self, now: float) -> None:
        while self._events and self._events[0] <= now - self.window_s:
            self._events.popleft()


class FailureAlert:
    """Fires on the first failure of something that must keep working (one line per outage).

    For what has no "normal rate" of failures, such as renewing a platform token: the
    first failure writes ``ALERT <name>``, later failures of the same outage only count,
    and a success re-arms it (logged, so the journal shows when it recovered).
    """

    def __init__(self, name: str, *, on_fire: Callable[[str], None] = lambda _name: None) -> None:
        self.name = name
        self.on_fire = on_fire
        self.failures = 0
        self._lock = threading.Lock()

    @property
    def firing(self) -> bool:
        return self.failures > 0

    def failed(self, detail: str) -> bool:
        """Counts one failure; True when it started an outage (and wrote the alert line)."""
        with self._lock:
            self.failures += 1
            if self.failures > 1:
                return False
        log.warning("ALERT %s: %s", self.name, detail, extra={"alert": self.name, "detail": detail})
        self.on_fire(self.name)
        return True

    def succeeded(self) -> None:
        with self._lock:
            failures, self.failures = self.failures, 0
        if failures:
            log.warning("alert %s cleared after %d failure(s)", self.name, failures)
