"""Aliases derived from an official procedure name: the shorter forms the name itself contains.

They keep their diacritics (the resolver folds them) and must stay meaningful on their own:
a lone "cấp" or "đăng ký" would match half the catalogue.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# Short forms that name a kind of act or paper, not a procedure.
GENERIC = frozenset(
    s.casefold()
    for s in (
        "cấp",
        "cấp lại",
        "cấp đổi",
        "cấp mới",
        "cấp phép",
        "đăng ký",
        "đăng ký thay đổi",
        "thủ tục",
        "thủ tục hải quan",
        "hải quan",
        "giấy phép",
        "cấp giấy phép",
        "cấp lại giấy phép",
        "giấy chứng nhận",
        "cấp giấy chứng nhận",
        "cấp lại giấy chứng nhận",
        "chứng chỉ",
        "cấp chứng chỉ",
        "thông báo",
        "đề nghị",
        "xác nhận",
        "công nhận",
        "phê duyệt",
        "thẩm định",
        "điều chỉnh",
        "gia hạn",
        "thu hồi",
    )
)
# Abbreviations of general terms a name happens to spell out; alone they would catch unrelated
# questions ("sim" is a phone card to a citizen, not a flight simulator).
GENERAL_ABBREVIATIONS = frozenset(
    {"NSNN", "SIM", "GTGT", "TNCN", "TNDN", "BHXH", "BHYT", "UBND", "HĐND", "TNHH", "HTX"}
)
# An alias shared by more entries than this names a family, not a procedure.
MAX_SHARED = 5

_SCOPE = re.compile(
    r"\s*(?:\((?:thực hiện (?:tại|ở) )?cấp [^()]*\)|(?<=\s)thực hiện (?:tại|ở) cấp .*)$", re.IGNORECASE
)
_PAREN = re.compile(r"\s*\([^()]*\)")
_ABBREVIATION = re.compile(r"\(([A-ZĐ][A-ZĐ0-9]{2,7})\)")


def _tidy(text: str) -> str:
    text = " ".join(text.split()).strip(" .,;:-")
    first = text.split(" ", 1)[0]
    # Lower-case the first letter like a citizen would write it, but keep acronyms ("ABTC").
    if first[:2].isupper() or not first:
        return text
    return text[0].lower() + text[1:]


def _meaningful(alias: str) -> bool:
    words = alias.split()
    if len(words) == 1:  # an abbreviation such as "ABTC" names one thing; a lone word does not
        return bool(_ABBREVIATION.fullmatch(f"({alias})"))
    return len(alias) >= 8 and alias.casefold() not in GENERIC


def derive_aliases(name: str) -> list[str]:
    """Short forms of an official name, most specific first, without the name itself."""
    full = " ".join(name.split()).rstrip(" .")
    # "Thủ tục hải quan …" is the customs procedure itself, not the word "procedure".
    core = re.sub(r"^thủ tục\s+(?!hải quan)", "", full, flags=re.IGNORECASE)
    no_scope = _SCOPE.sub("", core)
    no_paren = _PAREN.sub("", no_scope)
    candidates = [core, no_scope, no_paren]
    # "A; B; C" lists several objects: the first ("chấm dứt hoạt động kho ngoại quan") stands alone.
    first = no_paren.split(";", 1)[0]
    head = first.split(" đối với ", 1)[0]
    for short in (first, head):
        if short != no_paren and len(short.split()) >= 3:
            candidates.append(short)
    candidates += [a for a in _ABBREVIATION.findall(full) if a not in GENERAL_ABBREVIATIONS]
    seen = {_tidy(full).casefold()}
    out = []
    for alias in map(_tidy, candidates):
        if alias and alias.casefold() not in seen and _meaningful(alias):
            seen.add(alias.casefold())
            out.append(alias)
    return out


def shared_too_widely(alias_lists: Iterable[list[str]]) -> set[str]:
    """Casefolded aliases that more than MAX_SHARED entries would carry."""
    counts = Counter(a.casefold() for aliases in alias_lists for a in set(aliases))
    return {a for a, n in counts.items() if n > MAX_SHARED}
