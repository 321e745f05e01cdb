"""The resolver's precomputed index: phrases, word weights, postings, typo lookup.

Everything here works on *normalised* text (``nlu.normalize.normalize``). Names
and aliases are normalised once, at construction; a query costs one pass over
the postings of its few content words plus a bigram check on the best phrases,
which keeps a resolve well under a millisecond per hundred procedures.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from knowledge_base.schema import Procedure
from nlu.normalize import normalize

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
    em, minh, toi, tui, anh, chi, anh chi, moi nguoi, chau, ong, ba, ban oi
    nha minh, nha em, nha toi, gia dinh toi, gia dinh em
    cho hoi, xin hoi, hoi ve, muon hoi, em hoi, minh hoi, toi hoi, cho biet, xin cho biet
    muon, tim hieu, huong dan, tu van, thong tin, biet, ve viec, lien quan
    gi, nao, bao nhieu, bao lau, bao gio, khi nao, luc nao
    the nao, nhu the nao, nhu nao, ra sao, lam sao, the sao, lam the nao, lam gi
    o dau, len dau, di dau, nop dau, cho nao, noi nao, co quan nao, cap nao, o xa hay
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

_STOP_RE = re.compile(
    r"(?<!\S)(?:" + "|".join(re.escape(p) for p in sorted(STOP_PHRASES, key=len, reverse=True)) + r")(?!\S)"
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
# A citizen who mentions two procedures ("đã có giấy khai sinh, giờ muốn nhập khẩu
# cho con") names the one wanted after "muốn": those words weigh more in what a
# procedure explains.
_GOAL = "\x00goal"
_GOAL_RE = re.compile(r"(?<!\S)(?:muon|can lam)(?!\S)")
GOAL_WINDOW = 5
GOAL_FOCUS = 1.5
_PAREN_RE = re.compile(r"\([^()]*\)")


def content_tokens(normalized: str) -> list[str]:
    """The words of a normalised text that may name a procedure (final "y" spelled "i")."""
    return [_canonical(t) for t in _STOP_RE.sub(" ", normalized).split()]


# Both spellings of a final i/y are in use ("ký"/"kí", "lý"/"lí"); after a plain
# consonant they are one sound, so one spelling is kept ("uy", "ay" are untouched).
_FINAL_Y = re.compile(r"^(b|c|ch|d|g|gh|h|k|kh|l|m|n|ng|ngh|nh|p|ph|r|s|t|th|tr|v|x)y$")


def _canonical(token: str) -> str:
    return _FINAL_Y.sub(r"\1i", token)


# -- the index --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    code: str
    tokens: tuple[str, ...]
    total: float  # unigram + bigram weight
    weights: dict[str, float]  # word -> weight
    bigrams: tuple[tuple[str, str, float], ...]  # (a, b, weight)


@dataclass
class Query:
    tokens: list[str]  # content tokens, after typo repair
    positions: list[dict[str, float]]  # per token: vocabulary words it may be, with credit
    credit: dict[str, float]  # vocabulary word -> credit (1 exact, less for typos)
    bigrams: dict[tuple[str, str], float]  # vocabulary bigram present in the message -> credit
    focus: dict[str, float]  # words the citizen marks as the goal ("muốn ...") -> emphasis


class Index:
    """Phrases of all procedures with IDF weights and a word -> phrase inverted index."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        raw: list[tuple[str, tuple[str, ...]]] = []
        for p in procedures:
            for text in _phrase_texts(p):
                tokens = _phrase_tokens(text)
                if tokens and any(t not in LIGHT_WORDS for t in tokens):
                    raw.append((p.code, tokens))
        raw = list(dict.fromkeys(raw))  # distinct (code, tokens)
        # Document frequency: in how many procedures a word occurs.
        words_of: dict[str, set[str]] = {}
        for code, tokens in raw:
            words_of.setdefault(code, set()).update(tokens)
        n_docs = max(1, len(words_of))
        df: dict[str, int] = {}
        for words in words_of.values():
            for w in words:
                df[w] = df.get(w, 0) + 1
        self.idf = {w: math.log(1.0 + n_docs / d) * (LIGHT_FACTOR if w in LIGHT_WORDS else 1.0) for w, d in df.items()}
        self.phrases: list[Phrase] = []
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.known_bigrams: set[tuple[str, str]] = set()
        for code, tokens in raw:
            pid = len(self.phrases)
            uni: dict[str, float] = {}
            for pos, t in enumerate(tokens):
                if t not in uni:
                    uni[t] = self.idf[t] * _decay(pos)
            bigrams: dict[tuple[str, str], float] = {}
            for pos in range(len(tokens) - 1):
                a, b = tokens[pos], tokens[pos + 1]
                if (a, b) not in bigrams and a != b:
                    bigrams[(a, b)] = BIGRAM_SHARE * min(uni[a], uni[b])
                    self.known_bigrams.add((a, b))
            total = sum(uni.values()) + sum(bigrams.values())
            pairs = tuple((a, b, weight) for (a, b), weight in bigrams.items())
            self.phrases.append(Phrase(code, tokens, total, uni, pairs))
            for t, weight in uni.items():
                self.postings.setdefault(t, []).append((pid, weight))
        self._totals = [p.total for p in self.phrases]
        # Typo lookup: every word and its one-letter deletions -> the words.
        self._deletes: dict[str, set[str]] = {}
        for w in self.idf:
            if len(w) >= MIN_TARGET_LEN and w not in LIGHT_WORDS:
                for key in {w, *_deletions(w)}:
                    self._deletes.setdefault(key, set()).add(w)
        self._variant_cache: dict[str, dict[str, float]] = {}

    # -- queries ---------------------------------------------------------------------------------------

    def query(self, normalized: str) -> Query:
        positions: list[dict[str, float]] = []
        tokens: list[str] = []
        goal_at: list[int] = []  # positions right after a goal marker ("muốn ...")
        for tok in content_tokens(_GOAL_RE.sub(f" {_GOAL} ", normalized)):
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

    def match(self, query: Query) -> list[tuple[int, float]]:
        """(phrase id, coverage) of the phrases the message touches, best first.

        Coverage is the matched share of the phrase's weight (words and adjacent
        pairs). A phrase needs at least one exactly matched word: typo repairs
        alone ("hom" -> "hop") never name a procedure.
        """
        matched: dict[int, float] = {}
        get = matched.get
        for word, c in query.credit.items():
            for pid, w in self.postings.get(word, ()):
                matched[pid] = get(pid, 0.0) + w * c
        # Adjacent pairs add at most BIGRAM_SHARE times the matched word weight, so
        # phrases that cannot reach MIN_COVER are skipped before the closer look.
        totals = self._totals
        reach = 1.0 + BIGRAM_SHARE
        hopeful = [pid for pid, m in matched.items() if m * reach >= MIN_COVER * totals[pid]]
        if len(hopeful) > MAX_BIGRAM_CHECKS:
            hopeful = heapq.nlargest(MAX_BIGRAM_CHECKS, hopeful, key=lambda pid: matched[pid] / totals[pid])
        out: list[tuple[int, float]] = []
        credit = query.credit
        for pid in hopeful:
            phrase = self.phrases[pid]
            if not any(credit.get(t, 0.0) >= SPLIT_CREDIT for t in phrase.weights):
                continue
            words, pairs = self._hits(phrase, query)
            got = sum(phrase.weights[t] * c for t, c in words.items()) + sum(w * c for w, c in pairs)
            out.append((pid, min(1.0, got / phrase.total)))
        out.sort(key=lambda pc: -pc[1])
        return out

    @staticmethod
    def _hits(phrase: Phrase, query: Query) -> tuple[dict[str, float], list[tuple[float, float]]]:
        """The phrase's words found in the message (with credit) and its adjacent pairs found
        (weight, credit). In a phrase of several words, a word found only apart from the
        others (in no found pair) gets reduced credit: "báo ... từ" is not "báo tử"."""
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
        for pid in pids:
            phrase = self.phrases[pid]
            found, _ = self._hits(phrase, query)
            for t, c in found.items():
                if c > words.get(t, 0.0):
                    words[t] = c
            for a, b, _ in phrase.bigrams:
                if (a, b) in query.bigrams:
                    pairs[(a, b)] = query.bigrams[(a, b)]
        focus = query.focus
        return sum(self.idf[w] * c * focus.get(w, 1.0) for w, c in words.items()) + sum(
            BIGRAM_SHARE * min(self.idf[a], self.idf[b]) * c * focus.get(a, 1.0) for (a, b), c in pairs.items()
        )

    def _variants(self, tok: str) -> dict[str, float]:
        cached = self._variant_cache.get(tok)
        if cached is not None:
            return cached
        out: dict[str, float] = {}
        known = tok in self.idf
        if known:
            out[tok] = 1.0
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


def _phrase_tokens(text: str) -> tuple[str, ...]:
    """Content words of a name or alias. A short name that is mostly question words
    ("Hỗ trợ chi phí", "Miễn tiền chậm nộp") keeps them all: without them it would
    claim any message about "hỗ trợ"."""
    normalized = normalize(text)
    tokens = content_tokens(normalized)
    words = [_canonical(t) for t in normalized.split()]
    if words[:2] == ["thu", "tuc"]:
        words = words[2:]
    if len(tokens) <= 2 and len(tokens) < len(words):
        return tuple(words)
    return tuple(tokens)


def _decay(pos: int) -> float:
    if pos < DECAY_START:
        return 1.0
    return max(DECAY_FLOOR, DECAY_RATE ** (pos - DECAY_START + 1))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
