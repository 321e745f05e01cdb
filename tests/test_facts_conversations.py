"""The regression set of tests/data/facts/conversations.yml: whole conversations through the dialogue
and the real NLU, each checking the fee or time a citizen reads on a given day (the dialogue's
clock is moved to that day)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import Services
from bot.core.messages import Incoming, Reply

pytestmark = pytest.mark.nlu
CONVERSATIONS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "facts" / "conversations.yml").read_text(encoding="utf-8")
)
_ids = itertools.count()


def test_the_set_has_at_least_40_conversations_each_with_its_record_and_fact() -> None:
    assert len(CONVERSATIONS) >= 40
    assert all(c["code"] and c["fact"] and isinstance(c["day"], dt.date) and c["turns"] for c in CONVERSATIONS)


async def _say(services: Services, user: str, text: str = "", payload: str | None = None) -> Reply:
    replies = await services.turns.run(Incoming("test", user, text, payload))
    assert replies, "the assistant must never be silent"
    return replies[0]


@pytest.mark.parametrize(
    "conversation", CONVERSATIONS, ids=[f"{c['code']}-{c['day']}-{i}" for i, c in enumerate(CONVERSATIONS)]
)
async def test_conversation(services: Services, conversation: dict[str, Any]) -> None:
    day: dt.date = conversation["day"]
    services.dialogue.today = lambda: day
    code, user = conversation["code"], f"facts-{next(_ids)}"
    for turn in conversation["turns"]:
        reply = await _say(services, user, turn["say"])
        chosen = next((b for b in reply.buttons if b.payload == f"p:{code}"), None)
        if chosen is not None and "thủ tục nào" in reply.text:  # the citizen picks the procedure
            reply = await _say(services, user, payload=chosen.payload)
        for expected in turn.get("expect", []):
            assert expected in reply.text, f"{conversation['fact']}: {expected!r} not in\n{reply.text}"
        for absent in turn.get("absent", []):
            assert absent not in reply.text, f"{conversation['fact']}: {absent!r} in\n{reply.text}"
        if code != "office":
            assert f"thủ tục {code}" in reply.text.rsplit("Nguồn:", 1)[-1], reply.text
