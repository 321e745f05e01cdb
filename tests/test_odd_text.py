"""Text no keyboard should break: superscripts, circled and huge numbers, invisible characters, other digits."""

from __future__ import annotations

import pytest
from dossier_fixtures import chat, load, record

from bot.app import Services
from bot.features.dossiers import texts
from nlu.normalize import clean, normalize, small_number

CODE = "000.00.27.H49-261120-0031"


@pytest.mark.parametrize("text", ["²", "①", "³⁴", "9" * 5000, "٣", "Ⅻ"])
async def test_a_lone_odd_number_gets_a_polite_answer_and_the_chat_goes_on(dsvc: Services, text: str) -> None:
    await chat(dsvc, "thủ tục đăng ký khai tử")  # buttons are offered: a typed number would pick one
    reply = await chat(dsvc, text)
    assert "Dạ," in reply.text
    assert "khai tử" in (await chat(dsvc, "thủ tục đăng ký khai tử")).text


@pytest.mark.parametrize("payload", ["dossier:unsub:²", f"dossier:unsub:{'9' * 5000}", "survey:view:①"])
async def test_a_forged_button_with_an_odd_number_is_a_stale_choice(dsvc: Services, payload: str) -> None:
    assert "Dạ," in (await chat(dsvc, "", payload=payload)).text


def test_small_number_takes_only_short_ascii_digits() -> None:
    assert small_number("3") == 3 and small_number("0012") == 12
    for text in ("²", "①", "٣", "３", "9" * 10, "", "-1", " 3"):
        assert small_number(text) is None


def test_invisible_characters_do_not_change_the_understanding() -> None:
    assert normalize("kh\u200bai sinh") == normalize("khai sinh") == "khai sinh"
    assert normalize("đăng\u00ad ký\u2060 kết\ufeff hôn") == "dang ky ket hon"
    assert clean("H49\u200b.27-261124\u200c-0145") == "H49.27-261124-0145"


def test_full_width_and_arabic_indic_digits_become_ascii() -> None:
    assert clean("６７８９") == "6789" and clean("٦٧٨٩") == "6789" and clean("۶۷۸۹") == "6789"
    assert clean("Ｈ４９") == "H49" and clean("Lệ phí ²") == "Lệ phí ²"


async def test_a_code_with_a_zero_width_space_is_found_and_other_digits_verify(dsvc: Services) -> None:
    await load(dsvc, record(CODE, "6789"))
    asked = await chat(dsvc, "tra cứu hồ sơ 000.00.27.H49-2611\u200b20-0031")
    assert asked.text.endswith(texts.ask_digits(CODE))
    status = await chat(dsvc, "６７８９")
    assert "Đang xử lý" in status.text
