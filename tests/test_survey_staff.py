"""Staff commands in chat (refused to non-staff), the monthly index moving with a new response, /ketqua."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from survey_fixtures import STAFF, SClock, add_response, count, handover, say, subscribe, survey_record

from bot.app import Services
from bot.features.dossiers.importer import import_records
from bot.features.surveys.models import ExportAudit
from bot.features.surveys.staff import USAGE

STAFF_CHANNEL, STAFF_USER = STAFF.split(":")
HAPPY = {"danh_gia_chung": "very_satisfied", "tiep_can": "5", "thu_tuc": "4", "cong_chuc": "5", "ket_qua": "4",
         "phan_anh": "5", "cai_thien": "thoi_gian"}


async def staff(services: Services, text: str):  # type: ignore[no-untyped-def]
    return await say(services, text, user=STAFF_USER, channel=STAFF_CHANNEL)


@pytest.mark.parametrize("command", ["/baocao", "/xuatbaocao 2026-11-01 2026-11-30", "/XuatBaoCao"])
async def test_staff_commands_are_answered_as_citizen_messages_for_anyone_else(svc: Services, command: str) -> None:
    await add_response(svc, HAPPY)
    citizen = await say(svc, command, user="someone")
    same_chat_other_channel = await say(svc, command, user=STAFF_USER, channel="zalo")
    for reply in (citizen, same_chat_other_channel):
        assert reply.attachment is None
        assert "Báo cáo" not in reply.text and "phiếu" not in reply.text and "báo cáo" not in reply.text
    assert await count(svc, ExportAudit) == 0


async def test_baocao_shows_this_month_by_element_and_moves_with_a_new_response(svc: Services) -> None:
    await add_response(svc, HAPPY)
    await add_response(svc, {**HAPPY, "thu_tuc": "2", "danh_gia_chung": "dissatisfied"})
    before = await staff(svc, "/baocao")
    assert "Báo cáo chỉ số hài lòng tháng 11/2026" in before.text and "2 phiếu đã gửi" in before.text
    assert "• Thủ tục hành chính: 50,0 % (2 câu trả lời)" in before.text
    assert "• Chỉ số chung: 90,0 %" in before.text  # (100 + 50 + 100 + 100 + 100) / 5
    assert "Tỷ lệ hài lòng theo QĐ 766: 50,0 %" in before.text
    # A citizen completes a survey in chat: thủ tục 5 → 2 of 3 satisfied.
    await import_records(svc.dossiers, svc.sessions, [survey_record()], "import", "test")
    await subscribe(svc, "citizen")
    await handover(svc)
    await say(svc, "đánh giá")
    await say(svc, payload="survey:consent:yes")
    for answer in ("rất hài lòng", "5", "5", "5", "5", "5", "2", "bỏ qua", "gửi"):
        await say(svc, answer)
    after = await staff(svc, "/baocao")
    assert "3 phiếu đã gửi" in after.text and "• Thủ tục hành chính: 66,7 % (3 câu trả lời)" in after.text
    assert "• Chỉ số chung: 93,3 %" in after.text  # (100 + 66.7 + 100 + 100 + 100) / 5
    assert "Tỷ lệ hài lòng theo QĐ 766: 66,7 %" in after.text


async def test_xuatbaocao_sends_an_audited_xlsx(svc: Services) -> None:
    await add_response(svc, HAPPY)
    reply = await staff(svc, "/xuatbaocao 2026-11-01 30/11/2026")
    assert reply.attachment is not None and Path(reply.attachment).name in reply.text
    wb = load_workbook(reply.attachment)
    assert wb["Phiếu trả lời"].max_row == 2
    # Sent to a chat, so anonymous (review finding 3): no chat account, dossier code or response id.
    header = [c.value for c in wb["Phiếu trả lời"][1]]
    assert "Tài khoản chat" not in header and "Mã hồ sơ" not in header and "Mã phiếu" not in header
    async with svc.sessions() as session:
        from sqlalchemy import select

        [audit] = (await session.execute(select(ExportAudit))).scalars().all()
    assert (audit.actor, audit.via, audit.rows) == (STAFF, "chat", 1)
    assert audit.filters["from"] == "2026-11-01" and audit.filters["to"] == "2026-11-30"
    assert (await staff(svc, "/xuatbaocao 2026-11-31 2026-12-01")).text == USAGE
    assert "phải sau" in (await staff(svc, "/xuatbaocao 2026-11-30 2026-11-01")).text


async def test_ketqua_publishes_only_submitted_responses_above_the_minimum(svc: Services, sclock: SClock) -> None:
    # The fixture's minimum is 3 responses.
    for _ in range(2):
        await add_response(svc, HAPPY)
    for _ in range(5):
        await add_response(svc, HAPPY, submitted=None)  # drafts never count
    few = await say(svc, "/ketqua")
    assert "SIPAS" in few.text and "chưa nhận đủ 3 phiếu" in few.text and "%" not in few.text
    await add_response(svc, {**HAPPY, "phan_anh": "na"})
    published = await say(svc, "/ketqua")
    assert "quý IV/2026" in published.text and "3 phiếu" in published.text
    assert "• Tiếp cận dịch vụ: 100,0 %" in published.text
    # phan_anh has only 2 counted answers: below the minimum, it is not published.
    assert "• Tiếp nhận, xử lý phản ánh, kiến nghị: chưa đủ phiếu để công bố" in published.text
    # The menu entry leads there too.
    menu = await say(svc, payload="m:rate_service")
    assert (await say(svc, payload=menu.buttons[0].payload)).text == published.text
