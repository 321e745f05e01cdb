"""Logs: JSON lines or text, and no personal data or secret in any record that reaches the log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from bot.ops.logs import mask, setup_logging

TOKEN_URL = "https://api.telegram.org/bot7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"
SECRETS = ["0912345678", "0912 345 678", "+84912345678", "001090012345", "123456789", "nguyen.van.an@gmail.com",
           "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "261120-0031", "s3cr3t-nlu-token", "1234567890123456789"]


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The root logger writing to a buffer through our handler; the previous setup restored after."""
    root, httpx_log = logging.getLogger(), logging.getLogger("httpx")
    saved = (list(root.handlers), root.level, httpx_log.level)
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    httpx_log.setLevel(saved[2])


def _log_everything() -> None:
    log = logging.getLogger("bot.test")
    log.warning("citizen phone %s, also %s and %s", "0912345678", "0912 345 678", "+84912345678")
    log.warning("CCCD 001090012345, CMND 123456789, e-mail nguyen.van.an@gmail.com")
    log.warning("dossier %s checked by telegram:%s", "000.00.27.H49-261120-0031", "1234567890123456789")
    log.info("zalo user_id=%s", "1234567890123456789", extra={"chat_id": "555123456", "attempt": 2})
    try:
        raise httpx.ConnectError(f"cannot reach {TOKEN_URL}")
    except httpx.ConnectError:
        log.exception("sender failed")
    # A library's own record: httpx logs each request URL, which carries the bot token.
    logging.getLogger("httpx").setLevel(logging.INFO)  # others may have quietened it
    with httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(200))) as client:
        client.post(TOKEN_URL)
        client.post("http://10.0.0.5:5005/model/parse?token=s3cr3t-nlu-token")


def test_json_lines_with_personal_data_masked(captured: io.StringIO) -> None:
    setup_logging(logging.INFO, "json", stream=captured)
    _log_everything()
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert len(lines) == 7
    for entry in lines:
        assert {"ts", "level", "logger", "msg"} <= entry.keys()
    text = captured.getvalue()
    for secret in SECRETS:
        assert secret not in text, secret
    phone, ids, dossier, labelled, failure, request, nlu = lines
    assert phone["msg"] == "citizen phone <phone …78>, also <phone …78> and <phone …78>"
    assert phone["level"] == "WARNING" and phone["logger"] == "bot.test"
    assert ids["msg"] == "CCCD <cccd>, CMND <cmnd>, e-mail n***@gmail.com"
    assert dossier["msg"] == "dossier 000.00.27.H49-261120-**** checked by telegram:****************789"
    assert labelled["msg"].endswith("789") and labelled["chat_id"] == "******456" and labelled["attempt"] == 2
    assert "bot<token>/sendMessage" in failure["exc"] and failure["level"] == "ERROR"
    assert request["logger"] == "httpx" and "/bot<token>/sendMessage" in request["msg"]
    assert "token=<secret>" in nlu["msg"]


def test_text_by_default_and_json_by_environment(captured: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TTHC_LOG_FORMAT", raising=False)
    setup_logging(logging.INFO, "text", stream=captured)
    logging.getLogger("bot.test").warning("call 0912345678")
    line = captured.getvalue().strip()
    assert line.endswith("WARNING bot.test: call <phone …78>") and not line.startswith("{")

    monkeypatch.setenv("TTHC_LOG_FORMAT", "json")
    json_stream = io.StringIO()
    setup_logging(logging.INFO, "text", stream=json_stream)  # the environment wins over config.yml
    logging.getLogger("bot.test").warning("call 0912345678")
    assert json.loads(json_stream.getvalue())["msg"] == "call <phone …78>"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("user clicked the button; zalo:webhook ok; event 12345 took 0.25s on 2026-11-28",
         "user clicked the button; zalo:webhook ok; event 12345 took 0.25s on 2026-11-28"),
        ("secret_key: abcDEF123 access_token=xyz.123", "secret_key: <secret> access_token=<secret>"),
        ("short code H49.27-261124-0145", "short code H49.27-261124-****"),
    ],
)
def test_ordinary_words_stay_and_the_rest_is_masked(line: str, expected: str) -> None:
    assert mask(line) == expected


@pytest.mark.parametrize("filler", ["a", "1", ".a", "user a", "a@b"])
def test_masking_a_huge_line_ends_and_still_masks(filler: str) -> None:
    """A 1 MB path or body in a log line: quadratic patterns would take many minutes (not a speed test)."""
    import threading

    line = "GET /" + filler * (1_000_000 // len(filler)) + " from nguyen.van.an@gmail.com"
    out: list[str] = []
    worker = threading.Thread(target=lambda: out.append(mask(line)), daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert out, "masking did not finish"
    assert out[0].endswith(" from n***@gmail.com")
