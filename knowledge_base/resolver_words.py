"""The words of names and messages that may name a procedure, and the question words that never do.

Everything here works on *normalised* text (``nlu.normalize.normalize``). Question and
politeness words are dropped (``STOP_PHRASES``), except a folded one that is a syllable of a
word the catalogue's names use, next to its other syllable ("chi nhánh", "phương tiện", "thị
thực": ``NAME_SYLLABLES``); official abbreviations are spelled out ("cấp TW" is "cấp trung
ương"); numbers lose leading zeros. Function words weigh little (``LIGHT_WORDS``), unless a
name writes the syllable as part of a content word ("tài sản", "cơ sở": ``LIGHT_FORMS``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable

from nlu.normalize import normalize


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in text.replace("\n", ",").split(",") if p.strip()))


# Words that never name a procedure: questions about an aspect (documents, fee,
# time, place, steps, online, forms, conditions), politeness, pronouns, fillers.
# Removed from messages and from names/aliases alike, longest first. Folded forms:
# several folded words are ambiguous ("the" = thế/thẻ, "sao" = sao/bản sao,
# "may" = mấy/xe máy, "dau" = đâu/lần đầu, "nha" = nhé/nhà, "mang" = mang/mạng,
# "ngay" = ngay/ngày sinh, "ban" = bạn/bản sao), so those only go inside a phrase.
STOP_PHRASES: tuple[str, ...] = _phrases(
    """
    xin chao, chao, kinh gui, kinh thua, tran trong, xin cam on, cam on, chan thanh, vui long, lam on
    a, ad, admin, ah, ak, nhe, nhen, nhi, vay, oi, alo, ok, u, thi, la, hay, nen, ma, ha, luon, chut
    giup, giup do, voi a, nhe a, duoc khong, co duoc khong, khong, chua, roi, nhanh
    em, minh, toi, tui, anh, chi, anh chi, moi nguoi, chau, ong, ba, ban oi, chung toi, chung em, chung minh
    nha minh, nha em, nha toi, gia dinh toi, gia dinh em
    cho hoi, xin hoi, hoi ve, muon hoi, em hoi, minh hoi, toi hoi, cho biet, xin cho biet
    muon, tim hieu, huong dan, tu van, thong tin, biet, ve viec, lien quan
    gi, nao, bao nhieu, bao lau, bao gio, khi nao, luc nao
    the nao, nhu the nao, nhu nao, ra sao, lam sao, the sao, lam the nao, lam gi
    o dau, len dau, di dau, nop dau, cho nao, noi nao, co quan nao, cap nao, o xa hay
    noi nop, noi lam, noi tiep nhan, noi giai quyet
    giay to gi, can giay to, nhung giay to, giay to can, giay to nao, mang giay to
    ho so, thanh phan, bo ho so, nhung gi, gom, bao gom, gom nhung
    can gi, can nhung, can co, can phai, can chuan bi, can mang, chuan bi, mang theo
    le phi, phi, chi phi, tien, mat tien, mat phi, mat bao nhieu, het bao nhieu
    thoi gian, thoi han, giai quyet, xu ly, mat bao lau, het bao lau, lau, nop, nhan ket qua, ket qua
    may ngay, bao nhieu ngay, mat may ngay, ngay lam viec, trong ngay, lay ngay, may gio, gio, bay gio
    may thang, may tuan
    trinh tu, cach thuc, cach, cac buoc, buoc, quy trinh
    truc tuyen, online, qua mang, dich vu cong, cong dich vu cong, dich vu cong quoc gia, vneid
    mau, mau don, to khai, bieu mau, mau so, dieu kien, yeu cau
    thu tuc, thu tuc hanh chinh, trung tam, phuc vu hanh chinh cong, hanh chinh cong
    uy ban nhan dan, uy ban, mot cua
    doi voi, truong hop, theo quy dinh, co tham quyen
    """
)

# Function words and generic verbs ("làm", "xin"): kept, but weigh little.
LIGHT_WORDS: frozenset[str] = frozenset(
    _phrases(
        """
        cho, cua, va, voi, o, tai, trong, cac, nhung, mot, hoac, da, co, bi, de, khi, ve, nguoi
        moi, den, theo, duoc, nay, nhu, sau, truoc, lam, xin, lay
        """
    )
)
LIGHT_FACTOR = 0.25
# ... as they are written with their tone marks. Folded, several are also syllables of content
# words ("tai": tại / tài sản, tài chính; "co": có / cơ sở, cơ quan; "moi": mới / môi trường;
# "ve": về / bảo vệ; "o": ở / ô tô; "khi": khi / khí thải): a name that writes the syllable
# otherwise weighs it fully.
LIGHT_FORMS: frozenset[str] = frozenset(
    _phrases(
        """
        cho, của, và, với, ở, tại, trong, các, những, một, hoặc, đã, có, bị, để, khi, về, người
        mới, đến, theo, được, này, như, sau, trước, làm, xin, lấy
        """
    )
)

STOP_WORDS = frozenset(p for p in STOP_PHRASES if " " not in p)
STOP_RE = re.compile(  # the phrases of several words; single words are dropped afterwards
    r"(?<!\S)(?:"
    + "|".join(re.escape(p) for p in sorted((p for p in STOP_PHRASES if " " in p), key=len, reverse=True))
    + r")(?!\S)"
)
# Folded question words that are also syllables of official names' words: "chi" (chị / chi
# nhánh, chứng chỉ, địa chỉ), "thi" (thì / thị thực, đô thị), "tien" (tiền / phương tiện), "phi"
# (phí / phi ngân hàng), "khong" (không / hàng không)... Next to the other syllable of a word
# the catalogue's names use ("chi nhanh"), they are kept, in names and messages alike.
NAME_PAIR_USES = 3  # names that must use a pair for it to be kept
NAME_SYLLABLES = frozenset(
    _phrases(
        """
        chi, nhanh, thi, tien, phi, khong, chua, ma, ha, biet, chao, giup, vay, gom, cach, mau, lau, nen, buoc, minh
        """
    )
)

# Abbreviations official names use (folded) that ``normalize`` leaves alone: spelled out in
# names and messages alike, so "cấp TW" meets "cấp trung ương" and "GPLX ngành GTVT" meets
# "giao thông vận tải".
NAME_ABBREVIATIONS: dict[str, str] = {
    "tw": "trung uong", "nhnn": "ngan hang nha nuoc", "kbnn": "kho bac nha nuoc", "tctd": "to chuc tin dung",
    "tnhh": "trach nhiem huu han", "mtv": "mot thanh vien", "htx": "hop tac xa", "dncx": "doanh nghiep che xuat",
    "dnbh": "doanh nghiep bao hiem", "cqt": "co quan thue", "gtgt": "gia tri gia tang", "ttdb": "tieu thu dac biet",
    "tncn": "thu nhap ca nhan", "tndn": "thu nhap doanh nghiep", "bhtn": "bao hiem that nghiep",
    "tnld": "tai nan lao dong", "bhtnld": "bao hiem tai nan lao dong", "bnn": "benh nghe nghiep",
    "kcb": "kham chua benh", "gtvt": "giao thong van tai", "bqp": "bo quoc phong", "bca": "bo cong an",
    "qlxnc": "quan ly xuat nhap canh", "pccc": "phong chay chua chay", "cand": "cong an nhan dan",
    "qdnd": "quan doi nhan dan", "vn": "viet nam", "tp": "thanh pho",
}  # fmt: skip


# A citizen who mentions two procedures ("đã có giấy khai sinh, giờ muốn nhập khẩu
# cho con") names the one wanted after "muốn": those words weigh more in what a
# procedure explains.
GOAL = "\x00goal"
# ("muốn hỏi", "muốn biết" ask a question: the goal is not the words after them.)
GOAL_RE = re.compile(r"(?<!\S)(?:muon(?! (?:hoi|biet|tim hieu|xin|duoc hoi)(?!\S))|can lam)(?!\S)")


def content_tokens(normalized: str, kept: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
    """The words of a normalised text that may name a procedure (abbreviations spelled out,
    numbers without leading zeros, final "y" spelled "i"). A question word stays when it and
    its neighbour are a pair of ``kept`` ("chi nhanh")."""
    words = spelled_out(normalized)
    keep = [w not in STOP_WORDS for w in words]
    if kept and not all(keep):
        for i, pair in enumerate(itertools.pairwise(words)):
            if pair in kept:
                keep[i] = keep[i + 1] = True
    return [canonical(w) for w, k in zip(words, keep, strict=True) if k]


def spelled_out(normalized: str) -> list[str]:
    """The words with abbreviations spelled out and question phrases of several words removed."""
    words = normalized.split()
    if any(w in NAME_ABBREVIATIONS for w in words):
        normalized = " ".join(NAME_ABBREVIATIONS.get(w, w) for w in words)
    return STOP_RE.sub(" ", normalized).split()


def name_pairs(texts: Iterable[str], norm: Callable[[str], str] = normalize) -> frozenset[tuple[str, str]]:
    """Pairs of syllables, one of them a question word of NAME_SYLLABLES, that NAME_PAIR_USES or more
    names use as a word ("chi nhanh", "phuong tien", "hang khong", "thi thuc")."""
    seen: dict[tuple[str, str], int] = {}
    for text in texts:
        for a, b in set(itertools.pairwise(spelled_out(norm(text)))):
            if (a in NAME_SYLLABLES or b in NAME_SYLLABLES) and all(
                w not in LIGHT_WORDS and (w in NAME_SYLLABLES or w not in STOP_WORDS) for w in (a, b)
            ):
                seen[(a, b)] = seen.get((a, b), 0) + 1
    return frozenset(pair for pair, n in seen.items() if n >= NAME_PAIR_USES)


# Both spellings of a final i/y are in use ("ký"/"kí", "lý"/"lí"); after a plain
# consonant they are one sound, so one spelling is kept ("uy", "ay" are untouched).
FINAL_Y = re.compile(r"^(b|c|ch|d|g|gh|h|k|kh|l|m|n|ng|ngh|nh|p|ph|r|s|t|th|tr|v|x)y$")


def canonical(token: str) -> str:
    if token.isdigit():
        return token.lstrip("0") or "0"  # "mức độ 02" is "mức độ 2"
    return FINAL_Y.sub(r"\1i", token)
