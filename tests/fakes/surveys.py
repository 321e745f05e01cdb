"""Handed-over dossiers and the survey conversation the channel tests run (typed answers)."""

from __future__ import annotations

import datetime as dt

from bot.features.dossiers.fields import mask_name
from bot.features.dossiers.importer import Record

HASH_KEY = "channel-tests-dossier-hash-key-0123456789"


def survey_records(count: int) -> list[Record]:
    """``count`` dossiers whose result was handed over (status 10): each may be rated once."""
    return [
        Record(
            code=code(i), status=10, last4=last4(i), procedure_code="1.001193",
            applicant_masked=mask_name("Vũ Đức Hải"), received_at=dt.datetime(2026, 11, 26, 8, 5),
            appointment_at=dt.datetime(2026, 11, 27, 16, 0), completed_at=dt.datetime(2026, 11, 27, 10, 0),
            unit="Trung tâm Phục vụ hành chính công phường Hồng Gai",
        )
        for i in range(count)
    ]


def code(i: int) -> str:
    return f"000.22.27.H49-261126-{i + 1:04d}"


def last4(i: int) -> str:
    return f"{1001 + i}"


def survey_script(i: int) -> list[tuple[str, str]]:
    """(kind, value): "text" typed or "tap" a menu button. Typed numbers pick among the offered answers,
    so every turn depends on the question the chat is at."""
    return [
        ("tap", "m:rate_service"), ("text", code(i)), ("text", last4(i)), ("text", "đồng ý"),
        ("text", "2"), ("text", "5"), ("text", "4"), ("text", "5"), ("text", "4"), ("text", "5"),
        ("text", "1"), ("text", "bỏ qua"), ("text", "gửi"), ("text", "cảm ơn"),
    ]
