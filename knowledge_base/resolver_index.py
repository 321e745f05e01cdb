"""The resolver's precomputed index: phrases, word weights, postings; how well phrases cover a message.

Everything here works on *normalised* text (``nlu.normalize.normalize``). Names
and aliases are normalised once, at construction; a query costs one pass over
the postings of its content words plus a closer look at the best phrases: a few
milliseconds against the 2,642 national procedures (``tools.bench_resolver``).

The parts: which words count (``resolver_words``), the phrases a procedure is known
by (``resolver_phrases``), the toned reading (``resolver_tones``), and reading a
message into a query with typo repair (``resolver_query``).

Coverage of a phrase is measured two ways: against all its weight (what the
message leaves unsaid counts fully), and *saturated*, against about SATURATION
words' worth of it: a formal question that says ten words of a thirty-word
official name has said enough of it.
"""

from __future__ import annotations

import collections
import functools
import heapq
import math
import sys
from collections.abc import Callable, Iterable, Mapping

from knowledge_base.resolver_phrases import (
    Phrase,
    everyday_variants,
    heavy_words,
    phrase_texts,
    phrase_tokens,
    position_decay,
)
from knowledge_base.resolver_query import SPLIT_CREDIT, Query, QueryReader
from knowledge_base.resolver_tones import TONED_LIGHT_WORDS, has_tone_marks, keep_tones, toned_or_folded
from knowledge_base.resolver_words import LIGHT_FACTOR, LIGHT_WORDS, content_tokens, name_pairs
from knowledge_base.schema import Procedure
from nlu.normalize import normalize

# Names importers use from here (bot/core/understanding.py: content_tokens).
__all__ = ["Index", "Phrase", "Query", "content_tokens", "has_tone_marks", "keep_tones"]

BIGRAM_SHARE = 1.5  # a bigram weighs this share of the lighter of its two words
ISOLATED = 0.5  # credit of a word found apart from the rest of its phrase
MAX_BIGRAM_CHECKS = 200  # phrases looked at closely per query (best word coverage first)
MIN_COVER = 0.15  # phrases that cannot cover this share of themselves are not looked at
# Saying as much of a long official name as SATURATION of its words weigh is saying enough of
# it: beyond, its unsaid words count only BEYOND_SATURATION.
SATURATION = 10
BEYOND_SATURATION = 0.3


class Index:
    """Phrases of all procedures with IDF weights and a word -> phrase inverted index."""

    def __init__(self, procedures: Iterable[Procedure], tones: bool = False) -> None:
        """``tones``: index the content words with their tone marks (``keep_tones``), for toned messages."""
        procedures = list(procedures)
        self.tones = tones
        # A name is read three times while indexing; the toned reading's cache lives as long as the build.
        norm: Callable[[str], str] = functools.lru_cache(maxsize=None)(toned_or_folded) if tones else normalize
        texts = [(p.code, text) for p in procedures for text in phrase_texts(p)]
        self.kept = name_pairs((text for _, text in texts), norm)
        heavy_in: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}  # distinct (code, tokens)
        same_heavy: dict[frozenset[str], frozenset[str]] = {}  # most phrases have none: one empty set
        for code, text in texts:
            tokens = phrase_tokens(text, self.kept, norm)
            if tokens and any(t not in LIGHT_WORDS for t in tokens):
                heavy = heavy_in.get((code, tokens), frozenset()) | heavy_words(text)
                heavy_in[(code, tokens)] = same_heavy.setdefault(heavy, heavy)
        for phrase_key, heavy in everyday_variants(procedures, heavy_in, self.kept, norm).items():
            heavy_in.setdefault(phrase_key, same_heavy.setdefault(heavy, heavy))
        # One string object per distinct word: a phrase's tokens, weights and pairs refer to it
        # (without it, every phrase holds copies: 10 MB over the catalogue's two indexes).
        raw = [(code, tuple(map(sys.intern, tokens))) for code, tokens in heavy_in]
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
        # Postings as parallel lists (phrase ids, weights) per word: fast to accumulate.
        self._columns: dict[str, tuple[list[int], list[float]]] = {}
        self.known_bigrams: set[tuple[str, str]] = set()
        # Equal weights and weighted pairs of different phrases are one object each: a pair such as
        # ("giay", "chung") recurs with the same weight in hundreds of names.
        same_weight: dict[float, float] = {}
        same_pair: dict[tuple[str, str, float], tuple[str, str, float]] = {}
        for code, tokens in raw:
            pid = len(self.phrases)
            heavy = heavy_in[(code, tokens)]
            uni: dict[str, float] = {}
            for pos, t in enumerate(tokens):
                if t not in uni:
                    weight = (self.full_idf[t] if t in heavy else self.idf[t]) * position_decay(pos)
                    uni[t] = same_weight.setdefault(weight, weight)
            bigrams: dict[tuple[str, str], float] = {}
            for pos in range(len(tokens) - 1):
                a, b = tokens[pos], tokens[pos + 1]
                if (a, b) not in bigrams and a != b:
                    bigrams[(a, b)] = BIGRAM_SHARE * min(uni[a], uni[b])
                    self.known_bigrams.add((a, b))
            total = sum(uni.values()) + sum(bigrams.values())
            pairs = tuple(same_pair.setdefault(abw, abw) for abw in ((a, b, w) for (a, b), w in bigrams.items()))
            self.phrases.append(Phrase(code, tokens, total, uni, pairs, heavy, holders[tokens] > 1))
            for t, weight in uni.items():
                pids, weights = self._columns.setdefault(t, ([], []))
                pids.append(pid)
                weights.append(weight)
        self._totals = [p.total for p in self.phrases]
        self._saturated = [
            p.total * min(1.0, (SATURATION + BEYOND_SATURATION * (len(p.weights) - SATURATION)) / len(p.weights))
            for p in self.phrases
        ]
        # A phrase whose matched words (with the most their pairs could add) reach this is looked at.
        self._hopeful = [MIN_COVER * t / (1.0 + BIGRAM_SHARE) for t in self._saturated]
        self._reader = QueryReader(self.idf, self.known_bigrams, self.kept, tones)
        self._variant_cache = self._reader.variant_cache  # the same dict: the bench empties it

    def query(self, normalized: str) -> Query:
        return self._reader.read(normalized)

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
