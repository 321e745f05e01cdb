"""Codes and fields as the one-stop system and citizens write them; never a partial code."""

from __future__ import annotations

import datetime as dt

import pytest
from dossier_fixtures import chat, load, record

from bot.app import Services
from bot.features.dossiers.fields import (
    FieldError,
    mask_code,
    mask_name,
    parse_code,
    parse_datetime,
    parse_status,
    phone_last4,
    timeliness,
)

FULL = "000.00.27.H49-251120-0031"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (FULL, FULL),
        ("000.00.27.h49-251120-0031", FULL),
        (" 000.00.27.H49 - 251120 - 0031 ", FULL),
        ("000.00.27.H49–251120–0031", FULL),  # en dashes
        ("H49.27-251120-0031", "H49.27-251120-0031"),  # the short form is its own code
        ("h49.27 - 251120 - 0031", "H49.27-251120-0031"),
    ],
)
def test_whole_codes_parse_to_the_canonical_form(value: str, code: str) -> None:
    assert parse_code(value) == code


@pytest.mark.parametrize(
    "value",
    [
        "", "H49.27-251120", "251120-0031", "000.00.27.H49", "000.00.27.H49-251120-003",
        "000.00.27.H49-251120-00311", "mã 000.00.27.H49-251120-0031", f"{FULL} {FULL}", f"{FULL}x",
    ],
)
def test_anything_but_exactly_one_whole_code_is_refused(value: str) -> None:
    with pytest.raises(FieldError):
        parse_code(value)


@pytest.mark.parametrize(
    ("value", "number"),
    [(4, 4), ("4", 4), (9.0, 9), ("10", 10), ("Đang xử lý", 4), ("da xu ly xong", 9), ("ĐÃ TRẢ KẾT QUẢ", 10),
     ("Yêu cầu thực hiện nghĩa vụ tài chính", 6)],
)
def test_status_by_number_or_label(value: object, number: int) -> None:
    assert parse_status(value) == number


@pytest.mark.parametrize("value", [0, 11, "11", "xử lý", "", None, True, 4.5])
def test_bad_statuses_are_refused(value: object) -> None:
    with pytest.raises(FieldError):
        parse_status(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20", dt.datetime(2026, 11, 20)),
        ("2026-11-20 08:15", dt.datetime(2026, 11, 20, 8, 15)),
        ("2026-11-20T01:15:00Z", dt.datetime(2026, 11, 20, 8, 15)),  # UTC → Vietnam time
        ("2026-11-20T08:15:00+07:00", dt.datetime(2026, 11, 20, 8, 15)),
        ("20/11/2026", dt.datetime(2026, 11, 20)),
        ("5/1/2026 8:05", dt.datetime(2026, 1, 5, 8, 5)),
        (dt.datetime(2026, 11, 20, 8, 15), dt.datetime(2026, 11, 20, 8, 15)),
        (dt.date(2026, 11, 20), dt.datetime(2026, 11, 20)),
        ("", None),
    ],
)
def test_dates(value: object, expected: dt.datetime | None) -> None:
    assert parse_datetime(value) == expected


@pytest.mark.parametrize("value", ["31/02/2026", "2026-13-01", "11/20", "tomorrow", "20.11.2026"])
def test_bad_dates_are_refused(value: str) -> None:
    with pytest.raises(FieldError):
        parse_datetime(value)


@pytest.mark.parametrize(
    ("value", "last4"),
    [("0912345678", "5678"), ("+84 912 345 678", "5678"), ("0912.345.678", "5678"), (912345678, "5678")],
)
def test_phone_last_four(value: object, last4: str) -> None:
    assert phone_last4(value) == last4


@pytest.mark.parametrize("value", ["12", "", "0912-abc-678", "0912345678901234"])
def test_bad_phones_are_refused(value: str) -> None:
    with pytest.raises(FieldError):
        phone_last4(value)


def test_masking_and_timeliness() -> None:
    assert mask_name("Nguyễn Văn An") == "N****n V*n A"
    assert mask_name("") is None
    assert mask_code(FULL) == "000.00.27.H49-251120-****"
    appointment = dt.datetime(2026, 11, 27, 16)
    assert timeliness(appointment, dt.datetime(2026, 11, 26, 9)) == "early"
    assert timeliness(appointment, dt.datetime(2026, 11, 27, 17)) == "on_time"
    assert timeliness(appointment, dt.datetime(2026, 11, 28, 8)) == "late"


@pytest.mark.parametrize(
    "message",
    [
        "tra cứu hồ sơ 000.00.27.H49-251120-0031",
        "tra cuu ho so 000.00.27.h49-251120-0031 giup em",
        "hồ sơ 000.00.27.H49 - 251120 - 0031 xong chưa ạ",
        "000.00.27.H49—251120—0031",
    ],
)
async def test_every_typed_form_asks_for_the_digits_of_the_same_code(dsvc: Services, message: str) -> None:
    reply = await chat(dsvc, message)
    assert f"4 số cuối của số điện thoại đã đăng ký khi nộp hồ sơ {FULL}" in reply.text


async def test_a_partial_code_is_never_looked_up(dsvc: Services) -> None:
    await load(dsvc, record(FULL, "6789"))
    assert "chưa nhận ra mã hồ sơ" in (await chat(dsvc, "tra cứu hồ sơ 251120-0031", "other")).text
    await chat(dsvc, "tra cứu hồ sơ")
    for partial in ("251120-0031", "000.00.27.H49-251120", "0031"):
        reply = await chat(dsvc, partial)
        assert "chưa nhận ra mã hồ sơ" in reply.text
    # The short form is a different code: with the right digits it still does not match.
    await chat(dsvc, "tra cứu hồ sơ H49.27-251120-0031")
    reply = await chat(dsvc, "6789")
    assert "chưa khớp" in reply.text
