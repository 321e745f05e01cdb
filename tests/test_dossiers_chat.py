"""The lookup in chat (keyword mode and through the real NLU): steps, wording, subscription."""

from __future__ import annotations

import datetime as dt

import pytest
from dossier_fixtures import Clock, chat, load, record
from sqlalchemy import select

from bot.app import Services
from bot.features.dossiers import texts
from bot.features.dossiers.fields import STATUS_LABELS
from bot.features.dossiers.models import DossierSubscription

CODE = "000.00.27.H49-261120-0031"
LAND = "Cấp đổi Giấy chứng nhận quyền sử dụng đất"


async def _consents(services: Services) -> list[DossierSubscription]:
    async with services.sessions() as session:
        return list((await session.execute(select(DossierSubscription).order_by(DossierSubscription.id))).scalars())


async def test_lookup_asks_for_the_code_then_the_digits_then_tells_the_status(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789"))
    assert (await chat(dsvc, "tôi muốn tra cứu hồ sơ")).text.endswith(texts.ASK_CODE)
    asked = await chat(dsvc, CODE.lower())
    assert asked.text.endswith(texts.ask_digits(CODE)) and LAND not in asked.text
    assert (await chat(dsvc, "12")).text == texts.DIGITS_FORMAT
    assert (await chat(dsvc, "1234")).text == texts.NOT_MATCHED
    status = await chat(dsvc, "67 89")
    for part in ("N****n V*n A", LAND, "Đang xử lý", "Ngày hẹn trả kết quả: 04/12/2026", "Việc cần làm",
                 "Ngày tiếp nhận: 20/11/2026", "nhắn tin khi hồ sơ có thay đổi"):
        assert part in status.text
    assert "xin lỗi" not in status.text
    assert [b.payload for b in status.buttons] == ["dossier:sub", "dossier:new"]


async def test_a_late_dossier_says_the_centre_owes_an_apology_and_a_new_date(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789", appointment_at=dt.datetime(2026, 11, 25, 16)))
    await chat(dsvc, f"hồ sơ {CODE} xong chưa")
    reply = await chat(dsvc, "6789")
    assert "quá ngày hẹn" in reply.text and "phiếu xin lỗi và hẹn lại ngày trả kết quả" in reply.text
    assert dsvc.office.hotline in reply.text


async def test_finished_and_closed_dossiers(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789", status=10, completed_at=dt.datetime(2026, 12, 5, 9)))
    await chat(dsvc, f"tra cứu {CODE}")
    reply = await chat(dsvc, "6789")
    assert "Đã trả kết quả" in reply.text and "Ngày giải quyết xong: 05/12/2026 (trễ hạn)" in reply.text
    assert [b.payload for b in reply.buttons] == ["dossier:new"]  # nothing left to follow


@pytest.mark.parametrize("status", range(1, 11))
async def test_every_status_is_explained_with_a_next_step(dsvc: Services, status: int) -> None:
    await load(dsvc, record(CODE, "6789", status=status, completed_at=dt.datetime(2026, 11, 27, 9)))
    await chat(dsvc, f"tra cứu {CODE}")
    reply = await chat(dsvc, "6789")
    assert f"Trạng thái: {STATUS_LABELS[status]}." in reply.text and "Việc cần làm: " in reply.text
    assert "{" not in reply.text


async def test_subscribe_records_consent_and_hủy_theo_dõi_revokes_it(dsvc: Services, clock: Clock) -> None:
    await load(dsvc, record(CODE, "6789"))
    await chat(dsvc, f"tra cứu hồ sơ {CODE}")
    await chat(dsvc, "6789")
    assert (await chat(dsvc, "có ạ")).text.endswith(texts.subscribed(CODE))
    [consent] = await _consents(dsvc)
    assert (consent.channel, consent.user_id, consent.text_version) == ("test", "citizen", texts.CONSENT_VERSION)
    assert consent.purpose == texts.consent_purpose(CODE) and consent.revoked_at is None
    assert consent.granted_at is not None
    # Looking it up again shows it is followed, and offers to stop.
    await chat(dsvc, f"tra cứu hồ sơ {CODE}")
    again = await chat(dsvc, "6789")
    assert "đang nhận thông báo" in again.text and again.buttons[0].label == texts.UNSUBSCRIBE_BUTTON
    await chat(dsvc, "lệ phí đăng ký kết hôn")  # the chat moves on; the command still works later
    clock.advance(days=3)
    assert (await chat(dsvc, "Hủy theo dõi")).text.endswith(texts.unsubscribed([CODE]))
    [consent] = await _consents(dsvc)
    assert consent.revoked_at is not None
    assert (await chat(dsvc, "huy theo doi")).text.endswith(texts.NOT_SUBSCRIBED)


async def test_consent_is_only_taken_right_after_verification(dsvc: Services, clock: Clock) -> None:
    await load(dsvc, record(CODE, "6789"))
    assert (await chat(dsvc, "", payload="dossier:sub")).text == texts.SUBSCRIBE_EXPIRED  # never verified
    await chat(dsvc, f"tra cứu hồ sơ {CODE}")
    await chat(dsvc, "6789")
    clock.advance(minutes=31)
    assert (await chat(dsvc, "", payload="dossier:sub")).text == texts.SUBSCRIBE_EXPIRED
    assert await _consents(dsvc) == []


async def test_the_notification_button_unsubscribes_at_any_time(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789"))
    await chat(dsvc, f"tra cứu hồ sơ {CODE}")
    await chat(dsvc, "6789")
    done = await chat(dsvc, "", payload="dossier:sub")
    await chat(dsvc, "cảm ơn em")
    reply = await chat(dsvc, "", payload=done.buttons[0].payload)
    assert reply.text == texts.unsubscribed([CODE])


async def test_leaving_the_lookup(dsvc: Services) -> None:
    await chat(dsvc, "tra cứu hồ sơ")
    assert (await chat(dsvc, "thôi")).text.endswith(texts.STOPPED)
    await chat(dsvc, f"tra cứu hồ sơ {CODE}")
    office = await chat(dsvc, "trung tâm làm việc mấy giờ")  # another question: answered, lookup dropped
    assert "Giờ làm việc" in office.text or "giờ" in office.text
    assert (await chat(dsvc, "1234")).text != texts.NOT_MATCHED
    menu = await chat(dsvc, "", payload="m:check_dossier_status")
    assert menu.text == texts.ASK_CODE
    assert (await chat(dsvc, "", payload="dossier:new")).text == texts.ASK_CODE


@pytest.mark.nlu
async def test_through_the_real_nlu(services: Services) -> None:
    await load(services, record(CODE, "6789"))
    asked = await chat(services, "cho em kiểm tra tình trạng hồ sơ với")
    assert asked.text == texts.ASK_CODE
    assert (await chat(services, f"mã hồ sơ {CODE.lower()} ạ")).text == texts.ask_digits(CODE)
    assert (await chat(services, "6789")).text.startswith(f"Dạ, thông tin hồ sơ {CODE}")
    assert (await chat(services, "đồng ý")).text == texts.subscribed(CODE)
    assert (await chat(services, "ho so H49.27-251120-0031 den dau roi")).text == texts.ask_digits(
        "H49.27-251120-0031"
    )
    assert (await chat(services, "hủy theo dõi")).text == texts.unsubscribed([CODE])
