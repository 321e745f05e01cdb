"""Finding a procedure by what its record says, when the message names none.

Long questions often describe the situation ("bố tôi đang hưởng lương hưu thì mất, còn tiền
chưa nhận") instead of the procedure's name ("Truy lĩnh lương hưu ... của người hưởng đã chết").
The name resolver then finds nothing; the record's own text -- its result, who may ask,
documents, conditions, steps, field -- often says it. This is a BM25 ranking over that text
(folded syllables and adjacent syllable pairs, which are most Vietnamese words; field weights),
used only as a fallback and only to *offer* a choice: it never answers with confidence.

Question and politeness words are dropped first (``resolver_words.content_tokens``), and words
found in a large share of the records (``COMMON_SHARE``) are not indexed: they would cost time
and tell nothing apart.
"""

from __future__ import annotations

import itertools
import math
import re
from array import array
from collections.abc import Iterable

from knowledge_base.resolver_words import LIGHT_WORDS, content_tokens
from knowledge_base.schema import Procedure
from nlu.normalize import ABBREVIATIONS, canonical_tones, fold

_PUNCT = re.compile(r"[^\w\s]|_")  # as nlu.normalize drops it

__all__ = ["ContentIndex"]

K1 = 1.2
B = 0.6
COMMON_SHARE = 0.2  # terms in more than this share of the records are not indexed
PAIR_WEIGHT = 1.5  # a syllable pair (a word) counts this much more than a lone syllable
FIELD_WEIGHTS = {
    "name": 3.0, "aliases": 3.0, "result": 2.0, "field": 1.0, "who": 1.0, "documents": 1.0, "conditions": 1.0,
    "steps": 0.5,
}  # fmt: skip
FIELD_CHARS = 1000  # text read per field: the head of a long field says what it is about
MIN_PAIRS = 5  # a message needs this many indexed words (syllable pairs) to be searched: it describes
MIN_SHARE = 0.2  # the best record must score this share of its most on the message's terms
MIN_WORDS = 2  # ... and share this many words (syllable pairs) with it
KEEP_WITHIN = 0.75  # records offered: at least this share of the best one's score


def _fields(p: Procedure) -> dict[str, str]:
    return {
        "name": p.name,
        "aliases": "\n".join(p.aliases),  # the name's short forms: its words said again, as a name says them
        "result": p.result or "",
        "field": p.field or "",
        "who": p.who or "",
        "documents": "\n".join(d.name for d in p.documents),
        "conditions": "\n".join(p.conditions),
        "steps": "\n".join(p.steps),
    }


def _counts(p: Procedure) -> dict[str, float]:
    """Field-weighted term counts of a record."""
    tf: dict[str, float] = {}
    for field, text in _fields(p).items():
        if text:
            weight = FIELD_WEIGHTS[field]
            for term in _terms(_normalized(text[:FIELD_CHARS])):
                tf[term] = tf.get(term, 0.0) + weight * (PAIR_WEIGHT if " " in term else 1.0)
    return tf


def _normalized(text: str) -> str:
    """``nlu.normalize.normalize`` for official text: the same folding and abbreviations, without
    its cache (records are read once) or its repair of chat spellings (records have none)."""
    words = _PUNCT.sub(" ", fold(canonical_tones(text))).split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def _terms(normalized: str) -> list[str]:
    words = [w for w in content_tokens(normalized) if w not in LIGHT_WORDS]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


class ContentIndex:
    """BM25 over procedure records; ``search`` ranks codes for a normalised message."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        procedures = list(procedures)
        self.codes = [p.code for p in procedures]
        # One pass over the records, keeping each one's term counts compactly (term ids, counts).
        ids: dict[str, int] = {}
        rows: list[tuple[array[int], array[float]]] = []
        df: list[int] = []
        for p in procedures:
            tf = _counts(p)
            terms, counts = array("i"), array("f")
            for term, f in tf.items():
                tid = ids.setdefault(term, len(ids))
                if tid == len(df):
                    df.append(0)
                df[tid] += 1
                terms.append(tid)
                counts.append(f)
            rows.append((terms, counts))
        n = max(1, len(procedures))
        avg = (sum(sum(c) for _, c in rows) / n) or 1.0
        idf_of = [math.log(1.0 + (n - d + 0.5) / (d + 0.5)) if d <= COMMON_SHARE * n else 0.0 for d in df]
        names = list(ids)
        del ids
        # All postings in two flat arrays, term after term (term k's: _start[k] to _start[k + 1]). Two
        # arrays of its own for each of the 49,000 indexed terms, most in a few records, cost 3x more.
        kept = [tid for tid, v in enumerate(idf_of) if v]
        slot = dict(zip(kept, range(len(kept)), strict=True))
        self._ids = {names[tid]: k for tid, k in slot.items()}
        self._idf = array("d", (idf_of[tid] for tid in kept))
        self._start = array("i", itertools.accumulate((df[tid] for tid in kept), initial=0))
        self._docs = array("i", [0]) * self._start[-1]
        self._weights = array("f", [0.0]) * self._start[-1]
        free = self._start[:-1]  # each term's next place
        for doc, (terms, counts) in enumerate(rows):
            norm = K1 * (1.0 - B + B * sum(counts) / avg)
            for tid, f in zip(terms, counts, strict=True):
                if idf := idf_of[tid]:
                    k = slot[tid]
                    self._docs[free[k]] = doc
                    self._weights[free[k]] = idf * f * (K1 + 1.0) / (f + norm)
                    free[k] += 1

    def search(self, normalized: str, limit: int = 3) -> list[tuple[str, float]]:
        """Up to ``limit`` (code, share) pairs, best first: share is the part of what a record could
        score on the message's terms that it does score. Empty when the message says too little
        (fewer than MIN_PAIRS indexed words) or the best record shares fewer than MIN_WORDS words
        (syllable pairs) with it, or explains less than MIN_SHARE of it."""
        terms = [t for t in dict.fromkeys(_terms(normalized)) if t in self._ids]
        if sum(" " in t for t in terms) < MIN_PAIRS:
            return []
        scores: dict[int, float] = {}
        words: dict[int, int] = {}
        for term in terms:
            k = self._ids[term]
            start, end = self._start[k], self._start[k + 1]
            pair = " " in term
            for doc, w in zip(self._docs[start:end], self._weights[start:end], strict=True):
                scores[doc] = scores.get(doc, 0.0) + w
                if pair:
                    words[doc] = words.get(doc, 0) + 1
        if not scores:
            return []
        # The most a record could score on these terms (each at the saturation K1 + 1).
        ceiling = sum(self._idf[self._ids[t]] * (K1 + 1.0) for t in terms)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self.codes[kv[0]]))[:limit]
        best_doc, best = ranked[0]
        if best < MIN_SHARE * ceiling or words.get(best_doc, 0) < MIN_WORDS:
            return []
        return [(self.codes[doc], round(s / ceiling, 4)) for doc, s in ranked if s >= KEEP_WITHIN * best]
