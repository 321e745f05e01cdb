"""The survey through the real NLU server and in degraded mode (NLU unreachable)."""

from __future__ import annotations

import pytest
from survey_fixtures import CODE, say, survey_record

from bot.app import Services
from bot.core.dialogue import DEGRADED_NOTE
from bot.core.messages import Incoming
from bot.features.dossiers import texts as dossier_texts
from bot.features.dossiers.importer import import_records
from bot.features.surveys import texts


@pytest.fixture(autouse=True)
def _hash_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSSIER_HASH_KEY", "test-survey-hash-key-0123456789")


async def _scenario(services: Services) -> None:
    """Rate by code, change an answer, wander off to a procedure question, come back, submit."""
    await import_records(services.dossiers, services.sessions, [survey_record(status=10)], "import", "test")
    assert (await say(services, f"tôi muốn đánh giá hồ sơ {CODE}")).text == dossier_texts.ask_digits(CODE)
    consent = await say(services, "9753")
    assert consent.buttons[0].label == texts.CONSENT_YES
    assert (await say(services, "đồng ý")).text.startswith("Câu 1/8")
    assert (await say(services, "hài lòng")).text.startswith("Câu 2/8")
    back = await say(services, "quay lại")
    assert back.text.startswith("Câu 1/8") and "(Anh/Chị đã trả lời: Hài lòng)" in back.text
    assert (await say(services, "rất hài lòng")).text.startswith("Câu 2/8")
    fee = await say(services, "lệ phí đăng ký khai sinh bao nhiêu")
    assert "Câu" not in fee.text and "phí" in fee.text.lower()
    resumed = await say(services, "đánh giá")
    assert resumed.text.startswith(texts.resuming(CODE)) and "Câu 2/8" in resumed.text
    for answer in ("4", "5", "4", "5", "chưa góp ý", "1", "bỏ qua"):
        reply = await say(services, answer)
    assert reply.text.startswith(texts.REVIEW_HEAD)
    assert "em đã ghi nhận đánh giá" in (await say(services, "gửi")).text
    assert (await say(services, f"đánh giá hồ sơ {CODE}")).text == texts.already_rated(CODE)
    assert (await say(services, "tôi muốn gửi phản ánh")).text == texts.ASK_FEEDBACK


@pytest.mark.nlu
async def test_survey_through_the_nlu(services: Services) -> None:
    await _scenario(services)
    results = await say(services, "/ketqua")
    assert "SIPAS" in results.text


async def test_survey_in_degraded_mode(offline_services: Services) -> None:
    await _scenario(offline_services)
    [reply] = await offline_services.turns.run(Incoming("test", "citizen", "đánh giá"))
    assert reply.text.startswith(DEGRADED_NOTE)  # the citizen is told, and the survey still works
