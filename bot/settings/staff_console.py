"""Settings of the staff console (config.yml `staff_console:`); the session key comes from STAFF_SESSION_KEY."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


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
