""""Gặp cán bộ" over real HTTP: a Telegram citizen (fake Telegram), our server, the staff console, SQLite.

The console's clock is Saturday 28/11/2026 09:00 in Vietnam (working hours); tests move
it to see a request wait too long or arrive after closing time.
"""

from __future__ import annotations

import datetime as dt

import httpx
from handoff_fixtures import Citizen
from sqlalchemy import func, select
from staff_console_fixtures import Console, csrf_of, sign_in

from bot.features.handoff import texts
from bot.features.handoff.jobs import HandoffSweeper
from bot.features.handoff.models import Handoff, HandoffMessage
from bot.features.privacy import texts as privacy_texts
from bot.features.surveys.models import FeedbackTicket
from bot.settings.staff import HandoffSettings
from bot.storage.models import Conversation, Outbox
from bot.web.staff.models import StaffAudit

WAITING = "đã chuyển yêu cầu của Anh/Chị tới cán bộ"


async def _count(c: Console, model: type, *where: object) -> int:
    async with c.services.sessions() as db:
        return int((await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def _act(client: httpx.AsyncClient, handoff_id: int, action: str, **data: str) -> httpx.Response:
    page = await client.get(f"/staff/handoff/{handoff_id}")
    return await client.post(f"/staff/handoff/{handoff_id}/{action}", data={"csrf": csrf_of(page.text), **data})


async def test_a_clerk_takes_the_chat_answers_and_hands_it_back(console: Console) -> None:
    citizen = Citizen(console)
    assert "giấy khai sinh" not in " ".join(await citizen.say("xin chào"))
    told = await citizen.say("Gặp cán bộ")
    assert len(told) == 1 and WAITING in told[0]
    assert await citizen.say("Hồ sơ khai sinh của tôi bị trả lại, vì sao ạ?") == []  # waits for the clerk, silently
    async with console.client() as client:
        await sign_in(client, "hoa")  # a viewer may answer citizens, as with tickets
        queue = await client.get("/staff/handoff")
        assert "Đang chờ cán bộ" in queue.text and "Nhận trao đổi" in queue.text
        page = await client.get("/staff/handoff/1")
        assert "Hồ sơ khai sinh của tôi bị trả lại" in page.text and "Gặp cán bộ" in page.text
        assert "xin chào" not in page.text.lower() or "Trợ lý ảo (trước đó)" in page.text
        assert (await _act(client, 1, "take")).status_code == 303
        await console.served.settled()
        assert citizen.received() == [texts.TAKEN]
        sent = await _act(client, 1, "reply", nonce="n-1", text="Dạ, hồ sơ thiếu bản sao giấy chứng sinh ạ.")
        assert sent.status_code == 303
        await _act(client, 1, "reply", nonce="n-1", text="Dạ, hồ sơ thiếu bản sao giấy chứng sinh ạ.")  # resent form
        await console.served.settled()
        assert citizen.received() == ["Dạ, hồ sơ thiếu bản sao giấy chứng sinh ạ."]
        # The citizen's answer reaches the page, not the assistant.
        assert await citizen.say("Vậy tôi bổ sung ở đâu?") == []
        lines = (await client.get("/staff/handoff/1/lines?after=0")).json()
        assert lines["status"] == "active" and lines["lines"][-1]["text"] == "Vậy tôi bổ sung ở đâu?"
        assert [ln["delivery"] for ln in lines["lines"] if ln["author"] == "clerk"] == ["đã gửi"]
        assert (await _act(client, 1, "back")).status_code == 303
        await console.served.settled()
        assert citizen.received() == [texts.BACK]
        assert "Hiện không có ai đang chờ" in (await client.get("/staff/handoff")).text
    answer = await citizen.say("cảm ơn")
    assert len(answer) == 1 and "không có gì" in answer[0]  # the assistant answers again
    actions = [a for (a,) in (await _rows(console, select(StaffAudit.action).where(
        StaffAudit.action.like("handoff_%")).order_by(StaffAudit.id)))]
    assert actions == ["handoff_take", "handoff_reply", "handoff_reply", "handoff_back"]


async def _rows(c: Console, stmt: object) -> list[tuple[object, ...]]:
    async with c.services.sessions() as db:
        return [tuple(r) for r in (await db.execute(stmt)).all()]  # type: ignore[call-overload]


async def test_not_taken_in_time_it_becomes_a_ticket_and_the_citizen_is_told_once(console: Console) -> None:
    citizen = Citizen(console, chat=8102)
    await citizen.say("tôi muốn nói chuyện với người thật")
    await citizen.say("Cho tôi hỏi lệ phí cấp lại căn cước")
    [sweeper] = [job for job in console.served.runtime.jobs if isinstance(job, HandoffSweeper)]
    console.services.dossiers.clock.advance(minutes=9)  # type: ignore[attr-defined]
    assert await sweeper.sweep() == 0
    console.services.dossiers.clock.advance(minutes=2)  # type: ignore[attr-defined]
    assert await sweeper.sweep() == 1
    assert await sweeper.sweep() == 0
    await console.served.settled()
    told = citizen.received()
    assert len(told) == 1 and "chưa nhận được yêu cầu" in told[0] and "PA-" in told[0]
    ticket = (await _rows(console, select(FeedbackTicket.source, FeedbackTicket.text, FeedbackTicket.channel)))[0]
    assert ticket[0] == "handoff" and ticket[2] == "telegram" and "lệ phí cấp lại căn cước" in str(ticket[1])
    answer = await citizen.say("giờ làm việc")
    assert len(answer) == 1 and "7h30" in answer[0]  # the assistant has the chat again
    async with console.client() as client:
        await sign_in(client, "lan")
        assert (await client.get("/staff/tickets/1")).status_code == 200
        taking = await _act(client, 1, "take")
        assert taking.status_code == 400 and "đã kết thúc" in taking.text


async def test_outside_working_hours_a_ticket_at_once(console: Console) -> None:
    console.services.dossiers.clock.now = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    citizen = Citizen(console, chat=8103)
    told = await citizen.say("gap can bo")  # Sunday 10:00 in Vietnam
    assert len(told) == 1 and "ngoài giờ làm việc" in told[0] and "PA-" in told[0] and "Thứ Bảy" in told[0]
    assert await _count(console, Handoff, Handoff.status == "ticket") == 1
    assert await _count(console, FeedbackTicket, FeedbackTicket.source == "handoff") == 1
    answer = await citizen.say("cảm ơn")
    assert len(answer) == 1 and "không có gì" in answer[0]


async def test_the_citizen_leaves_the_queue_with_a_cancel_word(console: Console) -> None:
    citizen = Citizen(console, chat=8104)
    await citizen.say("Gặp cán bộ")
    told = await citizen.say("thôi")
    assert len(told) == 1 and told[0].endswith(texts.CANCELLED)  # after the degraded-mode note (no NLU here)
    assert await _count(console, Handoff, Handoff.status == "cancelled") == 1
    await citizen.say("Gặp cán bộ")
    assert await citizen.press("handoff:cancel") == [texts.CANCELLED]  # the button does the same (no NLU call)
    assert len(await citizen.say("cảm ơn")) == 1


async def _taken(console: Console, client: httpx.AsyncClient, chat: int) -> Citizen:
    """A citizen who asked for a person, and the clerk "lan" who took the request."""
    citizen = Citizen(console, chat=chat)
    await citizen.say("Gặp cán bộ")
    await sign_in(client, "lan")
    await _act(client, 1, "take")
    await console.served.settled()
    citizen.received()
    return citizen


async def test_erasure_works_during_a_handoff_and_removes_it(console: Console) -> None:
    async with console.client() as client:
        citizen = await _taken(console, client, 8105)
        shown = await citizen.say("/dulieu")  # another command still answers, and the clerk keeps the chat
        assert len(shown) == 1 and "Yêu cầu gặp cán bộ đang mở" in shown[0]
        assert await citizen.say("Tôi vẫn ở đây") == []
        asked = await citizen.say("/xoadulieu")
        assert len(asked) == 1 and "xoá" in asked[0].lower()
        # Not waiting for the confirmation's delivery: the sender skips a reused outbox id for 60 s (SQLite
        # reuses ids once the erasure deleted every row), a sender matter outside this feature.
        await citizen.press("privacy:erase", delivered=False)
        assert await _count(console, Handoff) == 0 and await _count(console, HandoffMessage) == 0
        assert await _count(console, Outbox, Outbox.text == privacy_texts.ERASED) == 1
        gone = await client.get("/staff/handoff/1")
        assert gone.status_code == 404
    assert await _count(console, Conversation) == 0


async def test_a_reply_without_the_csrf_token_is_refused(console: Console) -> None:
    async with console.client() as client:
        await _taken(console, client, 8106)
        refused = await client.post("/staff/handoff/1/reply", data={"nonce": "x", "text": "Chào Anh/Chị"})
        assert refused.status_code == 403
    assert await _count(console, HandoffMessage, HandoffMessage.author == "clerk") == 0


def test_working_hours_from_the_settings() -> None:
    s = HandoffSettings(holidays=[dt.date(2026, 12, 1)])
    monday = dt.datetime(2026, 11, 30, 8, 0)
    assert s.open_at(monday) and not s.open_at(monday.replace(hour=12))  # the lunch break
    assert s.open_at(monday.replace(hour=13, minute=30))
    assert not s.open_at(monday.replace(hour=17)) and not s.open_at(monday + dt.timedelta(days=1))  # a holiday
    assert not s.open_at(monday - dt.timedelta(days=1))  # Sunday
