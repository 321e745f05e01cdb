"""The one text normalisation, used on training data and on every incoming message.

Citizens type with and without tone marks, with old or new tone placement, with
chat abbreviations and stretched letters. The NLU model and the procedure resolver
both see the *folded* form: NFC, lower case, tone marks and ``đ`` removed,
abbreviations expanded, punctuation dropped, receipt codes kept whole. Folding
makes "làm giấy khai sinh" and "lam giay khai sinh" the same input, which is
more robust than hoping both spellings were in the training data.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nlu.receipt_codes import iter_codes

# Chat abbreviations (already folded) and their expansion (folded).
ABBREVIATIONS: dict[str, str] = {
    "ko": "khong", "k": "khong", "kh": "khong", "khg": "khong", "hok": "khong",
    "hong": "khong", "kg": "khong", "hem": "khong", "khum": "khong", "0k": "khong",
    "dc": "duoc", "dk": "dang ky", "dki": "dang ky", "dky": "dang ky",
    "j": "gi", "ji": "gi", "gj": "gi",
    "bn": "bao nhieu", "bnh": "bao nhieu", "bnhieu": "bao nhieu", "bnhiu": "bao nhieu", "nhiu": "nhieu",
    "baonhieu": "bao nhieu", "lphi": "le phi", "gto": "giay to", "giayto": "giay to", "thtuc": "thu tuc",
    "ttuc": "thu tuc", "dkien": "dieu kien", "tg": "thoi gian", "onl": "online", "lsao": "lam sao",
    "ntn": "nhu the nao", "ntnao": "nhu the nao",
    "hs": "ho so", "hso": "ho so",
    "cccd": "can cuoc", "cmnd": "chung minh nhan dan", "cmt": "chung minh nhan dan",
    "gplx": "giay phep lai xe", "blx": "bang lai xe",
    "mn": "moi nguoi", "mng": "moi nguoi", "mk": "minh", "e": "em",
    "r": "roi", "vs": "voi", "trc": "truoc", "ng": "nguoi", "ngta": "nguoi ta",
    "z": "vay", "zay": "vay", "v": "vay", "vay a": "vay a",
    "sdt": "so dien thoai", "dt": "dien thoai", "dthoai": "dien thoai",
    "tthc": "thu tuc hanh chinh", "dvc": "dich vu cong", "dvcqg": "dich vu cong quoc gia",
    "ubnd": "uy ban nhan dan", "hk": "ho khau", "kd": "kinh doanh", "dkkd": "dang ky kinh doanh",
    "hkd": "ho kinh doanh", "lltp": "ly lich tu phap", "gcn": "giay chung nhan",
    "qsdd": "quyen su dung dat", "bhyt": "bao hiem y te", "bhxh": "bao hiem xa hoi",
    "kq": "ket qua", "bg": "bao gio", "bh": "bao gio", "ms": "moi", "ck": "chong", "vk": "vo",
    "tks": "cam on", "thks": "cam on", "thanks": "cam on", "thank": "cam on", "camon": "cam on",
    "oki": "ok", "oke": "ok", "okie": "ok", "okela": "ok", "uk": "u", "uh": "u",
    "sn": "sinh", "gks": "giay khai sinh", "tn": "thanh nien", "nsnn": "ngan sach nha nuoc",
    "nvqs": "nghia vu quan su", "xnc": "xuat nhap canh", "dkx": "dang ky xe",
    "lm": "lam", "cx": "cung", "nx": "nua", "hnay": "hom nay", "hqua": "hom qua", "bgio": "bao gio",
    "bjo": "bao gio", "bik": "biet", "wa": "qua", "dzay": "vay", "fai": "phai", "dag": "dang",
    "lun": "luon", "tnao": "the nao", "tgian": "thoi gian", "mst": "ma so thue",
    "gpkd": "giay phep kinh doanh", "gpxd": "giay phep xay dung", "bds": "bat dong san",
}

# Old-style tone placement on the glides oa/oe/uy at the end of a syllable is kept
# as canonical ("hòa", "thủy"); the new style ("hoà", "thuỷ") is rewritten to it.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_NEW_STYLE = re.compile(rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONES}])(?![^\W\d_])")
_PUNCT = re.compile(r"[^\w\s]|_")
_REPEAT = re.compile(r"([a-z])\1{2,}")
_PLACEHOLDER = "qqcodeqq"  # survives folding and punctuation removal
# Invisible characters a keyboard or a copy-paste slips into words and codes: zero-width
# space/joiners, word joiner, BOM, soft hyphen, bidi marks. Left in, "kh\u200bai" splits
# into two words ("kh" then reads as "không") and a receipt code is no longer found.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SHORT_NUMBER = re.compile(r"[0-9]{1,9}")


def _ascii_digit(ch: str) -> str:
    """An ASCII digit for any decimal digit (full-width "４", Arabic-Indic "٤"); others unchanged."""
    if ch.isascii():
        return ch
    if "\uff01" <= ch <= "\uff5e":  # full-width ASCII forms ("Ｈ４９")
        ch = chr(ord(ch) - 0xFEE0)
    value = unicodedata.decimal(ch, None)
    return str(value) if value is not None else ch


def clean(text: str) -> str:
    """Text without invisible characters and with every decimal digit as an ASCII digit.

    Applied to each incoming message before anything reads it, so the four digits typed
    on a full-width or Arabic-Indic keyboard are the same digits, and codes are found.
    """
    text = _INVISIBLE.sub("", text)
    return text if text.isascii() else "".join(_ascii_digit(ch) for ch in text)


def small_number(text: str) -> int | None:
    """The value of a short run of ASCII digits ("3", "0012"), else None.

    ``str.isdigit()`` is also true for "²" and "①", which ``int()`` rejects, and ``int()``
    refuses more than 4,300 digits: user text is never given to ``int()`` unchecked.
    """
    return int(text) if _SHORT_NUMBER.fullmatch(text) else None


def canonical_tones(text: str) -> str:
    """NFC text with one tone-mark placement (old style: "hòa", "thủy")."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _NEW_STYLE.sub(r"\1\3\2", decomposed))


def fold(text: str) -> str:
    """Lower case without tone marks or other diacritics; ``đ`` becomes ``d``."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()


# Polite particles a short reply ends with ("không ạ", "hủy nhé em"): they do not change what it says.
_PARTICLES = re.compile(r"(?:\s+(?:a|nhe|nha|em|ha|oi|nhe em|a em))+$")


def reply_form(text: str) -> str:
    """A short reply as compared with a vocabulary: ``normalize`` without the trailing polite particles."""
    return _PARTICLES.sub("", normalize(text)).strip()


def _expand(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for tok in tokens:
        # Abbreviations first: "cccd" must not lose its repeated letters.
        if tok not in ABBREVIATIONS:
            tok = _REPEAT.sub(r"\1", tok)
        out.extend(ABBREVIATIONS.get(tok, tok).split())
    return out


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """The folded, tokenised form the NLU model and the resolver both see."""
    text = clean(text)
    codes: list[str] = []
    pieces: list[str] = []
    last = 0
    for m, code in iter_codes(text):
        pieces.append(text[last : m.start()])
        pieces.append(f" {_PLACEHOLDER}{len(codes)} ")
        codes.append(code.lower())
        last = m.end()
    pieces.append(text[last:])
    text = fold(canonical_tones("".join(pieces)))
    text = _PUNCT.sub(" ", text)
    tokens = _expand(text.split())
    for i, tok in enumerate(tokens):
        if tok.startswith(_PLACEHOLDER) and tok[len(_PLACEHOLDER) :].isdigit():
            tokens[i] = codes[int(tok[len(_PLACEHOLDER) :])]
    return " ".join(tokens)
