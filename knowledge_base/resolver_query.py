"""Reading a message against the index's vocabulary: content words, typo repair, glued words, goal words.

Each content word of the message becomes the vocabulary words it may be, with credit: itself
(1), the toned words of a word written without marks (toned index), a word one edit away
(FUZZY_CREDIT), or the two halves of a glued word ("dangky", SPLIT_CREDIT). Words after a goal
marker ("muốn ...") are the citizen's goal and weigh more (GOAL_FOCUS).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from knowledge_base.resolver_words import GOAL, GOAL_RE, LIGHT_WORDS, canonical, content_tokens
from nlu.normalize import fold

FUZZY_CREDIT = 0.75  # credit of a word matched at edit distance 1
SPLIT_CREDIT = 0.9  # credit of the halves of a glued word ("dangky")
MIN_FUZZY_LEN = 4  # shortest message word that may be a typo
MIN_TARGET_LEN = 3  # shortest word a typo may be repaired to
GOAL_WINDOW = 5
GOAL_FOCUS = 1.5


@dataclass
class Query:
    tokens: list[str]  # content tokens, after typo repair
    positions: list[dict[str, float]]  # per token: vocabulary words it may be, with credit
    credit: dict[str, float]  # vocabulary word -> credit (1 exact, less for typos)
    bigrams: dict[tuple[str, str], float]  # vocabulary bigram present in the message -> credit
    focus: dict[str, float]  # words the citizen marks as the goal ("muốn ...") -> emphasis
    hits: dict[int, tuple[dict[str, float], list[tuple[float, float]]]] = field(default_factory=dict)  # memo


class QueryReader:
    """Reads messages into queries over a vocabulary (an index's words and adjacent pairs)."""

    def __init__(
        self,
        vocabulary: Collection[str],
        known_bigrams: Collection[tuple[str, str]],
        kept: frozenset[tuple[str, str]],
        tones: bool,
    ) -> None:
        """``kept``: the question-word pairs names use ("chi nhanh"); ``tones``: the vocabulary is toned."""
        self.vocabulary = vocabulary
        self.known_bigrams = known_bigrams
        self.kept = kept
        self.tones = tones
        # Typo lookup: every word and its one-letter deletions -> the words.
        self._deletes: dict[str, set[str]] = {}
        for w in vocabulary:
            if len(w) >= MIN_TARGET_LEN and w not in LIGHT_WORDS:
                for key in {w, *deletions(w)}:
                    self._deletes.setdefault(key, set()).add(w)
        self.variant_cache: dict[str, dict[str, float]] = {}
        # Toned index: the toned words of each folded one, for words a toned message writes without marks.
        self._forms: dict[str, set[str]] = {}
        if tones:
            for w in vocabulary:
                self._forms.setdefault(canonical(fold(w)), set()).add(w)

    def read(self, normalized: str) -> Query:
        positions: list[dict[str, float]] = []
        tokens: list[str] = []
        goal_at: list[int] = []  # positions right after a goal marker ("muốn ...")
        for tok in content_tokens(GOAL_RE.sub(f" {GOAL} ", normalized), self.kept):
            if tok == GOAL:
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

    def _variants(self, tok: str) -> dict[str, float]:
        cached = self.variant_cache.get(tok)
        if cached is not None:
            return cached
        out: dict[str, float] = {}
        known = tok in self.vocabulary
        if known:
            out[tok] = 1.0
        elif self.tones and tok in self._forms:  # written without tone marks: any of its toned words
            out = dict.fromkeys(self._forms[tok], 1.0)
            self.variant_cache[tok] = out
            return out
        if len(tok) >= MIN_FUZZY_LEN and not tok.isdigit() and tok not in LIGHT_WORDS:
            keys = [tok, *deletions(tok)] if not known else [tok]
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
        if len(self.variant_cache) < 50_000:
            self.variant_cache[tok] = out
        return out

    def _split(self, tok: str) -> tuple[str, str] | None:
        if len(tok) < 4 or tok.isdigit():
            return None
        for i in range(1, len(tok)):
            pair = (tok[:i], tok[i:])
            if pair in self.known_bigrams:
                return pair
        return None


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
