"""What an adapter's ``send`` raises when a platform does not take a message; the sender decides what follows."""

from __future__ import annotations


class RetryLater(Exception):
    def __init__(self, after_s: float, reason: str = "rate limited") -> None:
        super().__init__(f"{reason}; retry after {after_s}s")
        self.after_s = after_s


class Undeliverable(Exception):
    """The platform will not take this message for this user (blocked, outside the reply window)."""


class PermanentFailure(Exception):
    """Retrying will not help (a malformed request)."""
