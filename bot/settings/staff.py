"""Settings of the clerks' side: the staff console (config.yml `staff_console:`; the session key comes from
STAFF_SESSION_KEY) and the live handoff (`handoff:`: when clerks answer, how long a request waits)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pydantic import BaseModel, Field, field_validator


class StaffConsoleSettings(BaseModel):
    enabled: bool = True
    # A session ends after this long without a request, and in any case this long after sign-in.
    idle_minutes: int = Field(default=30, ge=1)
    absolute_hours: int = Field(default=12, ge=1)
    # Sign-in failures within the window: past the first limit an account, past the second an address,
    # is refused (even with the right password) until the window has passed.
    failures_per_account: int = Field(default=5, ge=1)
    failures_per_address: int = Field(default=20, ge=1)
    failure_window_minutes: int = Field(default=15, ge=1)
    # A ticket not answered within this many days is shown as overdue.
    overdue_days: int = Field(default=3, ge=1)
    # Largest dossier file an admin may upload at /staff/dossiers (the server's body limit is raised for that
    # one path only; a year of a province's dossiers as CSV is a few MB).
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Without STAFF_SESSION_KEY, a random key is created once in this file (mode 0600).
    key_file: Path = Path("var/staff_session.key")


_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
# Monday is 0. The same hours as knowledge_base/office.yml, written for a machine to read.
WEEKDAY_HOURS = ["07:30-11:30", "13:30-17:00"]
DEFAULT_HOURS: dict[int, list[str]] = {0: WEEKDAY_HOURS, 1: WEEKDAY_HOURS, 2: WEEKDAY_HOURS, 3: WEEKDAY_HOURS,
                                       4: WEEKDAY_HOURS, 5: ["07:30-11:30"]}


class HandoffSettings(BaseModel):
    enabled: bool = True
    # Vietnam time, per weekday (0 = Monday): "HH:MM-HH:MM" ranges when a clerk can take a chat.
    hours: dict[int, list[str]] = Field(default_factory=lambda: dict(DEFAULT_HOURS))
    holidays: list[dt.date] = Field(default_factory=list)  # closed all day (lễ, Tết)
    # A request nobody took within this many minutes becomes a feedback ticket.
    wait_minutes: int = Field(default=10, ge=1)
    sweep_s: float = Field(default=30.0, gt=0)  # how often waiting requests are checked

    @field_validator("hours")
    @classmethod
    def _ranges(cls, value: dict[int, list[str]]) -> dict[int, list[str]]:
        for day, ranges in value.items():
            if not 0 <= day <= 6:
                raise ValueError(f"weekday {day}: 0 (Monday) to 6 (Sunday)")
            for r in ranges:
                if not _RANGE.match(r) or r[:5] >= r[6:]:
                    raise ValueError(f"{r!r}: expected HH:MM-HH:MM, start before end")
        return value

    def open_at(self, local: dt.datetime) -> bool:
        """Whether clerks answer at this Vietnam-local time."""
        if local.date() in self.holidays:
            return False
        now = f"{local:%H:%M}"
        return any(r[:5] <= now < r[6:] for r in self.hours.get(local.weekday(), []))
