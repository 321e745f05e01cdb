"""Receipt codes in every form citizens type; never a partial code."""

from __future__ import annotations

import pytest

from nlu.receipt_codes import find_codes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("tra cứu 000.00.27.H49-251120-0031", "000.00.27.H49-251120-0031"),
        ("ma ho so 000.21.27.h49-260120-0008 xong chua", "000.21.27.H49-260120-0008"),
        ("kiem tra 000.12.27.H49 - 251215 - 0203", "000.12.27.H49-251215-0203"),
        ("hs H49.27-251120-0031", "H49.27-251120-0031"),
        ("mã H49.27–251230–0145 ạ", "H49.27-251230-0145"),  # en dashes
        ("G01.123.456-251120-0001", "G01.123.456-251120-0001"),
        ("000.00.04.H51-200221-0001", "000.00.04.H51-200221-0001"),
    ],
)
def test_complete_codes_are_found_in_canonical_form(text: str, code: str) -> None:
    assert find_codes(text) == [code]


@pytest.mark.parametrize(
    "text",
    [
        "H49.27-251120",  # no sequence
        "H49.27-251120-003",  # sequence too short
        "251120-0031",  # date and sequence only: no agency
        "000.00.27.H49",  # agency only
        "12.5-251120-0031",  # a number, not an agency code
        "H49.27-251120-00311",  # sequence too long
        "gọi 0203.3656.656",
    ],
)
def test_partial_codes_are_rejected(text: str) -> None:
    assert find_codes(text) == []


def test_several_codes_keep_their_order() -> None:
    assert find_codes("H49.27-251120-0031 và H49.27-251120-0032") == [
        "H49.27-251120-0031",
        "H49.27-251120-0032",
    ]
