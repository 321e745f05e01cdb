"""Failed dossier verifications: counted, and one ALERT line when they spike (simulated clock, no sleeps)."""

from __future__ import annotations

import logging

import pytest
from dossier_fixtures import chat, load, record
from prometheus_client import REGISTRY

from bot.app import Services
from bot.features.dossiers import texts
from bot.ops import metrics
from bot.ops.alerts import SpikeAlert

CODE = "000.00.27.H49-261120-0031"
MARKER = "ALERT failed_verifications_spike"


class Ticker:
    """Monotonic seconds that the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def alert_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(MARKER)]


def test_fires_once_on_a_spike_and_again_only_after_it_calmed_down(caplog: pytest.LogCaptureFixture) -> None:
    clock, fired = Ticker(), []
    alert = SpikeAlert("failed_verifications_spike", threshold=5, window_s=600, clock=clock, on_fire=fired.append)
    caplog.set_level(logging.WARNING, logger="bot.ops.alerts")
    for _ in range(5):  # at the threshold: not a spike
        assert not alert.record()
        clock.now += 10
    assert alert_lines(caplog) == []
    assert alert.record()  # the sixth within ten minutes
    for _ in range(20):  # the attack goes on: no flood of lines
        alert.record()
        clock.now += 1
    [line] = alert_lines(caplog)
    assert line.levelno == logging.WARNING and "threshold 5" in line.getMessage()
    assert fired == ["failed_verifications_spike"]
    clock.now += 601  # quiet for a whole window
    assert not alert.record() and not alert.firing
    for _ in range(5):
        alert.record()
    assert len(alert_lines(caplog)) == 2 and len(fired) == 2


def test_a_steady_trickle_below_the_threshold_never_fires(caplog: pytest.LogCaptureFixture) -> None:
    clock = Ticker()
    alert = SpikeAlert("failed_verifications_spike", threshold=5, window_s=600, clock=clock)
    caplog.set_level(logging.WARNING, logger="bot.ops.alerts")
    for _ in range(60):  # one failure every two minutes for two hours: five per window at most
        assert not alert.record()
        clock.now += 120
    assert alert_lines(caplog) == []


async def test_wrong_digits_in_chat_are_counted_and_a_spike_alerts_once(
    dsvc: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Ticker()
    before = REGISTRY.get_sample_value("tthc_alerts_total", {"alert": "failed_verifications_spike"}) or 0.0
    monkeypatch.setattr(
        metrics, "FAILED_VERIFICATIONS_SPIKE",
        SpikeAlert("failed_verifications_spike", threshold=3, window_s=600, clock=clock,
                   on_fire=lambda name: metrics.ALERTS.labels(name).inc()),
    )
    caplog.set_level(logging.WARNING, logger="bot.ops.alerts")

    def failed() -> float:
        return REGISTRY.get_sample_value("tthc_dossier_verifications_total", {"outcome": "not_matched"}) or 0.0

    await load(dsvc, record(CODE, "6789"))
    start = failed()
    for n, user in enumerate(["a", "b", "c", "d", "e"]):  # five chats, one wrong guess each
        await chat(dsvc, f"tra cứu hồ sơ {CODE}", user=user)
        assert (await chat(dsvc, "1111", user=user)).text == texts.NOT_MATCHED
        assert failed() - start == n + 1
        clock.now += 5
    [line] = alert_lines(caplog)
    assert "4 events" in line.getMessage()
    after = REGISTRY.get_sample_value("tthc_alerts_total", {"alert": "failed_verifications_spike"})
    assert after == before + 1
    # The owner with the right digits is not a failure.
    await chat(dsvc, f"tra cứu hồ sơ {CODE}", user="owner")
    await chat(dsvc, "6789", user="owner")
    assert failed() - start == 5
