"""Procedure resolver: maps a citizen's words to knowledge-base procedures.

Input: the *normalised* message (``nlu.normalize.normalize``: folded, lower case,
abbreviations expanded) and, when the NLU tagged one, the normalised
``procedure`` mention. Output: a :class:`Resolution` -- ``confident`` (one clear
winner: answer it), ``ambiguous`` (a close call: offer the candidates as
buttons) or ``none`` (no procedure named; the candidates, if any, are near
misses for a "similar procedures" list).

How it scores (the precomputed index is in ``resolver_index``):

1. Question, politeness and aspect words ("cần giấy tờ gì", "lệ phí bao nhiêu",
   "cho em hỏi", "thủ tục", "ạ"...) are removed from the message and from every
   name and alias alike; only the words that can name a procedure count.
2. Every name and alias is a *phrase*. Its words weigh by rarity across the
   catalogue (IDF); function words and generic verbs ("cho", "của", "làm")
   weigh little; words deep in a long official name weigh less than its head.
   Adjacent word pairs add weight (Vietnamese words are mostly two syllables:
   "sổ đỏ", "báo tử"), and a word found away from the rest of its phrase gets
   half credit -- chunks may come in any order, syllables may not scatter.
3. A message word matches exactly or, for typos, at edit distance 1 (partial
   credit); a glued pair ("dangky") is split; final i/y are one spelling.
4. A phrase's *coverage* is its matched share; a procedure takes its best
   phrase's coverage, scaled by how much of the message its good phrases
   *explain*, relative to the best rival. So "kết hôn với người nước ngoài"
   goes to the foreign-element procedure, plain "đăng ký kết hôn" to the
   plain one, whose name it covers fully. Words right after "muốn" weigh more
   in what is explained: they name the wanted procedure when two are mentioned.
5. Curated procedures are preferred over imported look-alikes, and
   province/commune procedures over ministry-only ones, by small priors.

Decision: ``confident`` when the best score reaches ``CONFIDENT``, leads the
runner-up by ``MARGIN`` and is not a *family* call (the message only names what
several procedures share, e.g. "căn cước" among first issue, renewal and
replacement, or a rival explains much more of the message); ``ambiguous`` when
the best score reaches ``AMBIGUOUS``; otherwise ``none``. At most five
candidates, best first, scores in 0..1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from knowledge_base.resolver_index import Index, Query
from knowledge_base.schema import Procedure

__all__ = ["AMBIGUOUS", "CONFIDENT", "MARGIN", "Candidate", "Resolution", "Resolver"]

# Decision thresholds (scores are 0..1), set on the development set and checked on
# other phrasings, with the 33 curated procedures alone and with the 2,642 national ones.
CONFIDENT = 0.62  # best score needed for a confident answer
MARGIN = 0.10  # ... and its lead over the runner-up (a different procedure)
AMBIGUOUS = 0.5  # below this nothing is named: kind "none"
NEAREST = 0.30  # "none" still lists near misses at or above this (for "similar procedures")
ASK_WINDOW = 0.3  # an ambiguous answer offers candidates within this distance of the best
MAX_CANDIDATES = 5
FULL_COVER = 0.9  # a winner covering less of its name than this ...
SAME_EVIDENCE = 0.02  # ... is not confident when a rival explains the message as well (within this)
SAME_EVIDENCE_FLOOR = 0.75  # nor is any winner that explains less than this share of the best explanation

# Score shaping.
EXPLAIN_SHARE = 0.7  # share of the score given by how much of the message a procedure explains
GOOD_PHRASE = 0.5  # phrases covering at least this share of the best one count as explanations
RUNNING = 0.3  # procedures covering less than this share of the best one are not explained (speed)
IMPORTED_PRIOR = 0.85  # imported (non-curated) procedures, when curated ones exist
MINISTRY_ONLY_PRIOR = 0.97  # procedures handled only at ministry level ("Cấp bộ")


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    score: float  # 0..1


@dataclass(frozen=True)
class Resolution:
    kind: Literal["confident", "ambiguous", "none"]
    candidates: tuple[Candidate, ...]  # ranked, at most five


_NONE = Resolution(kind="none", candidates=())


class Resolver:
    """Resolves procedure mentions; build once (it precomputes its index), then share."""

    def __init__(self, procedures: Mapping[str, Procedure]) -> None:
        self._procedures = dict(procedures)
        self._index = Index(self._procedures.values())
        any_curated = any(p.curated for p in self._procedures.values())
        self._prior: dict[str, float] = {}
        for code, p in self._procedures.items():
            prior = 1.0
            if any_curated and not p.curated:
                prior *= IMPORTED_PRIOR
            if p.level and all(level.strip().lower() == "cấp bộ" for level in p.level):
                prior *= MINISTRY_ONLY_PRIOR
            self._prior[code] = prior

    def resolve(self, text: str, mention: str | None = None) -> Resolution:
        """Resolve a normalised message, using the NLU's normalised mention when given.

        The mention (the words the NLU tagged as the procedure) says *which* words
        name the procedure, but may drop qualifiers ("kết hôn" out of "kết hôn với
        người nước ngoài"); the whole message has the qualifiers but may mention a
        second procedure in passing ("đã có giấy khai sinh, giờ muốn nhập khẩu cho
        con"). So the message is scored, and each procedure's score is scaled by the
        share of the mention it accounts for. When that leaves nothing, the mention
        is resolved on its own.
        """
        query = self._index.query(text)
        if mention and mention.strip() and mention.strip() != text.strip():
            said = self._index.query(mention)
            weight = self._index.weight(said)
            if weight > 0:  # else no word of the mention is known: rely on the message
                ranked, good = self._ranked(query)
                scaled = [
                    _Scored(
                        s.code,
                        s.score * min(1.0, self._index.explained(said, good.get(s.code, ())) / weight),
                        s.cover,
                        s.share,
                    )
                    for s in ranked
                ]
                scaled.sort(key=_order)
                resolution = self._decide(scaled)
                if resolution.kind != "none":
                    return resolution
                return self._decide(self._ranked(said)[0])
        return self._decide(self._ranked(query)[0])

    def scores(self, text: str) -> list[tuple[str, float]]:
        """All procedures with a positive score for a normalised text, best first (for diagnostics)."""
        return [(s.code, s.score) for s in self._ranked(self._index.query(text))[0]]

    # -- internals -----------------------------------------------------------------------------------

    def _ranked(self, query: Query) -> tuple[list[_Scored], dict[str, list[int]]]:
        """Procedures by score, best first, and the good phrases of those in the running."""
        index = self._index
        matches = index.match(query) if query.tokens else []
        if not matches:
            return [], {}
        # Per procedure: its best phrase coverage ...
        covers: dict[str, float] = {}
        for pid, cover in matches:
            code = index.phrases[pid].code
            if cover > covers.get(code, 0.0):
                covers[code] = cover
        best_cover = max(covers.values())
        # ... and, for those in the running, the message weight explained by its good
        # phrases (those covering at least half as much as its best one).
        good: dict[str, list[int]] = {}
        for pid, cover in matches:
            code = index.phrases[pid].code
            if covers[code] >= RUNNING * best_cover and cover >= GOOD_PHRASE * covers[code]:
                good.setdefault(code, []).append(pid)
        explained = {code: index.explained(query, pids) for code, pids in good.items()}
        explained_max = max(
            (e for code, e in explained.items() if covers[code] >= GOOD_PHRASE * best_cover), default=0.0
        )
        scored: list[_Scored] = []
        for code, cover in covers.items():
            share = min(1.0, explained.get(code, 0.0) / explained_max) if explained_max > 0 else 0.0
            score = cover * ((1.0 - EXPLAIN_SHARE) + EXPLAIN_SHARE * share) * self._prior[code]
            scored.append(_Scored(code, score, cover, share))
        scored.sort(key=_order)
        return scored, good

    def _decide(self, ranked: list[_Scored]) -> Resolution:
        if not ranked:
            return _NONE
        best = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if best.score >= CONFIDENT and best.score - second >= MARGIN and not self._family(ranked):
            return Resolution("confident", self._candidates(ranked[:MAX_CANDIDATES]))
        if best.score >= AMBIGUOUS:
            # Offer the close ones, and every rival with the same evidence (a family).
            close = [
                s
                for s in ranked[:MAX_CANDIDATES]
                if s.score >= best.score - ASK_WINDOW or (s.share >= best.share - SAME_EVIDENCE and s.score >= NEAREST)
            ]
            if len(close) < 2:  # a lone winner that is not sure enough: still ask, with the next ones
                close = [s for s in ranked[:3] if s.score >= NEAREST] or ranked[:1]
            return Resolution("ambiguous", self._candidates(close))
        return Resolution("none", self._candidates([s for s in ranked[:3] if s.score >= NEAREST]))

    @staticmethod
    def _family(ranked: list[_Scored]) -> bool:
        """The message only names what several procedures share ("căn cước" among
        first issue, renewal and replacement): the winner's name is not fully said and
        another procedure accounts for just as much of the message."""
        best = ranked[0]
        if best.share < SAME_EVIDENCE_FLOOR:  # a rival accounts for much more of the message
            return True
        if best.cover >= FULL_COVER:
            return False
        return any(s.share >= best.share - SAME_EVIDENCE and s.score >= AMBIGUOUS for s in ranked[1:MAX_CANDIDATES])

    def _candidates(self, ranked: list[_Scored]) -> tuple[Candidate, ...]:
        return tuple(
            Candidate(code=s.code, name=self._procedures[s.code].name, score=round(min(1.0, max(0.0, s.score)), 4))
            for s in ranked
        )


@dataclass(frozen=True)
class _Scored:
    code: str
    score: float
    cover: float  # coverage of the procedure's best phrase
    share: float  # message weight explained, relative to the best explanation


def _order(s: _Scored) -> tuple[float, str]:
    return (-s.score, s.code)
