"""Action words: what the citizen wants done to a paper decides between sibling procedures.

The catalogue holds families of procedures on one object that differ only by their action:
"Cấp", "Cấp lại", "Gia hạn" Chứng chỉ hành nghề thú y; "Công bố", "Công bố lại" hoạt động
bến thủy nội địa. Their names share almost every word, so word coverage alone leaves them a
few hundredths apart and the plain "Cấp" often wins. A procedure's actions are read from the
head of its name ("Cấp, cấp lại, điều chỉnh ..." has three); the message's from its action
words ("cấp lại", "gia hạn") or from the situation it describes ("bị mất" asks for a
re-issue, "sắp hết hạn" for an extension, "lần đầu" for a first issue). Among the procedures
in the running, when one's actions meet the message's, those whose actions do not are
demoted (``ACTION_PENALTY``): the sibling asked for leads, the others stay on the list.

Everything works on folded, normalised text (``nlu.normalize.normalize``); the situational
cues that are ambiguous folded ("bi mat": bị mất / bí mật) are read with their tone marks
when the message has them, and only in unambiguous company otherwise.
"""

from __future__ import annotations

import re

from knowledge_base.resolver_tones import has_tone_marks
from nlu.normalize import canonical_tones, normalize

__all__ = [
    "ACTION_PENALTY", "action_head_words", "message_actions", "message_situations", "name_actions", "name_situations",
    "said_actions",
]  # fmt: skip

ACTION_PENALTY = 0.8  # score factor for a procedure whose actions are not the ones asked for

# Action phrases a name may start with (folded), longest first, and the action each means.
_NAME_ACTIONS: dict[str, str] = {
    "cap lai": "cap_lai", "cap doi": "cap_doi", "cap dieu chinh": "dieu_chinh", "cap moi": "cap",
    "cap": "cap", "gia han": "gia_han", "cong bo lai": "cong_bo_lai", "cong bo": "cong_bo",
    "dieu chinh": "dieu_chinh", "thay doi noi dung": "thay_doi", "thay doi": "thay_doi",
    "dang ky thay doi": "thay_doi", "sua doi bo sung": "sua_doi", "sua doi": "sua_doi",
    "dang ky lai": "dang_ky_lai", "dang ky bien dong": "bien_dong", "dang ky": "dang_ky", "thu hoi": "thu_hoi",
    "cham dut": "cham_dut", "cong nhan lai": "cong_nhan_lai", "cong nhan": "cong_nhan",
    "tam ngung": "tam_ngung", "tam dung": "tam_ngung", "doi": "cap_doi", "dinh chinh": "dinh_chinh",
}  # fmt: skip
_NAME_RE = re.compile(
    r"^(?:thu tuc )?((?:(?:"
    + "|".join(re.escape(k) for k in sorted(_NAME_ACTIONS, key=len, reverse=True))
    + r")(?: |$)(?:va |hoac )?)+)"
)
_SPLIT_RE = re.compile("|".join(re.escape(k) for k in sorted(_NAME_ACTIONS, key=len, reverse=True)))

# Explicit action words in a message (folded, whole words), longest first.
_SAID: dict[str, frozenset[str]] = {
    "cap lai": frozenset({"cap_lai"}),
    "xin lai": frozenset({"cap_lai"}),
    "lam lai": frozenset({"cap_lai", "cap_doi", "dang_ky_lai"}),
    "cap doi": frozenset({"cap_doi"}),
    "doi sang": frozenset({"cap_doi"}),
    "gia han": frozenset({"gia_han"}),
    "cong bo lai": frozenset({"cong_bo_lai"}),
    "cap dieu chinh": frozenset({"dieu_chinh"}),
    "dieu chinh": frozenset({"dieu_chinh", "thay_doi", "sua_doi"}),
    "thay doi noi dung": frozenset({"thay_doi", "dieu_chinh"}),
    "thay doi thong tin": frozenset({"thay_doi", "dieu_chinh", "cap_doi"}),
    "dang ky thay doi": frozenset({"thay_doi", "dieu_chinh"}),
    "sua doi": frozenset({"sua_doi", "dieu_chinh", "thay_doi"}),
    "dang ky lai": frozenset({"dang_ky_lai"}),
    "dang ky bien dong": frozenset({"bien_dong"}),
    "cap nhat": frozenset({"bien_dong", "dieu_chinh", "thay_doi"}),  # a change written into a paper
    "thu hoi": frozenset({"thu_hoi"}),
    "cham dut": frozenset({"cham_dut"}),
    "cong nhan": frozenset({"cong_nhan"}),
    "tam ngung": frozenset({"tam_ngung"}),
    "tam dung": frozenset({"tam_ngung"}),
    "tam nghi": frozenset({"tam_ngung"}),
    "nghi tam thoi": frozenset({"tam_ngung"}),
    "giai the": frozenset({"cham_dut"}),
    "lan dau": frozenset({"cap", "dang_ky", "cong_bo"}),
    "cap moi": frozenset({"cap"}),
    "sap het han": frozenset({"gia_han"}),
    "het han": frozenset({"gia_han", "cap_doi", "cap_lai"}),
    "that lac": frozenset({"cap_lai"}),
    "hu hong": frozenset({"cap_lai", "cap_doi"}),
    "dinh chinh": frozenset({"dinh_chinh"}),
    "ghi sai": frozenset({"dinh_chinh", "cap_doi", "dieu_chinh"}),
    "bi sai": frozenset({"dinh_chinh", "cap_doi", "dieu_chinh"}),
    "sai sot": frozenset({"dinh_chinh", "cap_doi", "dieu_chinh", "cap_lai"}),
}
# Folded words in _SAID that describe a situation rather than name an action.
_SITUATIONS = frozenset({"lan dau", "sap het han", "het han", "that lac", "hu hong", "ghi sai", "bi sai", "sai sot"})
# Folded "doi" is "đổi" (exchange), "đợi" (wait) or "đời" (life); right before a paper it is "đổi":
# "doi the bhyt", "doi so do", "doi bang lai".
_PAPERS = (
    "the", "so", "giay", "bang", "chung chi", "chung nhan", "can cuoc", "ho chieu", "the can cuoc",
    "giay phep", "cccd", "gplx",
)  # fmt: skip
_DOI_RE = re.compile(r"(?<!\S)(?<!thay )(?<!chuyen )(?<!cho )doi (?:lai )?(?:" + "|".join(_PAPERS) + r")(?!\S)")
# "đăng ký khai sinh lại", "dang ky ket hon lai": the action split around its object (a few words).
_SPLIT_LAI_RE = re.compile(r"(?<!\S)(dang ky|cap|cong bo)(?: \S+){1,3} lai(?!\S)")
_SAID_RE = re.compile(r"(?<!\S)(?:" + "|".join(re.escape(k) for k in sorted(_SAID, key=len, reverse=True)) + r")(?!\S)")
# Situations written with tone marks (lower case, NFC, one tone placement).
_TONED: dict[str, frozenset[str]] = {
    "bị mất": frozenset({"cap_lai"}),
    "làm mất": frozenset({"cap_lai"}),
    "đánh mất": frozenset({"cap_lai"}),
    "bị hỏng": frozenset({"cap_lai", "cap_doi"}),
    "bị rách": frozenset({"cap_lai", "cap_doi"}),
    "bị cháy": frozenset({"cap_lai", "cap_doi"}),
    "đổi": frozenset({"cap_doi"}),
    "dừng": frozenset({"cham_dut", "tam_ngung"}),  # folded "dung" is also "dùng" (use), "đúng"
}
# ("thay đổi", "chuyển đổi" are other actions: "đổi" alone is an exchange.)
_TONED_RE = re.compile(r"(?<!\w)(?<!thay )(?<!chuyển )(?:" + "|".join(re.escape(k) for k in _TONED) + r")(?!\w)")
# ... and without them, where the folded words have no other reading in a request.
_FOLDED_SITUATIONS: dict[str, frozenset[str]] = {
    "lam mat": frozenset({"cap_lai"}),
    "danh mat": frozenset({"cap_lai"}),
    "bi rach": frozenset({"cap_lai", "cap_doi"}),
}
_FOLDED_RE = re.compile(r"(?<!\S)(?:" + "|".join(re.escape(k) for k in _FOLDED_SITUATIONS) + r")(?!\S)")


def name_actions(name: str) -> frozenset[str]:
    """The actions a procedure's official name starts with ("Cấp, cấp lại ..." -> cap, cap_lai)."""
    head = _NAME_RE.match(normalize(name))
    if not head:
        return frozenset()
    return frozenset(_NAME_ACTIONS[m.group(0)] for m in _SPLIT_RE.finditer(head.group(1)))


def action_head_words(normalized_name: str) -> int:
    """How many words of a (normalised) name its action head takes ("cap lai giay ..." -> 2)."""
    head = _NAME_RE.match(normalized_name)
    if not head:
        return 0
    skipped = 1 if normalized_name.startswith("thu tuc ") else 0
    return len(head.group(1).split()) + skipped


def said_actions(normalized: str) -> frozenset[str]:
    """The actions a message names in words ("cấp lại", "đính chính"), not by a situation.

    A said action outranks an implied one: "cấp lần đầu bị ghi sai, thủ tục đính chính" asks for
    the correction, although "lần đầu" alone would point at the first issue."""
    found: set[str] = set()
    for m in _SAID_RE.finditer(normalized):
        if m.group(0) not in _SITUATIONS:
            found |= _SAID[m.group(0)]
    for m in _SPLIT_LAI_RE.finditer(normalized):
        found.add({"dang ky": "dang_ky_lai", "cap": "cap_lai", "cong bo": "cong_bo_lai"}[m.group(1)])
    return frozenset(found)


def message_actions(normalized: str, original: str | None = None) -> frozenset[str]:
    """The actions a message asks for: said ("gia hạn") or implied by a situation ("bị mất")."""
    found: set[str] = set(said_actions(normalized))
    for m in _SAID_RE.finditer(normalized):
        found |= _SAID[m.group(0)]
    if _DOI_RE.search(normalized):  # like "đổi" with its marks: a hint ("đổi CCCD rồi, cập nhật sổ đỏ")
        found.add("cap_doi")
    if original is not None and has_tone_marks(original):
        toned = canonical_tones(original).lower()
        for m in _TONED_RE.finditer(toned):
            found |= _TONED[m.group(0)]
    else:
        for m in _FOLDED_RE.finditer(normalized):
            found |= _FOLDED_SITUATIONS[m.group(0)]
    return frozenset(found)


# What happened to the paper, as sibling names spell out their case ("Cấp lại ... trong trường hợp
# bị mất, bị hỏng" beside "Cấp lại ... khi có sự thay đổi nội dung"), folded.
_CASES: dict[str, str] = {
    "bi mat": "lost", "bi chay": "burnt", "bi rach": "torn", "bi hong": "damaged", "hu hong": "damaged",
    "thay doi": "changed", "thu hoi": "revoked", "sai sot": "wrong", "ghi sai": "wrong", "bi sai": "wrong",
}  # fmt: skip
_CASES_RE = re.compile(r"(?<!\S)(?:" + "|".join(re.escape(k) for k in _CASES) + r")(?!\S)")


def name_situations(name: str) -> frozenset[str]:
    """The cases a procedure's name says it is for, after its action head ("bị mất" -> lost)."""
    folded = normalize(name)
    rest = " ".join(folded.split()[action_head_words(folded) :])
    return frozenset(_CASES[m.group(0)] for m in _CASES_RE.finditer(rest))


def message_situations(normalized: str) -> frozenset[str]:
    """The cases a message describes ("giấy phép bị mất", "công ty thay đổi người đại diện")."""
    return frozenset(_CASES[m.group(0)] for m in _CASES_RE.finditer(normalized))
