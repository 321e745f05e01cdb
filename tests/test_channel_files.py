"""Files and unsolicited buttons on Telegram, through the real client code and the fake Bot API.

Staff asking "/xuatbaocao" get an immediate answer, then the XLSX as a document made in
the background; anyone else never gets a file. Buttons of a message the assistant sent on
its own (a survey invitation) are picked by a typed number.
"""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import httpx
import pytest
from fakes.assistant import channel_settings, serving, sqlite_url
from fakes.http import free_port, wait_for
from fakes.telegram import FakeTelegram, Sent, text_update
from fakes.zalo import FakeZaloBot, FakeZaloOA, bot_text_update, oa_text_event
from openpyxl import load_workbook
from survey_fixtures import add_response, handover, subscribe, survey_record

from bot.app import Services, build_services
from bot.config import Settings
from bot.features.dossiers.importer import import_records
from bot.storage.models import ExportJob

STAFF_CHAT, CITIZEN = 5100000001, 5100000002
HAPPY = {"danh_gia_chung": "very_satisfied", "tiep_can": "5", "thu_tuc": "4", "cong_chuc": "5", "ket_qua": "4",
         "phan_anh": "5", "cai_thien": "thoi_gian"}
_ids = itertools.count(700_000)


@pytest.fixture
def settings(tmp_path: Path, fake_tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DOSSIER_HASH_KEY", "test-files-hash-key-0123456789")
    base = channel_settings(sqlite_url(tmp_path), free_port(), telegram=fake_tg)
    surveys = base.surveys.model_copy(update={"exports_dir": tmp_path / "exports"})
    return base.model_copy(update={"staff": [f"telegram:{STAFF_CHAT}"], "surveys": surveys})


async def say(fake: FakeTelegram, client: httpx.AsyncClient, chat: int, words: str) -> None:
    response = await fake.deliver(client, text_update(next(_ids), chat, words))
    assert response.status_code == 200, response.text


def documents(fake: FakeTelegram, chat: int) -> list[Sent]:
    return [s for s in fake.messages_to(chat) if s.document is not None]


async def test_staff_get_the_xlsx_as_a_document_and_citizens_never_do(
    offline_services: Services, fake_tg: FakeTelegram, client: httpx.AsyncClient
) -> None:
    await add_response(offline_services, HAPPY)
    async with serving(offline_services) as served:
        await say(fake_tg, client, STAFF_CHAT, "/xuatbaocao 2026-11-01 2026-11-30")
        await wait_for(lambda: bool(documents(fake_tg, STAFF_CHAT)), what="the report document")
        await say(fake_tg, client, CITIZEN, "/xuatbaocao 2026-11-01 2026-11-30")
        await served.settled()
        assert await served.count(ExportJob, status="done") == 1

    first, doc = fake_tg.messages_to(STAFF_CHAT)
    assert "báo cáo đang được tạo" in first.text and first.document is None  # answered at once
    assert doc.document is not None
    name, content = doc.document
    assert name.endswith(".xlsx") and name in doc.text and "1 phiếu" in doc.text
    workbook = load_workbook(io.BytesIO(content))
    assert workbook["Phiếu trả lời"].max_row == 2  # the header and the one response
    # The citizen is answered as a citizen: no file, no job, nothing about reports.
    to_citizen = fake_tg.messages_to(CITIZEN)
    assert to_citizen and not documents(fake_tg, CITIZEN)
    assert all("báo cáo" not in s.text.lower() for s in to_citizen)
    assert len(fake_tg.calls_of("sendDocument")) == 1


async def test_an_export_queued_before_a_restart_is_still_delivered(
    offline_services: Services, fake_tg: FakeTelegram
) -> None:
    async with offline_services.sessions() as session, session.begin():  # asked, then the process died
        session.add(ExportJob(channel="telegram", user_id=str(STAFF_CHAT),
                              filters={"from": "2026-11-01", "to": "2026-11-30"}, status="running"))
    async with serving(offline_services):
        await wait_for(lambda: bool(documents(fake_tg, STAFF_CHAT)), what="the report document")
    [doc] = fake_tg.messages_to(STAFF_CHAT)
    assert doc.document is not None and doc.document[0].endswith(".xlsx") and "0 phiếu" in doc.text


async def test_a_typed_number_picks_a_button_of_a_survey_invitation(
    offline_services: Services, fake_tg: FakeTelegram, client: httpx.AsyncClient
) -> None:
    services = offline_services
    assert (await import_records(services.dossiers, services.sessions, [survey_record()], "import", "t")).ok
    await subscribe(services, str(CITIZEN), channel="telegram")
    async with serving(services) as served:
        await handover(services)  # the result is handed over: the invitation goes out on its own
        await served.settled()  # the status notification, then the invitation
        invitation = fake_tg.messages_to(CITIZEN)[-1]
        assert [label for label, _ in invitation.buttons] == ["Đánh giá ngay", "Không, cảm ơn"]
        await say(fake_tg, client, CITIZEN, "1")
        await served.settled()
    consent = fake_tg.messages_to(CITIZEN)[-1]
    assert any(payload.startswith("survey:consent:") for _, payload in consent.buttons), consent


ZALO_USER = "8390000000000000077"


def staff_settings(tmp_path: Path, **fakes: object) -> Settings:
    base = channel_settings(sqlite_url(tmp_path), free_port(), **fakes)  # type: ignore[arg-type]
    surveys = base.surveys.model_copy(update={"exports_dir": tmp_path / "exports"})
    return base.model_copy(update={"staff": [f"zalo:{ZALO_USER}", f"zalo_bot:{ZALO_USER}"], "surveys": surveys})


@pytest.mark.parametrize("file_types", [["pdf", "doc", "docx"], ["xlsx"]], ids=["zalo-default", "xlsx-allowed"])
async def test_zalo_oa_uploads_the_file_only_when_zalo_takes_its_type(
    tmp_path: Path, knowledge: dict, resolver: object, client: httpx.AsyncClient, file_types: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOSSIER_HASH_KEY", "test-files-hash-key-0123456789")
    fake = FakeZaloOA().start()
    try:
        settings = staff_settings(tmp_path, zalo_oa=fake)
        oa = settings.channels.zalo_oa.model_copy(update={"file_types": file_types})
        settings = settings.model_copy(update={"channels": settings.channels.model_copy(update={"zalo_oa": oa})})
        services = build_services(settings, ["http://127.0.0.1:9"], None, procedures=knowledge,
                                  resolver=resolver)  # type: ignore[arg-type]
        try:
            async with serving(services) as served:
                event = oa_text_event(ZALO_USER, "msg-file-1", "/xuatbaocao 2026-11-01 2026-11-30")
                assert (await fake.deliver(client, f"{served.url}/zalo/webhook", event)).status_code == 200
                await wait_for(lambda: len(fake.messages_to(ZALO_USER)) >= (3 if "xlsx" in file_types else 2),
                               what="the report")
                await served.settled()
        finally:
            await services.aclose()
    finally:
        fake.stop()
    sent = fake.messages_to(ZALO_USER)
    assert "báo cáo đang được tạo" in sent[0].text
    if "xlsx" in file_types:
        assert sent[-1].file is not None and sent[-1].file[0].endswith(".xlsx") and sent[-1].file[1]
        assert "0 phiếu" in sent[-2].text
    else:
        assert all(s.file is None for s in sent) and not fake.uploads
        assert "chưa gửi được file" in sent[-1].text and ".xlsx" in sent[-1].text


async def test_zalo_bot_says_where_the_file_is(
    tmp_path: Path, knowledge: dict, resolver: object, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_HASH_KEY", "test-files-hash-key-0123456789")
    fake = FakeZaloBot().start()
    try:
        services = build_services(staff_settings(tmp_path, zalo_bot=fake), ["http://127.0.0.1:9"], None,
                                  procedures=knowledge, resolver=resolver)  # type: ignore[arg-type]
        try:
            async with serving(services) as served:
                update = bot_text_update(ZALO_USER, "m-file-1", "/xuatbaocao 2026-11-01 2026-11-30")
                assert (await fake.deliver(client, update)).status_code == 200
                await wait_for(lambda: len(fake.messages_to(ZALO_USER)) >= 2, what="the report")
                await served.settled()
        finally:
            await services.aclose()
    finally:
        fake.stop()
    being_made, report = fake.messages_to(ZALO_USER)
    assert "báo cáo đang được tạo" in being_made
    assert "0 phiếu" in report and "chưa gửi được file" in report and ".xlsx" in report
