"""The survey in chat (keyword mode, SQLite and PostgreSQL): invitation, consent, answers, back, restart, submit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from survey_fixtures import CODE, SClock, build, count, handover, say, subscribe, survey_record

from bot.app import Services
from bot.features.dossiers import texts as dossier_texts
from bot.features.dossiers.importer import import_records
from bot.features.surveys import texts
from bot.features.surveys.models import SurveyAnswer, SurveyConsent, SurveyInvitation, SurveyResponse
from bot.storage.models import Conversation, Outbox
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure


async def _invited(services: Services, user: str = "citizen") -> Outbox:
    await import_records(services.dossiers, services.sessions, [survey_record()], "import", "test")
    await subscribe(services, user)
    await handover(services)
    async with services.sessions() as session:
        rows = (await session.execute(select(Outbox).where(Outbox.dedupe_key.like("survey:%")))).scalars().all()
    assert len(rows) == 1
    return rows[0]


async def _answers(services: Services) -> dict[str, str]:
    async with services.sessions() as session:
        rows = await session.execute(select(SurveyAnswer.question_id, SurveyAnswer.value))
        return dict(rows.tuples().all())


async def test_invitation_consent_back_restart_submit_and_a_second_attempt(
    svc: Services, survey_db: str, sclock: SClock, knowledge: dict[str, Procedure], resolver: Resolver,
    tmp_path: Path,
) -> None:
    invitation = await _invited(svc)
    assert CODE in invitation.text and (invitation.channel, invitation.user_id) == ("test", "citizen")
    start_payload = invitation.buttons[0][1]
    # The same status arriving again, or 10 → 9 → 10, invites nobody twice.
    await handover(svc)
    await import_records(svc.dossiers, svc.sessions, [survey_record(status=9)], "import", "test")
    await handover(svc)
    assert await count(svc, Outbox, Outbox.dedupe_key.like("survey:%")) == 1

    consent = await say(svc, payload=start_payload)
    assert "8 câu" in consent.text and "365 ngày" in consent.text and CODE in consent.text
    assert [b.label for b in consent.buttons] == [texts.CONSENT_YES, texts.CONSENT_NO]
    q1 = await say(svc, payload="survey:consent:yes")
    assert q1.text.startswith("Câu 1/8: ") and [b.label for b in q1.buttons] == [
        "Rất hài lòng", "Hài lòng", "Không hài lòng"]
    q2 = await say(svc, payload=q1.buttons[1].payload)  # Hài lòng
    assert q2.text.startswith("Câu 2/8: ") and q2.buttons[-1].label == texts.BACK
    assert (await say(svc, "4")).text.startswith("Câu 3/8: ")  # a typed number picks the 4th button
    back = await say(svc, "quay lại")
    assert back.text.startswith("Câu 2/8: ") and "(Anh/Chị đã trả lời: Hài lòng)" in back.text
    assert (await say(svc, "rất hài lòng")).text.startswith("Câu 3/8: ")  # the label works too
    assert await _answers(svc) == {"danh_gia_chung": "satisfied", "tiep_can": "5"}

    # Restart: a new process (new engine, new services) on the same database.
    await svc.aclose()
    again = build(survey_db, sclock, knowledge, resolver, tmp_path)
    try:
        resumed = await say(again, "đánh giá")
        assert resumed.text.startswith(texts.resuming(CODE)) and "Câu 3/8: " in resumed.text
        assert (await say(again, "4")).text.startswith("Câu 4/8: ")
        for answer in ("5", "4", "na", "2"):
            reply = await say(again, answer) if answer != "na" else await say(again, "chưa góp ý")
        assert reply.text.startswith("Câu 8/8: ")
        review = await say(again, payload=reply.buttons[0].payload)  # Bỏ qua the comment
        assert review.text.startswith(texts.REVIEW_HEAD) and "8. Góp ý thêm: (bỏ qua)" in review.text
        thanks = await say(again, payload=review.buttons[0].payload)
        assert "em đã ghi nhận đánh giá" in thanks.text and CODE in thanks.text
        assert (await say(again, payload=review.buttons[0].payload)).text == texts.ALREADY_SUBMITTED
        async with again.sessions() as session:
            [response] = (await session.execute(select(SurveyResponse))).scalars().all()
            [consent_row] = (await session.execute(select(SurveyConsent))).scalars().all()
        assert response.submitted_at is not None and response.position == 8 and response.via == "test"
        assert (consent_row.channel, consent_row.user_id, consent_row.text_version) == ("test", "citizen",
                                                                                       "sipas-short-v1")
        assert CODE in consent_row.purpose and consent_row.granted_at is not None
        assert await _answers(again) == {
            "danh_gia_chung": "satisfied", "tiep_can": "5", "thu_tuc": "4", "cong_chuc": "5", "ket_qua": "4",
            "phan_anh": "na", "cai_thien": "thu_tuc",
        }
        # A second attempt, by code, is refused politely; so is the old invitation button.
        assert (await say(again, f"đánh giá hồ sơ {CODE}")).text == texts.already_rated(CODE)
        assert (await say(again, payload=start_payload)).text == texts.already_rated(CODE)
    finally:
        await again.aclose()


async def test_no_answer_to_the_consent_question_means_no_survey(svc: Services) -> None:
    invitation = await _invited(svc)
    await say(svc, payload=invitation.buttons[0][1])
    office = await say(svc, "giờ làm việc của trung tâm")
    assert "Câu 1" not in office.text
    assert await count(svc, SurveyResponse) == 0 and await count(svc, SurveyConsent) == 0
    async with svc.sessions() as session:
        conv = (await session.execute(select(Conversation))).scalars().one()
    assert "flow" not in (conv.pending or {})


async def test_declining_the_invitation_or_the_consent(svc: Services) -> None:
    invitation = await _invited(svc)
    assert (await say(svc, payload=invitation.buttons[1][1])).text == texts.INVITATION_DECLINED
    async with svc.sessions() as session:
        inv = (await session.execute(select(SurveyInvitation))).scalars().one()
    assert inv.declined_at is not None
    # Declined invitations are not offered again by "đánh giá"; the code still works.
    assert (await say(svc, "đánh giá")).text == texts.ASK_CODE
    await say(svc, CODE)
    assert (await say(svc, "không")).text == texts.CONSENT_DECLINED
    assert await count(svc, SurveyResponse) == 0


async def test_rating_by_code_takes_the_same_verification_as_a_lookup(svc: Services) -> None:
    await import_records(svc.dossiers, svc.sessions, [survey_record(status=10)], "import", "test")
    assert (await say(svc, f"đánh giá {CODE}", user="stranger")).text == dossier_texts.ask_digits(CODE)
    assert (await say(svc, "1234", user="stranger")).text == dossier_texts.NOT_MATCHED
    consent = await say(svc, "9753", user="stranger")
    assert consent.buttons[0].payload == "survey:consent:yes"


async def test_only_a_handed_over_dossier_can_be_rated(svc: Services) -> None:
    await import_records(svc.dossiers, svc.sessions, [survey_record(status=4)], "import", "test")
    await say(svc, f"đánh giá {CODE}")
    assert (await say(svc, "9753")).text == texts.not_handed_over(CODE, 4)


async def test_another_chat_is_told_the_dossier_was_already_rated(svc: Services) -> None:
    invitation = await _invited(svc)
    await say(svc, payload=invitation.buttons[0][1])
    await say(svc, payload="survey:consent:yes")
    for answer in ("1", "1", "1", "1", "1", "1", "1", "bỏ qua"):
        await say(svc, answer)
    await say(svc, "gửi")
    assert await count(svc, SurveyResponse, SurveyResponse.submitted_at.is_not(None)) == 1
    await say(svc, f"đánh giá {CODE}", user="spouse")
    assert (await say(svc, "9753", user="spouse")).text == texts.already_rated(CODE)


async def test_a_repeated_tap_stores_one_answer_and_an_old_button_changes_only_its_question(svc: Services) -> None:
    invitation = await _invited(svc)
    await say(svc, payload=invitation.buttons[0][1])
    q1 = await say(svc, payload="survey:consent:yes")
    tap = q1.buttons[0].payload
    q2 = await say(svc, payload=tap)
    again = await say(svc, payload=tap)  # the same tap delivered twice: acknowledged, nothing moves
    assert again.text == q2.text and await count(svc, SurveyAnswer) == 1
    changed = await say(svc, payload=q1.buttons[2].payload)  # an older button: changes Q1, stays at Q2
    assert changed.text.startswith("Câu 2/8") and (await _answers(svc))["danh_gia_chung"] == "dissatisfied"
    assert await count(svc, SurveyAnswer) == 1


async def test_a_button_of_someone_elses_survey_does_nothing(svc: Services) -> None:
    invitation = await _invited(svc)
    await say(svc, payload=invitation.buttons[0][1])
    q1 = await say(svc, payload="survey:consent:yes")
    assert (await say(svc, payload=q1.buttons[0].payload, user="intruder")).text == texts.STALE
    assert (await say(svc, payload=invitation.buttons[0][1], user="intruder")).text == texts.STALE
    assert await count(svc, SurveyAnswer) == 0


async def test_unhappy_answer_offers_a_ticket_with_a_tracking_code(svc: Services) -> None:
    from bot.features.surveys.models import FeedbackTicket

    invitation = await _invited(svc)
    await say(svc, payload=invitation.buttons[0][1])
    await say(svc, payload="survey:consent:yes")
    for answer in ("không hài lòng", "4", "1", "4", "4", "4", "2", "bỏ qua"):
        await say(svc, answer)
    done = await say(svc, payload=f"survey:submit:{await _response_id(svc)}")
    assert "Đánh giá chung (QĐ 766); Thủ tục hành chính" in done.text
    assert done.buttons[0].label == texts.FEEDBACK_BUTTON
    assert (await say(svc, payload=done.buttons[0].payload)).text == texts.ASK_TICKET_TEXT
    opened = await say(svc, "Tôi bị yêu cầu nộp thêm bản sao không có trong danh mục.")
    async with svc.sessions() as session:
        ticket = (await session.execute(select(FeedbackTicket))).scalars().one()
    assert opened.text == texts.ticket_opened(ticket.tracking_code) and ticket.tracking_code.startswith("PA-")
    assert ticket.source == "survey" and ticket.response_id is not None and ticket.dossier_id is not None
    assert ticket.topics == ["Đánh giá chung (QĐ 766): Không hài lòng", "Thủ tục hành chính: Rất không hài lòng"]


async def _response_id(services: Services) -> int:
    async with services.sessions() as session:
        return int((await session.execute(select(SurveyResponse.id))).scalar_one())


async def test_give_feedback_opens_a_ticket_after_confirmation(svc: Services) -> None:
    from bot.features.surveys.models import FeedbackTicket

    assert (await say(svc, "tôi muốn phản ánh")).text == texts.ASK_FEEDBACK
    shown = await say(svc, "Cán bộ quầy 3 hẹn trả kết quả nhưng đến nơi lại bảo chưa có")
    assert "Cán bộ quầy 3" in shown.text and shown.buttons[0].label == texts.FEEDBACK_SEND
    assert await count(svc, FeedbackTicket) == 0  # nothing filed before the citizen confirms
    opened = await say(svc, payload=shown.buttons[0].payload)
    async with svc.sessions() as session:
        ticket = (await session.execute(select(FeedbackTicket))).scalars().one()
    assert opened.text == texts.ticket_opened(ticket.tracking_code) and ticket.source == "chat"
    assert ticket.text == "Cán bộ quầy 3 hẹn trả kết quả nhưng đến nơi lại bảo chưa có"


async def test_pausing_and_asking_something_else_keeps_the_survey_for_later(svc: Services) -> None:
    invitation = await _invited(svc)
    await say(svc, payload=invitation.buttons[0][1])
    await say(svc, payload="survey:consent:yes")
    await say(svc, "1")
    assert (await say(svc, "tạm dừng")).text == texts.PAUSED
    other = await say(svc, "lệ phí đăng ký khai sinh")
    assert "Câu" not in other.text
    assert "Câu 2/8" in (await say(svc, payload="m:rate_service")).text
