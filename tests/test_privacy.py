"""A citizen's test journey through the real dialogue, then /dulieu and /xoadulieu (SQLite and PostgreSQL).

The chat looks a dossier up (one wrong try), follows it, rates it after hand-over,
starts rating a second one, files a complaint and asks about a procedure; /dulieu
must list each of those, and after /xoadulieu no column of any table may hold the
chat's id, while the submitted answers stay (anonymous) and another chat keeps all.
"""

from __future__ import annotations

import re

from sqlalchemy import inspect, select, text
from survey_fixtures import CODE, count, handover, say, survey_record

from bot.app import Services
from bot.features.dossiers import texts as dossier_texts
from bot.features.dossiers.importer import import_records
from bot.features.dossiers.models import DossierSubscription
from bot.features.privacy import texts
from bot.features.surveys import texts as survey_texts
from bot.features.surveys.models import FeedbackTicket, SurveyAnswer, SurveyResponse
from bot.pipeline.inbox import InboundEvent, Inbox
from bot.storage.models import Conversation

USER = "citizen-privacy-4417"
OTHER = "citizen-other-8820"
CODE2 = "000.21.27.H49-261124-0007"


async def _rate(services: Services, user: str) -> None:
    """Consent given, all eight questions answered, submitted."""
    assert (await say(services, "đồng ý", user)).text.startswith("Câu 1/8")
    for answer in ("hài lòng", "4", "5", "4", "5", "chưa góp ý", "1", "bỏ qua"):
        reply = await say(services, answer, user)
    assert reply.text.startswith(survey_texts.REVIEW_HEAD)
    assert "em đã ghi nhận đánh giá" in (await say(services, "gửi", user)).text


async def _journey(services: Services) -> str:
    """Everything a citizen can leave behind; the complaint's tracking code."""
    await import_records(services.dossiers, services.sessions, [
        survey_record(), survey_record(CODE2, status=10, last4="1357"),
    ], "import", "test")
    assert (await say(services, f"tra cứu hồ sơ {CODE}", USER)).text == dossier_texts.ask_digits(CODE)
    assert (await say(services, "1111", USER)).text == dossier_texts.NOT_MATCHED
    status = await say(services, "9753", USER)
    assert status.buttons[0].label == dossier_texts.SUBSCRIBE_BUTTON
    assert (await say(services, "1", USER)).text == dossier_texts.subscribed(CODE)
    await handover(services)  # status 10: a notification and a survey invitation for this chat
    consent = await say(services, f"đánh giá hồ sơ {CODE}", USER)  # already verified: straight to consent
    assert consent.buttons[0].label == survey_texts.CONSENT_YES
    await _rate(services, USER)
    assert (await say(services, f"đánh giá hồ sơ {CODE2}", USER)).text == dossier_texts.ask_digits(CODE2)
    await say(services, "1357", USER)
    assert (await say(services, "đồng ý", USER)).text.startswith("Câu 1/8")
    assert (await say(services, "hài lòng", USER)).text.startswith("Câu 2/8")
    assert (await say(services, "tạm dừng", USER)).text == survey_texts.PAUSED
    complaint = "tôi muốn phản ánh cán bộ hướng dẫn chưa rõ giấy tờ cần nộp"
    assert (await say(services, complaint, USER)).buttons[0].label == survey_texts.FEEDBACK_SEND
    opened = await say(services, "1", USER)
    match = re.search(r"PA-\d{6}-[0-9A-Z]{4}", opened.text)
    assert match, opened.text
    assert "phí" in (await say(services, "lệ phí đăng ký khai sinh", USER)).text.lower()
    # A message that came through a webhook: its inbox row is kept a while to recognise resends.
    inbox = Inbox(services.sessions)
    assert await inbox.accept(InboundEvent("test", "upd-1", USER, "xin chào"))
    [event] = await inbox.claim(1)
    async with services.sessions() as session, session.begin():
        assert await inbox.mark_done(session, event)
    return match.group(0)


async def _rows_naming(services: Services, needle: str) -> list[str]:
    """Every table, every column: "table.column" of each value that contains ``needle``."""
    hits: list[str] = []
    async with services.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: {t: [col["name"] for col in inspect(c).get_columns(t)]
                                                for t in inspect(c).get_table_names()})
        for table, columns in tables.items():
            for row in (await conn.execute(text(f'SELECT * FROM "{table}"'))).mappings():
                hits += [f"{table}.{col}" for col in columns if needle in str(row[col])]
    return hits


async def test_dulieu_lists_the_journey_and_xoadulieu_leaves_nothing_linked(svc: Services) -> None:
    ticket = await _journey(svc)
    await say(svc, "tôi muốn phản ánh thời gian chờ ở quầy số ba quá lâu", OTHER)
    await say(svc, "1", OTHER)
    assert await _rows_naming(svc, USER)  # the journey did leave data behind
    answers = await count(svc, SurveyAnswer)

    shown = (await say(svc, "/dulieu", USER)).text
    for expected in (
        f"Nhận thông báo về hồ sơ {CODE}", f"Tham gia khảo sát hài lòng về hồ sơ {CODE}",
        f"Tham gia khảo sát hài lòng về hồ sơ {CODE2}", f"Hồ sơ {CODE}: đã gửi",
        f"Hồ sơ {CODE2}: đang làm dở, đã trả lời 1 câu", "1 lời mời đánh giá", ticket,
        "1 lần tra cứu hồ sơ chưa khớp", "tin nhắn đang chờ gửi", "1 tin nhắn đã nhận",
        "Thủ tục hỏi gần nhất: ", "/xoadulieu",
    ):
        assert expected in shown, (expected, shown)
    assert (await say(svc, "xem dữ liệu của tôi", USER)).text == shown  # natural wording, same answer
    assert ticket not in (await say(svc, "/dulieu", OTHER)).text  # only one's own data

    confirm = await say(svc, "/xoadulieu", USER)
    assert confirm.text == texts.CONFIRM
    assert [b.label for b in confirm.buttons] == [texts.ERASE_BUTTON, texts.CANCEL_BUTTON]
    assert (await say(svc, "2", USER)).text == texts.CANCELLED  # typed "2": Huỷ
    assert await count(svc, DossierSubscription, DossierSubscription.user_id == USER) == 1
    # An old "Xoá" button, pressed after the cancellation, erases nothing.
    assert (await say(svc, payload="privacy:erase", user=USER)).text == texts.ASK_AGAIN
    await say(svc, "/xoadulieu", USER)
    assert (await say(svc, "1", USER)).text == texts.ERASED  # typed "1": Xoá

    assert await _rows_naming(svc, USER) == []
    # The submitted answers stay for the statistics, unlinked; the complaint stays without the citizen's words.
    async with svc.sessions() as session:
        [response] = (await session.execute(select(SurveyResponse))).scalars().all()
        assert response.submitted_at is not None and (response.channel, response.user_id) == (None, None)
        assert response.dossier_code is None and response.consent_id is None
        mine = (await session.execute(
            select(FeedbackTicket).where(FeedbackTicket.tracking_code == ticket))).scalar_one()
        assert mine.user_id is None and mine.text is None
    # Only the paused draft's single answer went with it.
    assert await count(svc, SurveyAnswer, SurveyAnswer.response_id == response.id) == answers - 1 >= 7
    # The other chat keeps everything.
    assert await count(svc, FeedbackTicket, FeedbackTicket.user_id == OTHER) == 1
    assert await count(svc, Conversation, Conversation.user_id == OTHER) == 1
    # Only the failed lookup stays, under a keyed name, until its window ends: erasing resets no limit.
    after = (await say(svc, "/dulieu", USER)).text
    assert "1 lần tra cứu hồ sơ chưa khớp" in after and CODE not in after and ticket not in after


async def test_a_command_interrupts_a_step_waiting_for_digits(svc: Services) -> None:
    await import_records(svc.dossiers, svc.sessions, [survey_record()], "import", "test")
    assert (await say(svc, f"tra cứu hồ sơ {CODE}", USER)).text == dossier_texts.ask_digits(CODE)
    assert (await say(svc, "/dulieu", USER)).text == texts.NOTHING_HELD
    # The lookup was left: the right four digits now are not taken as the answer to it.
    after = await say(svc, "9753", USER)
    assert all(b.label != dossier_texts.SUBSCRIBE_BUTTON for b in after.buttons)
