"""Reading a message with its tone marks: the toned index's text, and whether a message is toned.

Folding merges words that tone marks tell apart ("thuế" tax / "thuê" rent, "đổi" change / "đối"
towards). A *toned* index keeps the marks of content words; the words the rules of
``resolver_words`` name (question and function words, name syllables, abbreviations) stay
folded, so every rule works unchanged on both kinds of text.
"""

from __future__ import annotations

import functools
import itertools
import re

from knowledge_base.resolver_words import (
    FINAL_Y,
    GOAL_RE,
    LIGHT_WORDS,
    NAME_ABBREVIATIONS,
    NAME_SYLLABLES,
    STOP_RE,
    STOP_WORDS,
    canonical,
)
from nlu.normalize import ABBREVIATIONS, canonical_tones, fold, normalize

_PUNCT_RE = re.compile(r"[^\w\s]|_")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_FOLDED_ONLY = STOP_WORDS | LIGHT_WORDS | NAME_SYLLABLES | frozenset(NAME_ABBREVIATIONS)
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
        elif FINAL_Y.match(folded):
            out.append(word[:-1] + word[-1].translate(_I_OF_Y))
        else:
            out.append(word)
    plain = normalized.split()
    aligned = zip(out, plain, strict=False)
    if len(out) != len(plain) or any(canonical(_fold_word(t)) != canonical(w) for t, w in aligned):
        return None
    # Words of the question phrases ("kết quả", "đối với") and goal markers ("cần làm") stay folded
    # too, for the phrases to be found.
    starts = list(itertools.accumulate((len(w) + 1 for w in plain[:-1]), initial=0))
    for m in itertools.chain(STOP_RE.finditer(normalized), GOAL_RE.finditer(normalized)):
        for i, start in enumerate(starts):
            if m.start() <= start < m.end():
                out[i] = plain[i]
    return " ".join(out)


def toned_or_folded(text: str) -> str:
    normalized = normalize(text)
    return keep_tones(text, normalized) or normalized


def has_tone_marks(raw: str) -> bool:
    """Whether a message is written with tone marks (most of its words carry some)."""
    words = [w for w in _PUNCT_RE.sub(" ", raw).split() if not w.isdigit()]
    marked = sum(1 for w in words if _fold_word(w) != w.lower())
    return bool(words) and marked >= TONED_SHARE * len(words)
