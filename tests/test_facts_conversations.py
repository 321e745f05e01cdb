"""Whole conversations through the dialogue and the real NLU (tests/data/facts/): the regression set of
conversations.yml, each checking the fee or time a citizen reads on a given day (the dialogue's clock is
moved to that day), and outside_catalogue.yml, conversations about national procedures outside the curated
catalogue, each turn checking one fact of the record (outside_catalogue_aside*.yml: written before the
fixes they measure and not tuned on)."""

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
FACTS = Path(__file__).parent / "data" / "facts"


def _load(name: str) -> list[dict[str, Any]]:
    conversations: list[dict[str, Any]] = yaml.safe_load((FACTS / name).read_text(encoding="utf-8"))
    for c in conversations:
        c["set"] = name.removesuffix(".yml")
    return conversations


REGRESSION = _load("conversations.yml")
OUTSIDE = _load("outside_catalogue.yml") + _load("outside_catalogue_aside.yml") + _load("outside_catalogue_aside2.yml")
CONVERSATIONS = REGRESSION + OUTSIDE
_ids = itertools.count()


def test_the_sets_have_their_size_and_each_conversation_its_record_and_fact() -> None:
    assert len(REGRESSION) >= 40
    assert len(OUTSIDE) >= 15 and sum(len(c["turns"]) for c in OUTSIDE) >= 45
    assert all(c["code"] and c["fact"] and isinstance(c["day"], dt.date) and c["turns"] for c in CONVERSATIONS)


async def _say(services: Services, user: str, text: str = "", payload: str | None = None) -> Reply:
    replies = await services.turns.run(Incoming("test", user, text, payload))
    assert replies, "the assistant must never be silent"
    return replies[0]


def _case(i: int, c: dict[str, Any]) -> Any:
    """A conversation as a test; one whose miss belongs to the understanding (a wrong intent, the procedure
    not found) says so in `known_miss` and is expected to fail until that is fixed."""
    marks = [pytest.mark.xfail(reason=c["known_miss"], strict=False)] if c.get("known_miss") else []
    return pytest.param(c, marks=marks, id=f"{c['set']}-{c['code']}-{c['day']}-{i}")


@pytest.mark.parametrize("conversation", [_case(i, c) for i, c in enumerate(CONVERSATIONS)])
async def test_conversation(services: Services, conversation: dict[str, Any]) -> None:
    day: dt.date = conversation["day"]
    services.dialogue.today = lambda: day
    user = f"facts-{next(_ids)}"
    for turn in conversation["turns"]:
        code = turn.get("code", conversation["code"])  # a turn may ask about another procedure
        reply = await _say(services, user, turn["say"])
        # Asked which procedure (a list, the nearest ones, "is it this one?"), the citizen picks it; an
        # answer's own buttons are aspects ("a:…"), never a procedure.
        chosen = next((b for b in reply.buttons if b.payload == f"p:{code}"), None)
        if chosen is not None:
            reply = await _say(services, user, payload=chosen.payload)
        for expected in turn.get("expect", []):  # "Công an cấp Xã" in one record, "cấp xã" in another
            said = reply.text.casefold()
            assert expected.casefold() in said, f"{conversation['fact']}: {expected!r} not in\n{reply.text}"
        for absent in turn.get("absent", []):
            assert absent not in reply.text, f"{conversation['fact']}: {absent!r} in\n{reply.text}"
        if code != "office":
            assert f"thủ tục {code}" in reply.text.rsplit("Nguồn:", 1)[-1], reply.text
