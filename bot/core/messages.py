"""Channel-neutral messages: what adapters give the core and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Incoming:
    """One message from a citizen, whatever the platform."""

    channel: str  # "console", "telegram", "zalo", ...
    user_id: str
    text: str = ""
    payload: str | None = None  # set when a button was pressed


@dataclass(frozen=True)
class Button:
    label: str
    payload: str  # ≤ 64 bytes (Telegram's callback_data limit)


@dataclass(frozen=True)
class Reply:
    """Plain text (adapters escape it for their markup) with optional choice buttons and file."""

    text: str
    buttons: tuple[Button, ...] = field(default=())
    attachment: str | None = None  # path of a file to send with the text (e.g. a staff XLSX report)
    notice: bool = False  # sent on the assistant's own initiative (a notification), not answering a message
    by_clerk: bool = False  # written by a person at the centre (the console), not by the assistant


def offer_buttons(pending: dict[str, Any] | None, buttons: list[list[str]]) -> dict[str, Any]:
    """The conversation's pending state with ``buttons`` ([label, payload]) as the ones a typed number picks.

    Set after each turn and after each message the assistant sends on its own (an invitation, a
    notification): whatever the citizen saw last with choices is what "1", "2" … refer to.
    """
    state = dict(pending or {})
    state["buttons"] = buttons
    return state
