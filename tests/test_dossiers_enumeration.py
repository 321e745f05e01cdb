"""An attacker walks a day's receipt codes with random digits: nothing is disclosed, replies are alike."""

from __future__ import annotations

import random

from dossier_fixtures import chat, count, load, record

from bot.app import Services
from bot.features.dossiers import texts
from bot.features.dossiers.fields import STATUS_LABELS
from bot.storage.models import Outbox

DAY = "000.00.27.H49-261120"
UNITS = ("Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh", "Trung tâm Phục vụ hành chính công phường Bãi Cháy")
PROCEDURES = ("1.012783", "1.000894", "1.001193", "1.013225")


async def _load_day(services: Services) -> dict[str, str]:
    """Every third sequence number of the day exists, in every status: code → true digits."""
    owners: dict[str, str] = {}
    for seq in range(1, 61, 3):
        code, digits = f"{DAY}-{seq:04d}", f"{(seq * 7919) % 10000:04d}"
        owners[code] = digits
        await load(services, record(code, digits, status=1 + seq % 10, unit=UNITS[seq % 2],
                                    procedure_code=PROCEDURES[seq % 4]))
    return owners


def _leaks(services: Services, text: str) -> list[str]:
    names = [services.procedures[p].name for p in PROCEDURES if p in services.procedures]
    secrets = [*STATUS_LABELS.values(), *UNITS, *names, "N****n", "Người nộp", "Thủ tục:", "Ngày hẹn"]
    return [s for s in secrets if s in text]


def _guess(rng: random.Random, avoid: str | None) -> str:
    while (digits := f"{rng.randrange(10000):04d}") == avoid:
        pass
    return digits


async def test_one_chat_per_code_learns_nothing(dsvc: Services) -> None:
    owners = await _load_day(dsvc)
    rng = random.Random(20261120)
    asked: set[str] = set()
    answered: dict[bool, set[str]] = {True: set(), False: set()}
    for seq in range(1, 61):
        code = f"{DAY}-{seq:04d}"
        attacker = f"attacker-{seq}"  # a fresh account for every code: no per-chat limit is reached
        first = await chat(dsvc, f"tra cứu hồ sơ {code}", attacker)
        second = await chat(dsvc, _guess(rng, owners.get(code)), attacker)
        asked.add(first.text.replace(code, "<code>"))
        answered[code in owners].add(second.text)
        assert not _leaks(dsvc, first.text + second.text) and not second.buttons
    assert len(asked) == 1
    assert answered[True] == answered[False] == {texts.NOT_MATCHED}
    assert await count(dsvc, Outbox) == 0


async def test_one_chat_walking_the_day_is_stopped_alike_for_every_code(dsvc: Services) -> None:
    owners = await _load_day(dsvc)
    rng = random.Random(7)
    by_existence: dict[bool, list[str]] = {True: [], False: []}
    replies: list[str] = []
    for seq in range(1, 31):
        code = f"{DAY}-{seq:04d}"
        await chat(dsvc, f"tra cứu hồ sơ {code}", "walker")
        reply = await chat(dsvc, _guess(rng, owners.get(code)), "walker")
        assert not _leaks(dsvc, reply.text)
        replies.append(reply.text)
        by_existence[code in owners].append(reply.text)
    limited = texts.chat_limited(dsvc.office.phone)
    assert replies == [texts.NOT_MATCHED] * 5 + [limited] * 25  # depends on the count, never on the code
    assert set(by_existence[True]) | set(by_existence[False]) == {texts.NOT_MATCHED, limited}
