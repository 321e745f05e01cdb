"""Verification limits (per chat, per dossier, in the database) and the one path for both failures."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from dossier_fixtures import HASH_KEY, Clock, chat, count, load, record
from sqlalchemy import event, select

from bot.app import Services
from bot.features.dossiers import texts
from bot.features.dossiers.models import DossierLookupFailure
from bot.features.dossiers.service import DossierService

CODE = "000.00.27.H49-261120-0031"
UNKNOWN = "000.00.27.H49-261120-0032"


async def _verify(services: Services, code: str, digits: str, user: str = "u1") -> str:
    async with services.sessions() as session, session.begin():
        return (await services.dossiers.verify(session, "test", user, code, digits)).outcome


async def test_five_failures_per_chat_per_quarter_hour(dsvc: Services, clock: Clock) -> None:
    await load(dsvc, record(CODE, "6789"))
    for i in range(5):
        assert await _verify(dsvc, UNKNOWN if i % 2 else CODE, "0000") == "not_matched"
    # Locked now, even with the right digits; another chat is not.
    assert await _verify(dsvc, CODE, "6789") == "chat_limited"
    assert await _verify(dsvc, CODE, "6789", user="u2") == "ok"
    clock.advance(minutes=15, seconds=1)
    assert await _verify(dsvc, CODE, "6789") == "ok"


async def test_ten_failures_per_dossier_per_day_then_a_cool_down(dsvc: Services, clock: Clock) -> None:
    await load(dsvc, record(CODE, "6789"))
    for i in range(10):  # ten chats, one wrong guess each: no chat limit is reached
        assert await _verify(dsvc, CODE, f"{i:04d}", user=f"attacker{i}") == "not_matched"
        clock.advance(minutes=1)
    assert await _verify(dsvc, CODE, "6789", user="owner") == "cooling_down"
    assert await _verify(dsvc, "000.00.27.H49-261120-0033", "6789", user="owner") == "not_matched"
    clock.advance(hours=23, minutes=50)  # the first failures leave the 24-hour window
    assert await _verify(dsvc, CODE, "6789", user="owner") == "ok"


async def test_failures_live_in_the_database_not_in_the_process(dsvc: Services, clock: Clock) -> None:
    await load(dsvc, record(CODE, "6789"))
    for _ in range(5):
        await _verify(dsvc, CODE, "1111")
    assert await count(dsvc, DossierLookupFailure) == 5
    # A second worker (another service object, same database and key) sees them.
    other = DossierService(HASH_KEY.encode(), dsvc.office.phone, clock)
    async with dsvc.sessions() as session:
        assert (await other.verify(session, "test", "u1", CODE, "6789")).outcome == "chat_limited"
    clock.advance(days=2)
    async with dsvc.sessions() as session, session.begin():
        await dsvc.dossiers.purge_failures(session)
    assert await count(dsvc, DossierLookupFailure) == 0


async def test_cool_down_in_chat_tells_the_owner_where_to_get_help(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789"))
    for i in range(10):
        await _verify(dsvc, CODE, f"{i:04d}", user=f"attacker{i}")
    await chat(dsvc, f"tra cứu hồ sơ {CODE}", user="owner")
    reply = await chat(dsvc, "6789", user="owner")
    assert reply.text == texts.cooling_down(dsvc.office.phone)
    assert "quầy tiếp nhận" in reply.text and dsvc.office.hotline in reply.text


async def test_chat_limit_in_chat(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789"))
    await chat(dsvc, f"tra cứu hồ sơ {CODE}")
    for _ in range(5):
        assert (await chat(dsvc, "1234")).text == texts.NOT_MATCHED
    assert (await chat(dsvc, "6789")).text == texts.chat_limited(dsvc.office.phone)


@contextmanager
def _statements(services: Services) -> Iterator[list[str]]:
    seen: list[str] = []

    def record_statement(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", record_statement)
    try:
        yield seen
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", record_statement)


async def test_unknown_code_and_wrong_digits_take_the_same_path(
    dsvc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load(dsvc, record(CODE, "6789"))
    hashes: list[str] = []
    original = dsvc.dossiers.phone_hash

    def counting(code: str, last4: str) -> str:
        hashes.append(code)
        return original(code, last4)

    monkeypatch.setattr(dsvc.dossiers, "phone_hash", counting)
    with _statements(dsvc) as wrong_digits:
        assert await _verify(dsvc, CODE, "1234", user="a") == "not_matched"
    with _statements(dsvc) as unknown_code:
        assert await _verify(dsvc, UNKNOWN, "6789", user="b") == "not_matched"
    assert wrong_digits == unknown_code  # the same statements, in the same order
    assert hashes == [CODE, UNKNOWN]  # one hash computation each
    # And in chat, the same reply.
    await chat(dsvc, f"tra cứu hồ sơ {CODE}", user="c")
    await chat(dsvc, f"tra cứu hồ sơ {UNKNOWN}", user="d")
    assert (await chat(dsvc, "1234", user="c")).text == (await chat(dsvc, "6789", user="d")).text


async def test_erasing_ones_data_does_not_reset_the_chat_limit(dsvc: Services) -> None:
    """Five wrong digits, /xoadulieu and confirm, one more attempt: still paused (review finding 1)."""
    from bot.features.privacy import texts as privacy_texts

    await load(dsvc, record(CODE, "6789"))
    await chat(dsvc, f"tra cứu hồ sơ {CODE}")
    for _ in range(5):
        assert (await chat(dsvc, "1111")).text == texts.NOT_MATCHED
    assert (await chat(dsvc, "/xoadulieu")).text.endswith(privacy_texts.CONFIRM)
    assert (await chat(dsvc, "1")).text.endswith(privacy_texts.ERASED)
    await chat(dsvc, f"tra cứu hồ sơ {CODE}")
    assert (await chat(dsvc, "6789")).text.endswith(texts.chat_limited(dsvc.office.phone))
    async with dsvc.sessions() as session:  # the records kept name no chat
        keys = set((await session.execute(select(DossierLookupFailure.chat_key))).scalars())
    assert len(keys) == 1 and "citizen" not in keys.pop()


async def test_rating_by_code_runs_the_same_queries_whether_or_not_the_dossier_exists(dsvc: Services) -> None:
    """«đánh giá <code>» must not be an unlimited existence oracle (review finding 8)."""
    await load(dsvc, record(CODE, "6789", status=10))
    with _statements(dsvc) as known:
        known_reply = await chat(dsvc, f"tôi muốn đánh giá hồ sơ {CODE}", user="e")
    with _statements(dsvc) as unknown:
        unknown_reply = await chat(dsvc, f"tôi muốn đánh giá hồ sơ {UNKNOWN}", user="f")
    assert known_reply.text.endswith(texts.ask_digits(CODE)) and unknown_reply.text.endswith(texts.ask_digits(UNKNOWN))
    assert known == unknown  # the same statements, in the same order


@pytest.mark.postgres
async def test_concurrent_guesses_from_many_chats_stop_at_the_dossier_limit(
    db_url: str, dsvc: Services
) -> None:
    """24 chats guessing at once on PostgreSQL: only 10 are evaluated (review finding 4)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("the race needs several connections writing at once (PostgreSQL)")
    await load(dsvc, record(CODE, "6789"))
    outcomes = await asyncio.gather(*(_verify(dsvc, CODE, f"{i:04d}", user=f"guess{i}") for i in range(24)))
    assert outcomes.count("not_matched") == 10 and outcomes.count("cooling_down") == 14
    assert await count(dsvc, DossierLookupFailure) == 10
