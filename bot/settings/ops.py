"""Settings of operations (config.yml `ops:`): log format and alert thresholds; README "Operations"."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SpikeAlertSettings(BaseModel):
    """More than `threshold` events within `window_minutes` writes one `ALERT ...` WARNING line (bot.ops.alerts)."""

    threshold: int = Field(default=20, ge=1)
    window_minutes: float = Field(default=10.0, gt=0)


class OpsSettings(BaseModel):
    """Operations (config.yml `ops:`): log format and alert thresholds; README "Operations"."""

    log_format: Literal["text", "json"] = "text"  # TTHC_LOG_FORMAT=json|text overrides it
    failed_verifications_alert: SpikeAlertSettings = Field(default_factory=SpikeAlertSettings)
