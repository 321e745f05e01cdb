"""Each status change reaches each subscribed chat exactly once, however often it arrives."""

from __future__ import annotations

import asyncio

from dossier_fixtures import chat, count, load, outbox_rows, record
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.features.dossiers.models import Dossier, DossierStatusChange

CODE = "000.00.27.H49-261120-0031"


async def _subscribe(services: Services, user: str) -> None:
    await chat(services, f"tra cứu hồ sơ {CODE}", user)
    await chat(services, "6789", user)
    await chat(services, "", user, payload="dossier:sub")


async def _change(services: Services, status: int, source: str = "push") -> bool:
    async with services.sessions() as session, session.begin():
        d = (await session.execute(select(Dossier).where(Dossier.code == CODE))).scalar_one()
        return await services.dossiers.change_status(session, d, status, source=source) is not None


async def test_one_message_per_subscribed_chat_per_change(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789", status=4))
    await _subscribe(dsvc, "a")
    await _subscribe(dsvc, "b")
    await chat(dsvc, f"tra cứu hồ sơ {CODE}", "c")  # verified but never subscribed
    await chat(dsvc, "6789", "c")
    await chat(dsvc, "hủy theo dõi", "b")
    assert await _change(dsvc, 5)
    assert not await _change(dsvc, 5)  # the same change again: nothing
    await load(dsvc, record(CODE, "6789", status=5))  # and again by import: nothing
    assert await _change(dsvc, 4)  # a real new change
    rows = await outbox_rows(dsvc)
    assert [(r.user_id, "Yêu cầu bổ sung" in r.text) for r in rows] == [("a", True), ("a", False)]
    assert all(r.dedupe_key.startswith(f"dossier:{CODE}:") and r.dedupe_key.endswith(":test:a") for r in rows)
    assert rows[0].buttons == [["Hủy theo dõi", rows[0].buttons[0][1]]]


async def test_a_duplicated_change_racing_itself_is_notified_once(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789", status=4))
    await _subscribe(dsvc, "a")
    results = await asyncio.gather(*(_change(dsvc, 9) for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    assert len(await outbox_rows(dsvc)) == 1
    assert await count(dsvc, DossierStatusChange, DossierStatusChange.new_status == 9) == 1


async def test_status_hooks_run_once_per_change_in_the_same_transaction(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789", status=9))
    calls: list[tuple[str, int | None, int]] = []

    async def survey_invitation(session: AsyncSession, d: Dossier, old: int | None, new: int) -> None:
        assert session.in_transaction()
        calls.append((d.code, old, new))

    dsvc.dossiers.on_status_change.append(survey_invitation)
    assert await _change(dsvc, 10)
    assert not await _change(dsvc, 10)
    await load(dsvc, record(CODE, "6789", status=10))
    assert calls == [(CODE, 9, 10)]
