"""Aliases derived from an official procedure name: the shorter forms the name itself contains.

They keep their diacritics (the resolver folds them) and must stay meaningful on their own:
a lone "cấp" or "đăng ký" would match half the catalogue.

Official names are long and formal; citizens and the portal's questions name a procedure by a
part of one. The forms derived, most specific first:

- the name without "Thủ tục", without its level ("(cấp tỉnh)", "thực hiện tại cấp xã",
  "- cấp Trung ương") and without parenthesised qualifiers;
- without a trailing agency ("... do Bộ Quốc phòng cấp", "... tại Cục Quản lý xuất nhập cảnh
  ...", "... thuộc thẩm quyền của Chủ tịch Ủy ban nhân dân cấp xã"): the act and its object;
- each part of a name that lists several procedures ("A; B; C"), and a part's head before
  "đối với" when it has four words or more ("khai thuế thu nhập cá nhân" out of "... đối với cá
  nhân có thu nhập từ ...", but not "góp ý kiến" out of "Góp ý kiến đối với các quy chế ...");
- one form per act when several acts share one object: "Cấp, gia hạn, cấp lại giấy phép X"
  gives "cấp giấy phép X", "gia hạn giấy phép X" and "cấp lại giấy phép X"; "Cấp văn bản chấp
  thuận đóng mới, cải hoán, thuê, mua tàu cá" gives "cấp văn bản chấp thuận đóng mới tàu cá"...;
- abbreviations the name spells out in parentheses ("ABTC").

A form that more than MAX_SHARED entries would carry names a family, not a procedure: the
importer drops it (``shared_too_widely``). So does a shortened form that runs inside the names of
more entries than carry it (``naming_families``): "giải quyết hưởng trợ cấp", the head of one
"Giải quyết hưởng trợ cấp đối với nhà giáo ...", starts four names; carried by one, it would
answer a question about any of them (or about unemployment benefit) with that one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

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

# Acts that official names list before one shared object ("Cấp, gia hạn, cấp lại giấy phép ...").
ACTS = frozenset(
    s.casefold()
    for s in (
        "cấp", "cấp lại", "cấp đổi", "cấp mới", "cấp gia hạn", "cấp sửa đổi", "cấp bổ sung", "cấp phép",
        "đổi", "gia hạn", "điều chỉnh", "sửa đổi", "bổ sung", "thay đổi", "thu hồi", "hủy", "huỷ",
        "đình chỉ", "chấm dứt", "tạm dừng", "đăng ký", "đăng ký lại", "đăng ký mới", "đăng ký thay đổi",
        "xóa đăng ký", "xoá đăng ký", "xác nhận", "công nhận", "chứng nhận", "phê duyệt", "thẩm định",
        "chấp thuận", "phê chuẩn", "đóng mới", "cải hoán", "cải tạo", "nâng cấp", "sửa chữa", "thuê", "mua",
        "bán", "cho thuê", "cho thuê mua", "chuyển nhượng", "miễn", "giảm", "bổ nhiệm", "miễn nhiệm",
        "công bố", "thông báo", "khai", "kê khai", "nộp", "trả lại", "phục hồi", "cập nhật", "hiệu đính",
        "lập", "tách", "hợp nhất", "sáp nhập", "chia", "giao", "kiểm tra", "cải chính", "xây dựng",
        "lắp đặt", "thành lập", "giải thể", "tạm ứng", "thanh toán", "quyết toán",
    )
)  # fmt: skip
_MAX_ACT_WORDS = max(len(a.split()) for a in ACTS)
# Words of acts, papers and grammar: a form made of these alone ("đề nghị sửa đổi, bổ sung Giấy
# phép") names no procedure, however long.
_PAPERS_AND_GRAMMAR = """
    giấy phép chứng nhận chỉ văn bản quyết định thẻ sổ hồ sơ đề nghị thủ tục hành chính thông tin nội dung
    tờ khai đơn mẫu kết quả trường hợp lần đầu mới lại việc đối với của cho và hoặc các trong tại theo được
    về có khi từ đến sau trước một những này đó đã
"""
PLAIN_WORDS = frozenset(w.casefold() for w in f"{' '.join(ACTS)} {_PAPERS_AND_GRAMMAR}".split())

_SCOPE = re.compile(
    r"\s*(?:\((?:thực hiện (?:tại|ở) )?(?P<paren>cấp [^()]*)\)|(?<=\s)thực hiện (?:tại|ở) (?P<bare>cấp .*))$",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^\w\s]")
_PAREN = re.compile(r"\s*\([^()]*\)")
_ABBREVIATION = re.compile(r"\(([A-ZĐ][A-ZĐ0-9]{2,7})\)")
# Trailing qualifiers that say who handles a procedure, not what it is.
_LEVEL_TAIL = re.compile(r"\s*[-–]?\s*(?:(?:thực hiện )?(?:tại|ở) )?cấp (?:trung ương|tw|tỉnh|bộ|xã)$", re.IGNORECASE)
_AGENCY_TAIL = re.compile(
    r"(?:\s+do\s+\S.*\s+cấp"  # "... do Bộ Quốc phòng cấp"
    r"|\s+tại\s+(?:Cục|Tổng cục|Chi cục|Phòng|Sở|Bộ|Ủy ban|Uỷ ban|UBND|Cơ quan|Trung tâm|Văn phòng|Công an"
    r"|Ngân hàng Nhà nước|Cảng vụ|Kho bạc)\b.*"  # "... tại Cục Quản lý xuất nhập cảnh Bộ Công an"
    r"|\s+(?:thuộc\s+)?thẩm quyền\s+(?:giải quyết\s+|quyết định\s+)?của\s+.*)$"  # "... thuộc thẩm quyền của ..."
)


def _tidy(text: str) -> str:
    text = " ".join(text.split()).strip(" .,;:-–")
    first = text.split(" ", 1)[0]
    # Lower-case the first letter like a citizen would write it, but keep acronyms ("ABTC").
    if first[:2].isupper() or not first:
        return text
    return text[0].lower() + text[1:]


def _meaningful(alias: str) -> bool:
    words = alias.split()
    if len(words) == 1:  # an abbreviation such as "ABTC" names one thing; a lone word does not
        return bool(_ABBREVIATION.fullmatch(f"({alias})"))
    if len(alias) < 8 or alias.casefold() in GENERIC:
        return False
    return any(w.casefold().strip(",;:") not in PLAIN_WORDS for w in words)


def split_level(name: str) -> tuple[str, str]:
    """A name and the level its end names ("... (thực hiện tại cấp tỉnh)" → "cấp tỉnh"), or "" when none."""
    found = _SCOPE.search(name)
    if found is None or found.start() == 0:
        return name, ""
    return name[: found.start()], (found.group("paren") or found.group("bare")).strip().lower()


def without_level(name: str) -> str:
    """The name without its level qualifier: "Cấp thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)" and its
    "(... cấp trung ương)" twin are one procedure handled at two levels."""
    return _LEVEL_TAIL.sub("", _SCOPE.sub("", name)).strip(" ,.-–").casefold()


def _without_tail(text: str) -> str:
    """The text without a trailing level or agency qualifier (repeatedly: "... tại Cục X cấp Bộ")."""
    while True:
        shorter = _AGENCY_TAIL.sub("", _LEVEL_TAIL.sub("", text)).strip(" ,.-–")
        if shorter == text or len(shorter.split()) < 2:
            return text
        text = shorter


def _act_at(words: list[str], start: int) -> int:
    """Length (in words) of the longest act starting at words[start], 0 when none."""
    for n in range(min(_MAX_ACT_WORDS, len(words) - start), 0, -1):
        if " ".join(words[start : start + n]).casefold() in ACTS:
            return n
    return 0


def _ends_with_act(words: list[str]) -> int:
    """Length of the longest act that ends words, 0 when none."""
    return next((n for n in range(min(_MAX_ACT_WORDS, len(words)), 0, -1) if _act_at(words, len(words) - n) == n), 0)


def _per_act(text: str) -> list[str]:
    """Acts a1..ak sharing one object O, "P a1, a2, ..., ak O", as ["P a1 O", ..., "P ak O"].

    Acts are separated by commas, or by "và"/"hoặc" between two acts; the object may hold
    commas of its own ("thông tin trên sổ BHXH, thẻ BHYT").
    """
    chunks: list[list[str]] = []
    for piece in text.split(","):
        parts = re.split(r"\s+(và|hoặc)\s+", piece.strip())  # [text, separator, text, ...]
        merged = [parts[0].split()]
        for sep, part in zip(parts[1::2], (p.split() for p in parts[2::2]), strict=True):
            if merged[-1] and part and _ends_with_act(merged[-1]) and _act_at(part, 0):
                merged.append(part)
            else:
                merged[-1] = [*merged[-1], sep, *part]  # "đo đạc và bản đồ": not two acts
        chunks += merged
    lead = _ends_with_act(chunks[0]) if chunks and chunks[0] else 0
    if len(chunks) < 2 or not lead:
        return []
    acts = [chunks[0][-lead:]]
    for i, chunk in enumerate(chunks[1:], start=1):
        n = _act_at(chunk, 0)
        if not n:
            return []
        # "sửa đổi, bổ sung" is one act (amend), not two.
        if [w.casefold() for w in acts[-1]] == ["sửa", "đổi"] and [w.casefold() for w in chunk[:n]] == ["bổ", "sung"]:
            acts[-1] = [*acts[-1][:-1], acts[-1][-1] + ",", *chunk[:n]]
        else:
            acts.append(chunk[:n])
        if n < len(chunk):  # the last act, followed by the object
            if len(acts) < 2:
                return []
            obj = " ".join([*chunk[n:], *(w for rest in chunks[i + 1 :] for w in (",", *rest))]).replace(" ,", ",")
            return [" ".join([*chunks[0][:-lead], *act, obj]) for act in acts]
    return []


def derive_aliases(name: str) -> list[str]:
    """Short forms of an official name, most specific first, without the name itself."""
    full = " ".join(name.split()).rstrip(" .")
    # "Thủ tục hải quan …" is the customs procedure itself, not the word "procedure".
    core = re.sub(r"^thủ tục\s+(?!hải quan)", "", full, flags=re.IGNORECASE)
    no_scope = _SCOPE.sub("", core)
    no_paren = _PAREN.sub("", no_scope)
    candidates = [core, no_scope, no_paren]
    # "A; B; C" lists several procedures: each part stands alone, and so does its head.
    for i, part in enumerate(no_paren.split(";")):
        part = re.sub(r"^\s*thủ tục\s+(?!hải quan)", "", part.strip(), flags=re.IGNORECASE)
        bare = _without_tail(part)
        forms = [f for f in (part, bare, *_per_act(bare)) if (i == 0 and f == no_paren) or len(f.split()) >= 3]
        # A head names a procedure only when it says more than an act on a thing ("góp ý kiến").
        heads = [head for f in forms if (head := f.split(" đối với ", 1)[0]) != f and len(head.split()) >= 4]
        candidates += forms + heads
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


def _phrase(text: str) -> str:
    """Words of a text as a padded, casefolded run ("giải quyết hưởng trợ cấp" inside a name)."""
    return f" {' '.join(_NON_WORD.sub(' ', text.casefold()).split())} "


def _whole_forms(name: str) -> set[str]:
    """The name itself, less "Thủ tục", its level and its parenthesised qualifiers: never a shortening."""
    core = re.sub(r"^thủ tục\s+(?!hải quan)", "", " ".join(name.split()).rstrip(" ."), flags=re.IGNORECASE)
    no_scope = _SCOPE.sub("", core)
    return {_phrase(f) for f in (name, core, no_scope, _PAREN.sub("", no_scope))}


def naming_families(entries: Sequence[tuple[str, Sequence[str]]]) -> list[set[str]]:
    """Per (name, aliases) entry, the casefolded aliases that name a family: shortenings of its name whose
    words run inside the names of more entries than carry them. A question saying only those words
    names none of the family in particular; the alias would answer it with the one that carries it."""
    names = [_phrase(name) for name, _ in entries]
    carriers = Counter(_phrase(a) for _, aliases in entries for a in set(aliases))
    within: dict[str, int] = {}
    out: list[set[str]] = []
    for name, aliases in entries:
        whole = _whole_forms(name)
        family = set()
        for alias in aliases:
            words = _phrase(alias)
            if words in whole:
                continue
            if words not in within:
                within[words] = sum(words in n for n in names)
            if within[words] > carriers[words]:
                family.add(alias.casefold())
        out.append(family)
    return out
