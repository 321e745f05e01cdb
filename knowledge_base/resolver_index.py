"""The resolver's precomputed index: phrases, word weights, postings, typo lookup.

Everything here works on *normalised* text (``nlu.normalize.normalize``). Names
and aliases are normalised once, at construction; a query costs one pass over
the postings of its content words plus a closer look at the best phrases: a few
milliseconds against the 2,642 national procedures (``knowledge_base.bench_resolver``).

Words: question and politeness words are dropped (``STOP_PHRASES``), except a
folded one that is a syllable of a word the catalogue's names use, next to its
other syllable ("chi nhánh", "phương tiện", "thị thực": ``NAME_SYLLABLES``);
official abbreviations are spelled out ("cấp TW" is "cấp trung ương"); numbers
lose leading zeros. Function words weigh little, unless a name writes the
syllable as part of a content word ("tài sản", "cơ sở": ``LIGHT_FORMS``).

Phrases: a procedure's name, its name without parenthesised qualifiers, its
aliases and, for an imported variant whose name contains a curated procedure's
name, that name replaced by each of the curated everyday aliases ("đổi bằng lái
xe quân sự" for "Đổi giấy phép lái xe quân sự ..."): the variant's own words
then tell it apart from the everyday procedure in the citizens' own wording.

Coverage of a phrase is measured two ways: against all its weight (what the
message leaves unsaid counts fully), and *saturated*, against about SATURATION
words' worth of it: a formal question that says ten words of a thirty-word
official name has said enough of it.
"""

from __future__ import annotations

import collections
import functools
import heapq
import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from knowledge_base.schema import Procedure
from nlu.normalize import ABBREVIATIONS, canonical_tones, fold, normalize

# -- content words ---------------------------------------------------------------------------------------


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

_STOP_WORDS = frozenset(p for p in STOP_PHRASES if " " not in p)
_STOP_RE = re.compile(  # the phrases of several words; single words are dropped afterwards
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

# -- weighting and matching parameters -------------------------------------------------------------------

BIGRAM_SHARE = 1.5  # a bigram weighs this share of the lighter of its two words
DECAY_START = 8  # words of a name after this position weigh less (qualifiers of long official names)
DECAY_RATE = 0.85
DECAY_FLOOR = 0.3
ISOLATED = 0.5  # credit of a word found apart from the rest of its phrase
FUZZY_CREDIT = 0.75  # credit of a word matched at edit distance 1
SPLIT_CREDIT = 0.9  # credit of the halves of a glued word ("dangky")
MIN_FUZZY_LEN = 4  # shortest message word that may be a typo
MIN_TARGET_LEN = 3  # shortest word a typo may be repaired to
MAX_BIGRAM_CHECKS = 200  # phrases looked at closely per query (best word coverage first)
MIN_COVER = 0.15  # phrases that cannot cover this share of themselves are not looked at
# Saying as much of a long official name as SATURATION of its words weigh is saying enough of
# it: beyond, its unsaid words count only BEYOND_SATURATION.
SATURATION = 10
BEYOND_SATURATION = 0.3
# A citizen who mentions two procedures ("đã có giấy khai sinh, giờ muốn nhập khẩu
# cho con") names the one wanted after "muốn": those words weigh more in what a
# procedure explains.
_GOAL = "\x00goal"
# ("muốn hỏi", "muốn biết" ask a question: the goal is not the words after them.)
_GOAL_RE = re.compile(r"(?<!\S)(?:muon(?! (?:hoi|biet|tim hieu|xin|duoc hoi)(?!\S))|can lam)(?!\S)")
GOAL_WINDOW = 5
GOAL_FOCUS = 1.5
_PAREN_RE = re.compile(r"\([^()]*\)")


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


def content_tokens(normalized: str, kept: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
    """The words of a normalised text that may name a procedure (abbreviations spelled out,
    numbers without leading zeros, final "y" spelled "i"). A question word stays when it and
    its neighbour are a pair of ``kept`` ("chi nhanh")."""
    words = _spelled_out(normalized)
    keep = [w not in _STOP_WORDS for w in words]
    if kept and not all(keep):
        for i, pair in enumerate(itertools.pairwise(words)):
            if pair in kept:
                keep[i] = keep[i + 1] = True
    return [_canonical(w) for w, k in zip(words, keep, strict=True) if k]


def _spelled_out(normalized: str) -> list[str]:
    """The words with abbreviations spelled out and question phrases of several words removed."""
    words = normalized.split()
    if any(w in NAME_ABBREVIATIONS for w in words):
        normalized = " ".join(NAME_ABBREVIATIONS.get(w, w) for w in words)
    return _STOP_RE.sub(" ", normalized).split()


def _name_pairs(texts: Iterable[str], norm: Callable[[str], str] = normalize) -> frozenset[tuple[str, str]]:
    """Pairs of syllables, one of them a question word of NAME_SYLLABLES, that NAME_PAIR_USES or more
    names use as a word ("chi nhanh", "phuong tien", "hang khong", "thi thuc")."""
    seen: dict[tuple[str, str], int] = {}
    for text in texts:
        for a, b in set(itertools.pairwise(_spelled_out(norm(text)))):
            if (a in NAME_SYLLABLES or b in NAME_SYLLABLES) and all(
                w not in LIGHT_WORDS and (w in NAME_SYLLABLES or w not in _STOP_WORDS) for w in (a, b)
            ):
                seen[(a, b)] = seen.get((a, b), 0) + 1
    return frozenset(pair for pair, n in seen.items() if n >= NAME_PAIR_USES)


# Both spellings of a final i/y are in use ("ký"/"kí", "lý"/"lí"); after a plain
# consonant they are one sound, so one spelling is kept ("uy", "ay" are untouched).
_FINAL_Y = re.compile(r"^(b|c|ch|d|g|gh|h|k|kh|l|m|n|ng|ngh|nh|p|ph|r|s|t|th|tr|v|x)y$")


def _canonical(token: str) -> str:
    if token.isdigit():
        return token.lstrip("0") or "0"  # "mức độ 02" is "mức độ 2"
    return _FINAL_Y.sub(r"\1i", token)


# -- tone marks -------------------------------------------------------------------------------------------

# Folding merges words that tone marks tell apart ("thuế" tax / "thuê" rent, "đổi" change / "đối"
# towards). A *toned* index keeps the marks of content words; the words the rules above name
# (question and function words, name syllables, abbreviations) stay folded, so every rule works
# unchanged on both kinds of text.
_PUNCT_RE = re.compile(r"[^\w\s]|_")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_FOLDED_ONLY = _STOP_WORDS | LIGHT_WORDS | NAME_SYLLABLES | frozenset(NAME_ABBREVIATIONS)
# Light words only a toned index can tell: "đối" of "đối với" when the asker drops "với" ("khai thuế
# đối cá nhân"), folded the same as the content word "đổi" (change).
TONED_LIGHT_WORDS = frozenset({"đối"})
_I_OF_Y = str.maketrans("yýỳỷỹỵ", "iíìỉĩị")
TONED_SHARE = 0.5  # a message is read with its tone marks when at least this share of its words carry some
_fold_word = functools.lru_cache(maxsize=65536)(fold)


def keep_tones(raw: str, normalized: str | None = None) -> str | None:
    """``normalize(raw)`` with the tone marks of its content words kept; None when the two cannot
    be aligned word for word (a receipt code, an unusual spelling): the folded text is then used."""
    normalized = normalize(raw) if normalized is None else normalized
    out: list[str] = []
    for word in _PUNCT_RE.sub(" ", canonical_tones(raw).lower()).split():
        folded = _fold_word(word)
        if folded in ABBREVIATIONS or _REPEAT_RE.search(folded) or folded in _FOLDED_ONLY or folded.isdigit():
            out.extend(normalize(folded).split())
        elif _FINAL_Y.match(folded):
            out.append(word[:-1] + word[-1].translate(_I_OF_Y))
        else:
            out.append(word)
    plain = normalized.split()
    aligned = zip(out, plain, strict=False)
    if len(out) != len(plain) or any(_canonical(_fold_word(t)) != _canonical(w) for t, w in aligned):
        return None
    # Words of the question phrases ("kết quả", "đối với") and goal markers ("cần làm") stay folded
    # too, for the phrases to be found.
    starts = list(itertools.accumulate((len(w) + 1 for w in plain[:-1]), initial=0))
    for m in itertools.chain(_STOP_RE.finditer(normalized), _GOAL_RE.finditer(normalized)):
        for i, start in enumerate(starts):
            if m.start() <= start < m.end():
                out[i] = plain[i]
    return " ".join(out)


@functools.lru_cache(maxsize=16384)  # a name is read three times while indexing
def _toned_or_folded(text: str) -> str:
    normalized = normalize(text)
    return keep_tones(text, normalized) or normalized


def has_tone_marks(raw: str) -> bool:
    """Whether a message is written with tone marks (most of its words carry some)."""
    words = [w for w in _PUNCT_RE.sub(" ", raw).split() if not w.isdigit()]
    marked = sum(1 for w in words if _fold_word(w) != w.lower())
    return bool(words) and marked >= TONED_SHARE * len(words)


# -- the index --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    code: str
    tokens: tuple[str, ...]
    total: float  # unigram + bigram weight
    weights: dict[str, float]  # word -> weight
    bigrams: tuple[tuple[str, str, float], ...]  # (a, b, weight)
    heavy: frozenset[str]  # light words this phrase uses as content words ("tài" of "tài sản")
    shared: bool = False  # other procedures have this phrase too (a family's alias)


@dataclass
class Query:
    tokens: list[str]  # content tokens, after typo repair
    positions: list[dict[str, float]]  # per token: vocabulary words it may be, with credit
    credit: dict[str, float]  # vocabulary word -> credit (1 exact, less for typos)
    bigrams: dict[tuple[str, str], float]  # vocabulary bigram present in the message -> credit
    focus: dict[str, float]  # words the citizen marks as the goal ("muốn ...") -> emphasis
    hits: dict[int, tuple[dict[str, float], list[tuple[float, float]]]] = field(default_factory=dict)  # memo


class Index:
    """Phrases of all procedures with IDF weights and a word -> phrase inverted index."""

    def __init__(self, procedures: Iterable[Procedure], tones: bool = False) -> None:
        """``tones``: index the content words with their tone marks (``keep_tones``), for toned messages."""
        procedures = list(procedures)
        self.tones = tones
        self._norm: Callable[[str], str] = _toned_or_folded if tones else normalize
        texts = [(p.code, text) for p in procedures for text in _phrase_texts(p)]
        self.kept = _name_pairs((text for _, text in texts), self._norm)
        heavy_in: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}  # distinct (code, tokens)
        for code, text in texts:
            tokens = _phrase_tokens(text, self.kept, self._norm)
            if tokens and any(t not in LIGHT_WORDS for t in tokens):
                heavy_in[(code, tokens)] = heavy_in.get((code, tokens), frozenset()) | _heavy(text)
        for phrase_key, heavy in self._everyday_variants(procedures, heavy_in).items():
            heavy_in.setdefault(phrase_key, heavy)
        raw = list(heavy_in)
        holders = collections.Counter(tokens for _, tokens in raw)
        # Document frequency: in how many procedures a word occurs.
        words_of: dict[str, set[str]] = {}
        for code, tokens in raw:
            words_of.setdefault(code, set()).update(tokens)
        n_docs = max(1, len(words_of))
        df: dict[str, int] = {}
        for words in words_of.values():
            for w in words:
                df[w] = df.get(w, 0) + 1
        self.full_idf = {w: math.log(1.0 + n_docs / d) for w, d in df.items()}
        light = LIGHT_WORDS | TONED_LIGHT_WORDS if tones else LIGHT_WORDS
        self.idf = {w: v * (LIGHT_FACTOR if w in light else 1.0) for w, v in self.full_idf.items()}
        self.phrases: list[Phrase] = []
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.known_bigrams: set[tuple[str, str]] = set()
        for code, tokens in raw:
            pid = len(self.phrases)
            heavy = heavy_in[(code, tokens)]
            uni: dict[str, float] = {}
            for pos, t in enumerate(tokens):
                if t not in uni:
                    uni[t] = (self.full_idf[t] if t in heavy else self.idf[t]) * _decay(pos)
            bigrams: dict[tuple[str, str], float] = {}
            for pos in range(len(tokens) - 1):
                a, b = tokens[pos], tokens[pos + 1]
                if (a, b) not in bigrams and a != b:
                    bigrams[(a, b)] = BIGRAM_SHARE * min(uni[a], uni[b])
                    self.known_bigrams.add((a, b))
            total = sum(uni.values()) + sum(bigrams.values())
            pairs = tuple((a, b, weight) for (a, b), weight in bigrams.items())
            self.phrases.append(Phrase(code, tokens, total, uni, pairs, heavy, holders[tokens] > 1))
            for t, weight in uni.items():
                self.postings.setdefault(t, []).append((pid, weight))
        # The same postings as parallel lists (phrase ids, weights): faster to accumulate.
        self._columns = {w: ([pid for pid, _ in ps], [wt for _, wt in ps]) for w, ps in self.postings.items()}
        self._totals = [p.total for p in self.phrases]
        self._saturated = [
            p.total * min(1.0, (SATURATION + BEYOND_SATURATION * (len(p.weights) - SATURATION)) / len(p.weights))
            for p in self.phrases
        ]
        # A phrase whose matched words (with the most their pairs could add) reach this is looked at.
        self._hopeful = [MIN_COVER * t / (1.0 + BIGRAM_SHARE) for t in self._saturated]
        # Typo lookup: every word and its one-letter deletions -> the words.
        self._deletes: dict[str, set[str]] = {}
        for w in self.idf:
            if len(w) >= MIN_TARGET_LEN and w not in LIGHT_WORDS:
                for key in {w, *_deletions(w)}:
                    self._deletes.setdefault(key, set()).add(w)
        self._variant_cache: dict[str, dict[str, float]] = {}
        # Toned index: the toned words of each folded one, for words a toned message writes without marks.
        self._forms: dict[str, set[str]] = {}
        if tones:
            for w in self.idf:
                self._forms.setdefault(_canonical(fold(w)), set()).add(w)

    def _everyday_variants(
        self, procedures: list[Procedure], phrases: dict[tuple[str, tuple[str, ...]], frozenset[str]]
    ) -> dict[tuple[str, tuple[str, ...]], frozenset[str]]:
        """Phrases that name a variant in a curated procedure's everyday words.

        An imported variant's official name often contains a curated procedure's name ("Đổi
        giấy phép lái xe quân sự ..." contains "Đổi giấy phép lái xe"; "Đăng ký khai sinh có
        yếu tố nước ngoài" contains "Đăng ký khai sinh"). Citizens call the variant by the
        curated procedure's everyday name plus the variant's own words ("đổi bằng lái quân
        sự", "làm giấy khai sinh có yếu tố nước ngoài"): the variant gets those phrases too.
        """
        curated = [p for p in procedures if p.curated]
        if not curated:
            return {}
        by_code: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        for (code, tokens), heavy in phrases.items():
            by_code.setdefault(code, []).append((tokens, heavy))
        out: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
        for c in curated:
            span = _phrase_tokens(c.name, self.kept, self._norm)
            if len(span) < 2:
                continue
            everyday = {_phrase_tokens(a, self.kept, self._norm): _heavy(a) for a in c.aliases}
            for p in procedures:
                if p.curated:
                    continue
                # The variant's shortest phrase with the curated name, if it adds words of its own
                # (a twin that only differs by level, "(thực hiện tại cấp tỉnh)", adds none).
                found = [(tokens, heavy) for tokens, heavy in by_code.get(p.code, ()) if _find(tokens, span) >= 0]
                if not found:
                    continue
                tokens, heavy = min(found, key=lambda th: len(th[0]))
                if len(tokens) == len(span):
                    continue
                at = _find(tokens, span)
                for alias, alias_heavy in everyday.items():
                    if alias:
                        out[(p.code, (*tokens[:at], *alias, *tokens[at + len(span) :]))] = heavy | alias_heavy
        return out

    # -- queries ---------------------------------------------------------------------------------------

    def query(self, normalized: str) -> Query:
        positions: list[dict[str, float]] = []
        tokens: list[str] = []
        goal_at: list[int] = []  # positions right after a goal marker ("muốn ...")
        for tok in content_tokens(_GOAL_RE.sub(f" {_GOAL} ", normalized), self.kept):
            if tok == _GOAL:
                goal_at.append(len(tokens))
                continue
            variants = self._variants(tok)
            if variants:
                positions.append(variants)
                tokens.append(tok)
                continue
            halves = self._split(tok)
            if halves:
                for half in halves:
                    positions.append({half: SPLIT_CREDIT})
                    tokens.append(half)
            else:
                positions.append({})
                tokens.append(tok)
        credit: dict[str, float] = {}
        for variants in positions:
            for v, c in variants.items():
                if c > credit.get(v, 0.0):
                    credit[v] = c
        bigrams: dict[tuple[str, str], float] = {}
        for left, right in itertools.pairwise(positions):
            for a, ca in left.items():
                for b, cb in right.items():
                    c = min(ca, cb)
                    if c > bigrams.get((a, b), 0.0):
                        bigrams[(a, b)] = c
        focus: dict[str, float] = {}
        for start in goal_at:
            for variants in positions[start : start + GOAL_WINDOW]:
                for v in variants:
                    focus[v] = GOAL_FOCUS
        return Query(tokens, positions, credit, bigrams, focus)

    def match(self, query: Query) -> list[tuple[int, float, float]]:
        """(phrase id, coverage, saturated coverage) of the phrases the message touches, best first.

        Coverage is the matched share of the phrase's weight (words and adjacent
        pairs); saturated coverage measures it against at most SATURATION rare words'
        worth of a long name (how much was said, rather than how much was left out).
        A phrase needs at least one exactly matched word: typo repairs alone ("hom" ->
        "hop") never name a procedure.
        """
        matched = [0.0] * len(self.phrases)
        for word, c in query.credit.items():
            column = self._columns.get(word)
            if column is None:
                continue
            if c == 1.0:
                for pid, w in zip(*column, strict=True):
                    matched[pid] += w
            else:
                for pid, w in zip(*column, strict=True):
                    matched[pid] += w * c
        # Adjacent pairs add at most BIGRAM_SHARE times the matched word weight, so
        # phrases that cannot reach MIN_COVER are skipped before the closer look.
        totals, saturated = self._totals, self._saturated
        hopeful = [pid for pid, (m, least) in enumerate(zip(matched, self._hopeful, strict=True)) if m and m >= least]
        if len(hopeful) > MAX_BIGRAM_CHECKS:
            hopeful = heapq.nlargest(MAX_BIGRAM_CHECKS, hopeful, key=lambda pid: matched[pid] / saturated[pid])
        out: list[tuple[int, float, float]] = []
        credit = query.credit
        for pid in hopeful:
            phrase = self.phrases[pid]
            if not any(credit.get(t, 0.0) >= SPLIT_CREDIT for t in phrase.weights):
                continue
            words, pairs = self._hits(phrase, query)
            got = sum(phrase.weights[t] * c for t, c in words.items()) + sum(w * c for w, c in pairs)
            out.append((pid, min(1.0, got / totals[pid]), min(1.0, got / saturated[pid])))
        out.sort(key=lambda pc: -pc[1])
        return out

    @staticmethod
    def _hits(phrase: Phrase, query: Query) -> tuple[dict[str, float], list[tuple[float, float]]]:
        """The phrase's words found in the message (with credit) and its adjacent pairs found
        (weight, credit). In a phrase of several words, a word found only apart from the
        others (in no found pair) gets reduced credit: "báo ... từ" is not "báo tử"."""
        cached = query.hits.get(id(phrase))
        if cached is not None:
            return cached
        credit, qbi = query.credit, query.bigrams
        pairs: list[tuple[float, float]] = []
        joined: set[str] = set()
        for a, b, w in phrase.bigrams:
            c = qbi.get((a, b))
            if c:
                pairs.append((w, c))
                joined.add(a)
                joined.add(b)
        alone = ISOLATED if len(phrase.weights) > 1 else 1.0
        words = {t: credit[t] * (1.0 if t in joined else alone) for t in phrase.weights if t in credit}
        query.hits[id(phrase)] = (words, pairs)
        return words, pairs

    def weight(self, query: Query) -> float:
        """Weight of the message's words and adjacent pairs known to the index (its best readings)."""
        focus = query.focus
        total = 0.0
        for pos, variants in enumerate(query.positions):
            total += max((self.idf[v] * c * focus.get(v, 1.0) for v, c in variants.items()), default=0.0)
            if pos + 1 < len(query.positions):
                total += max(
                    (
                        BIGRAM_SHARE * min(self.idf[a], self.idf[b]) * min(ca, cb) * focus.get(a, 1.0)
                        for a, ca in variants.items()
                        for b, cb in query.positions[pos + 1].items()
                        if (a, b) in self.known_bigrams
                    ),
                    default=0.0,
                )
        return total

    def explained(self, query: Query, pids: Iterable[int]) -> float:
        """Weight of the message's words (and adjacent pairs) that these phrases account for."""
        words: dict[str, float] = {}
        pairs: dict[tuple[str, str], float] = {}
        heavy: set[str] = set()
        for pid in pids:
            phrase = self.phrases[pid]
            found, _ = self._hits(phrase, query)
            for t, c in found.items():
                if c > words.get(t, 0.0):
                    words[t] = c
            for a, b, _ in phrase.bigrams:
                if (a, b) in query.bigrams:
                    pairs[(a, b)] = query.bigrams[(a, b)]
            heavy |= phrase.heavy
        focus = query.focus
        idf: Mapping[str, float] = (
            collections.ChainMap({w: self.full_idf[w] for w in heavy}, self.idf) if heavy else self.idf
        )
        return sum(idf[w] * c * focus.get(w, 1.0) for w, c in words.items()) + sum(
            BIGRAM_SHARE * min(idf[a], idf[b]) * c * focus.get(a, 1.0) for (a, b), c in pairs.items()
        )

    def _variants(self, tok: str) -> dict[str, float]:
        cached = self._variant_cache.get(tok)
        if cached is not None:
            return cached
        out: dict[str, float] = {}
        known = tok in self.idf
        if known:
            out[tok] = 1.0
        elif self.tones and tok in self._forms:  # written without tone marks: any of its toned words
            out = dict.fromkeys(self._forms[tok], 1.0)
            self._variant_cache[tok] = out
            return out
        if len(tok) >= MIN_FUZZY_LEN and not tok.isdigit() and tok not in LIGHT_WORDS:
            keys = [tok, *_deletions(tok)] if not known else [tok]
            for key in keys:
                for v in self._deletes.get(key, ()):
                    if v in out or v.isdigit():
                        continue
                    # A known word only stretches to a longer one ("nghe" -> "ngheo"): a
                    # dropped letter is the common typo, and substitutions between two real
                    # words ("thu"/"thue") would mostly be wrong.
                    if known and (len(v) != len(tok) + 1 or len(tok) < 4):
                        continue
                    if OSA.distance(tok, v) <= 1:
                        out[v] = FUZZY_CREDIT
        if len(self._variant_cache) < 50_000:
            self._variant_cache[tok] = out
        return out

    def _split(self, tok: str) -> tuple[str, str] | None:
        if len(tok) < 4 or tok.isdigit():
            return None
        for i in range(1, len(tok)):
            pair = (tok[:i], tok[i:])
            if pair in self.known_bigrams:
                return pair
        return None


def _phrase_texts(p: Procedure) -> list[str]:
    """Name, name without parenthesised qualifiers, and aliases."""
    texts = [p.name]
    bare = _PAREN_RE.sub(" ", p.name)
    if bare != p.name:
        texts.append(bare)
    texts.extend(p.aliases)
    return texts


def _heavy(text: str) -> frozenset[str]:
    """The light words (folded) a name writes as syllables of content words ("tài", "cơ")."""
    words = re.sub(r"[^\w\s]|_", " ", canonical_tones(text).lower()).split()
    return frozenset(f for w in words if (f := fold(w)) in LIGHT_WORDS and f != w and w not in LIGHT_FORMS)


def _phrase_tokens(
    text: str, kept: frozenset[tuple[str, str]], norm: Callable[[str], str] = normalize
) -> tuple[str, ...]:
    """Content words of a name or alias. A short name that is mostly question words
    ("Hỗ trợ chi phí", "Miễn tiền chậm nộp") keeps them all: without them it would
    claim any message about "hỗ trợ"."""
    normalized = norm(text)
    tokens = content_tokens(normalized, kept)
    words = [_canonical(t) for t in normalized.split()]
    if words[:2] == ["thu", "tuc"]:
        words = words[2:]
    if len(tokens) <= 2 and len(tokens) < len(words):
        return tuple(words)
    return tuple(tokens)


def _find(tokens: tuple[str, ...], span: tuple[str, ...]) -> int:
    """Where span occurs in tokens, -1 when it does not."""
    n = len(span)
    first = span[0]
    for i in range(len(tokens) - n + 1):
        if tokens[i] == first and tokens[i : i + n] == span:
            return i
    return -1


def _decay(pos: int) -> float:
    if pos < DECAY_START:
        return 1.0
    return max(DECAY_FLOOR, DECAY_RATE ** (pos - DECAY_START + 1))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
