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
2. Every name and alias is a *phrase* (imported entries carry the short forms their
   official name contains, ``knowledge_base.aliases``). Its words weigh by rarity
   across the catalogue (IDF); function words and generic verbs ("cho", "của",
   "làm") weigh little; words deep in a long official name weigh less than its
   head. Adjacent word pairs add weight (Vietnamese words are mostly two
   syllables: "sổ đỏ", "báo tử"), and a word found away from the rest of its
   phrase gets half credit -- chunks may come in any order, syllables may not scatter.
3. A message word matches exactly or, for typos, at edit distance 1 (partial
   credit); a glued pair ("dangky") is split; final i/y are one spelling.
4. A phrase's *coverage* is its matched share, saturated for long names (saying
   about ten words of a thirty-word official name is saying it); a procedure takes
   its best phrase's coverage, scaled by how much of the message its good phrases
   *explain*, relative to the best rival. So "kết hôn với người nước ngoài" goes to
   the foreign-element procedure, plain "đăng ký kết hôn" to the plain one, whose
   name it covers fully. Words right after "muốn" weigh more in what is explained:
   they name the wanted procedure when two are mentioned. Between close scores the
   plain (unsaturated) coverage decides: a variant's unsaid qualifiers count.
5. Curated procedures are preferred over imported look-alikes, and
   province/commune procedures over ministry-only ones, by small priors -- but an
   imported variant whose own words the message says ("khai sinh ... có yếu tố
   nước ngoài", "đổi giấy phép lái xe quân sự") explains more of it than the
   curated look-alike, and then keeps its full score.
6. Tone marks: folded, "thuế" (tax) and "thuê" (rent) are one word. A message
   written with tone marks (``original``) is also scored against a *toned* index
   (``resolver_tones.keep_tones``); its answer stands when confident, or when the
   folded reading names nothing. Siblings that share an alias (a family's name)
   are ordered, between equal scores, by how well their own phrases are said.

Decision: ``confident`` when the best score reaches ``CONFIDENT``, leads the
runner-up by ``MARGIN`` (in the saturated or the plain score) and is not a
*family* call (the message only names what several procedures share, e.g. "căn
cước" among first issue, renewal and replacement, or a rival explains much more
of the message); ``ambiguous`` when the best score reaches ``AMBIGUOUS``;
otherwise ``none``. At most five candidates, best first, scores in 0..1.

Siblings (``resolver_actions``): procedures named by an action the message does not ask for
("Cấp" when it says "gia hạn" or "bị mất") are demoted and never lead a close call. Nothing
named: the records' text is searched (``resolver_content``) and its matches are offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from knowledge_base.resolver_actions import ACTION_PENALTY, message_actions, name_actions
from knowledge_base.resolver_content import ContentIndex
from knowledge_base.resolver_index import Index
from knowledge_base.resolver_query import Query
from knowledge_base.resolver_tones import has_tone_marks, keep_tones
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
SAME_EVIDENCE_FLOOR = 0.75  # nor is any winner explaining less than this share of what a close rival does
FAMILY_GAP = 0.15  # a close rival covers its name at least as well as the winner, less this (curated: any)

# Score shaping.
EXPLAIN_SHARE = 0.7  # share of the score given by how much of the message a procedure explains
GOOD_PHRASE = 0.5  # phrases covering at least this share of the best one count as explanations
RUNNING = 0.3  # procedures covering less than this share of the best one are not explained (speed)
IMPORTED_PRIOR = 0.85  # imported (non-curated) procedures, when curated ones exist ...
OWN_WORDS = 0.1  # ... unless they explain this much more of the message than any curated one (phased in)
MINISTRY_ONLY_PRIOR = 0.97  # procedures handled only at ministry level ("Cấp bộ")
PLAIN_WEIGHT = 0.1  # ranking adds this much of the plain (unsaturated) score: a variant's unsaid qualifiers


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
        self._toned = Index(self._procedures.values(), tones=True)
        any_curated = any(p.curated for p in self._procedures.values())
        self._imported = {code for code, p in self._procedures.items() if any_curated and not p.curated}
        self._prior: dict[str, float] = {}
        for code, p in self._procedures.items():
            prior = 1.0
            if p.level and all(level.strip().lower() == "cấp bộ" for level in p.level):
                prior *= MINISTRY_ONLY_PRIOR
            self._prior[code] = prior
        self._actions = {code: name_actions(p.name) for code, p in self._procedures.items()}
        self._content: ContentIndex | None = None  # built on first use or by warm(): seconds of CPU

    def resolve(self, text: str, mention: str | None = None, original: str | None = None) -> Resolution:
        """Resolve a normalised message, using the NLU's normalised mention when given.

        ``original``, the message as written: when it has tone marks, the toned index scores it
        first ("khai thuế" is not "cho thuê"); when that names nothing, the folded one does.

        The mention (the words the NLU tagged as the procedure) says *which* words
        name the procedure, but may drop qualifiers ("kết hôn" out of "kết hôn với
        người nước ngoài"); the whole message has the qualifiers but may mention a
        second procedure in passing ("đã có giấy khai sinh, giờ muốn nhập khẩu cho
        con"). So the message is scored, and each procedure's score is scaled by the
        share of the mention it accounts for. When that leaves nothing, the mention
        is resolved on its own.

        When no name is found in the whole message (no mention given), the records' own text
        is searched (``resolver_content``): its best matches are offered, never answered.
        """
        named = self._resolve_names(text, mention, original)
        if named.kind != "none" or mention:
            return named
        found = self.content().search(text)
        if not found:
            return named
        near = [c for c in named.candidates if c.code not in {code for code, _ in found}]
        offered = [Candidate(code, self._procedures[code].name, share) for code, share in found]
        return Resolution("ambiguous", tuple((offered + near)[:MAX_CANDIDATES]))

    def content(self) -> ContentIndex:
        """The search over the records' text, built on first use."""
        if self._content is None:
            self._content = ContentIndex(self._procedures.values())
        return self._content

    def _resolve_names(self, text: str, mention: str | None, original: str | None) -> Resolution:
        actions = message_actions(text, original)
        marked = keep_tones(original, text) if original and has_tone_marks(original) else None
        if marked is None:
            return self._resolve(self._index, text, mention, actions)
        toned = self._resolve(self._toned, marked, _aligned(mention, text, marked), actions)
        if toned.kind == "confident":
            return toned
        # Otherwise the folded reading: a tone typo ("khai tủ") reads as another word with marks.
        folded = self._resolve(self._index, text, mention, actions)
        return toned if folded.kind == "none" and toned.kind != "none" else folded

    def _resolve(self, index: Index, text: str, mention: str | None, actions: frozenset[str]) -> Resolution:
        query = index.query(text)
        if mention and mention.strip() and mention.strip() != text.strip():
            said = index.query(mention)
            weight = index.weight(said)
            if weight > 0:  # else no word of the mention is known: rely on the message
                ranked, good = self._ranked(index, query)
                scaled = []
                for s in ranked:
                    part = min(1.0, index.explained(said, good.get(s.code, ())) / weight)
                    scaled.append(_Scored(s.code, s.score * part, s.cover, s.share, s.exact * part, s.own))
                scaled.sort(key=_order)
                resolution = self._decide(self._by_action(scaled, actions))
                if resolution.kind != "none":
                    return resolution
                return self._decide(self._by_action(self._ranked(index, said)[0], actions))
        return self._decide(self._by_action(self._ranked(index, query)[0], actions))

    def scores(self, text: str) -> list[tuple[str, float]]:
        """All procedures with a positive score for a normalised text, best first (for diagnostics)."""
        return [(s.code, s.score) for s in self._ranked(self._index, self._index.query(text))[0]]

    # -- internals -----------------------------------------------------------------------------------

    def _ranked(self, index: Index, query: Query) -> tuple[list[_Scored], dict[str, list[int]]]:
        """Procedures by score, best first, and the good phrases of those in the running."""
        matches = index.match(query) if query.tokens else []
        if not matches:
            return [], {}
        # Per procedure: its best phrase coverage (and saturated coverage) ...
        covers: dict[str, float] = {}
        saturated: dict[str, float] = {}
        own: dict[str, float] = {}  # ... and of its own phrases (those no other procedure shares)
        for pid, cover, sat in matches:
            code = index.phrases[pid].code
            if cover > covers.get(code, 0.0):
                covers[code] = cover
            if not index.phrases[pid].shared and cover > own.get(code, 0.0):
                own[code] = cover
            if sat > saturated.get(code, 0.0):
                saturated[code] = sat
        best_sat = max(saturated.values())
        # ... and, for those in the running, the message weight explained by its good
        # phrases (those covering at least half as much as its best one).
        good: dict[str, list[int]] = {}
        for pid, _, sat in matches:
            code = index.phrases[pid].code
            if saturated[code] >= RUNNING * best_sat and sat >= GOOD_PHRASE * saturated[code]:
                good.setdefault(code, []).append(pid)
        explained = {code: index.explained(query, pids) for code, pids in good.items()}
        explained_max = max(
            (e for code, e in explained.items() if saturated[code] >= GOOD_PHRASE * best_sat), default=0.0
        )
        shares = {
            code: min(1.0, explained.get(code, 0.0) / explained_max) if explained_max > 0 else 0.0 for code in covers
        }
        # Curated procedures are preferred over imported look-alikes, but not over a variant whose
        # own words the message says ("kết hôn ... tại khu vực biên giới"): an imported procedure
        # explaining clearly more of the message than every curated look-alike (a curated one
        # accounting for at least half as much) keeps its full score.
        curated_share = max(
            (
                sh
                for code, sh in shares.items()
                if code not in self._imported and sh >= GOOD_PHRASE and saturated[code] >= GOOD_PHRASE * best_sat
            ),
            default=None,
        )
        scored: list[_Scored] = []
        for code, cover in covers.items():
            share = shares[code]
            prior = self._prior[code]
            if code in self._imported:
                lead = 0.0 if curated_share is None else min(1.0, max(0.0, (share - curated_share) / OWN_WORDS))
                prior *= IMPORTED_PRIOR + (1.0 - IMPORTED_PRIOR) * lead
            scale = ((1.0 - EXPLAIN_SHARE) + EXPLAIN_SHARE * share) * prior
            scored.append(_Scored(code, saturated[code] * scale, cover, share, cover * scale, own.get(code, 0.0)))
        scored.sort(key=_order)
        return scored, good

    def _by_action(self, ranked: list[_Scored], actions: frozenset[str]) -> list[_Scored]:
        """Siblings told apart by what the message asks done (``resolver_actions``): when a
        procedure in the running is named by an action the message asks for, those named by
        other actions only are demoted, after every close one that is not."""
        if not actions or len(ranked) < 2:
            return ranked
        floor = ranked[0].score - ASK_WINDOW
        head = ranked[: 2 * MAX_CANDIDATES]  # the rest cannot come near the best: left as it is
        if not any(self._actions[s.code] & actions for s in head if s.score >= floor):
            return ranked
        out = [
            _Scored(s.code, s.score * ACTION_PENALTY, s.cover, s.share, s.exact * ACTION_PENALTY, s.own, True)
            if self._actions[s.code] and not self._actions[s.code] & actions
            else s
            for s in head
        ]
        # The ones not ruled out lead, when close: a demoted sibling whose aliases the message says better
        # ("xin gia hạn giấy phép xây dựng nhà ở" and the curated new permit) is offered, never answered.
        first = sorted((s for s in out if not s.demoted and s.score >= floor), key=_order)
        rest = sorted([s for s in out if s.demoted or s.score < floor] + ranked[len(head) :], key=_order)
        return first + rest

    def _decide(self, ranked: list[_Scored]) -> Resolution:
        if not ranked:
            return _NONE
        best = ranked[0]
        # The lead over the runner-up, by the saturated score or by the plain one: a rival whose
        # long name the message leaves half unsaid is not a close call.
        lead = max(best.score - ranked[1].score, best.exact - ranked[1].exact) if len(ranked) > 1 else best.score
        if best.score >= CONFIDENT and lead >= MARGIN and not self._family(ranked):
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

    def _family(self, ranked: list[_Scored]) -> bool:
        """The message only names what several procedures share ("căn cước" among
        first issue, renewal and replacement): the winner's name is not fully said and
        another procedure accounts for just as much of the message."""
        best = ranked[0]
        # Rivals whose names the message says about as well as the winner's ...
        # (not siblings the message's action words rule out).
        close = [
            s
            for s in ranked[1:MAX_CANDIDATES]
            if s.score >= AMBIGUOUS and s.cover >= best.cover - FAMILY_GAP and not s.demoted
        ]
        if best.share < SAME_EVIDENCE_FLOOR and any(s.share > best.share for s in close):
            return True  # ... one of which accounts for much more of the message
        if best.cover >= FULL_COVER:
            return False
        # ... and curated ones: an imported look-alike that leaves its own words unsaid ("... có
        # yếu tố nước ngoài") is a variant not asked for, not a member of the family the message names.
        same = [
            s
            for s in ranked[1:MAX_CANDIDATES]
            if s.score >= AMBIGUOUS and s.code not in self._imported and not s.demoted
        ]
        return any(s.share >= best.share - SAME_EVIDENCE for s in close + same)

    def _candidates(self, ranked: list[_Scored]) -> tuple[Candidate, ...]:
        return tuple(
            Candidate(code=s.code, name=self._procedures[s.code].name, score=round(min(1.0, max(0.0, s.score)), 4))
            for s in ranked
        )


@dataclass(frozen=True)
class _Scored:
    code: str
    score: float  # 0..1, from the saturated coverage of the procedure's best phrase
    cover: float  # coverage of the procedure's best phrase
    share: float  # message weight explained, relative to the best explanation
    exact: float  # the score from the plain coverage: breaks ties (a long name's unsaid qualifiers)
    own: float = 0.0  # coverage of its own phrases: breaks ties between siblings sharing an alias
    demoted: bool = False  # a sibling named by another action than the message asks for


def _aligned(mention: str | None, folded: str, marked: str) -> str | None:
    """The mention (words of the folded text) in the toned text's words, when it can be found there."""
    if not mention:
        return mention
    words, said = folded.split(), mention.split()
    for i in range(len(words) - len(said) + 1):
        if words[i : i + len(said)] == said:
            return " ".join(marked.split()[i : i + len(said)])
    return mention


def _order(s: _Scored) -> tuple[float, float, float, str]:
    return (-round(s.score + PLAIN_WEIGHT * s.exact, 9), -round(s.exact, 9), -s.own, s.code)
