"""Words every flow understands the same way, so "thôi" stops a survey exactly as it stops a lookup."""

from __future__ import annotations

from nlu.normalize import reply_form

# A short reply that abandons the step in progress (compared after ``reply_form``: no tones, no "ạ", "nhé").
CANCEL_WORDS = frozenset({"thoi", "huy", "huy bo", "khong", "dung lai", "bo qua", "khong gui"})


def is_cancel(text: str) -> bool:
    return reply_form(text) in CANCEL_WORDS
