"""Keyword intent guess for degraded mode, when no NLU server answers.

Works on normalised (folded) text. Cruder than the model, but a citizen still
gets an answer from the knowledge base instead of silence.
"""

from __future__ import annotations

import re

# Ordered: the first rule that matches wins, so the most specific come first.
_RULES: list[tuple[str, re.Pattern[str]]] = [
    (intent, re.compile(rf"\b(?:{pattern})\b"))
    for intent, pattern in [
        ("give_feedback", r"phan anh|gop y|khieu nai|to cao|kien nghi|buc xuc"),
        ("rate_service", r"danh gia|khao sat|hai long|cham diem"),
        ("check_dossier_status", r"tra cuu|ho so (?:cua|nay).*(?:xong|den dau|toi dau|buoc nao)|xong chua|den dau roi"),
        ("ask_human", r"gap can bo|nguoi that|nhan vien|noi chuyen voi"),
        ("ask_forms", r"mau don|mau to khai|to khai|mau so|bieu mau"),
        ("ask_fee", r"phi|bao nhieu tien|mat tien|het bao nhieu|chi phi"),
        ("ask_processing_time", r"bao lau|may ngay|thoi han|bao gio co|trong ngay"),
        ("ask_online", r"online|truc tuyen|qua mang|dich vu cong|vneid"),
        ("ask_conditions", r"dieu kien|co duoc .* khong|du tuoi"),
        ("ask_documents", r"giay to|ho so gom|can gi|can nhung gi|chuan bi|mang theo"),
        ("ask_where", r"o dau|noi nop|co quan nao|nop tai|len dau"),
        ("ask_steps", r"nhu the nao|nhu nao|cac buoc|trinh tu|huong dan|cach lam|lam sao"),
        ("ask_office_info", r"gio lam|may gio|dia chi|hotline|so dien thoai|lam viec|nghi trua|thu 7|chu nhat"),
        ("thank", r"cam on"),
        ("goodbye", r"tam biet|bye|chao nhe"),
        ("greet", r"xin chao|chao|alo|hello|hi"),
        ("help", r"giup gi|hoi duoc gi|hoi duoc nhung gi|lam duoc gi|tro giup"),
    ]
]


def guess_intent(normalized: str) -> str | None:
    """The first matching intent, or None when no keyword is present."""
    for intent, pattern in _RULES:
        if pattern.search(normalized):
            return intent
    return None
