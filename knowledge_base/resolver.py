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

Decision (``resolver_decision``): ``confident`` (answer), ``ambiguous`` (offer the close ones)
or ``none``, at most five candidates, best first, scores in 0..1.

Citizens' words (``synonyms``): a message saying "chia mảnh đất" or "chứng thư số" is scored again
with those phrases replaced by the records' terms ("tách thửa đất", "chứng thư chữ ký điện tử"); a
confident reading wins, and two readings that disagree are a choice.

Siblings (``resolver_actions``): procedures named by an action the message does not ask for
("Cấp" when it says "gia hạn" or "bị mất") are demoted and never lead a close call. Nothing
named: the records' text is searched (``resolver_content``) and its matches are offered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from knowledge_base.resolver_abbreviations import spelled_out_names
from knowledge_base.resolver_actions import (
    message_actions,
    message_situations,
    name_actions,
    name_situations,
    said_actions,
)
from knowledge_base.resolver_content import ContentIndex
from knowledge_base.resolver_decision import (
    AMBIGUOUS,
    CONFIDENT,
    MARGIN,
    MAX_CANDIDATES,
    Candidate,
    Resolution,
    Scored,
    by_action,
    by_channel,
    by_situation,
    decide,
    order,
)
from knowledge_base.resolver_index import Index
from knowledge_base.resolver_query import Query
from knowledge_base.resolver_tones import has_tone_marks, keep_tones
from knowledge_base.schema import Procedure
from knowledge_base.synonyms import Synonyms, load_synonyms
from nlu.normalize import normalize

__all__ = ["AMBIGUOUS", "CONFIDENT", "MARGIN", "Candidate", "Resolution", "Resolver"]

# What a message asks done: every action (said or implied), the actions said in words, the cases described,
# whether it asks to file online.
Asked = tuple[frozenset[str], frozenset[str], frozenset[str], bool]
_ONLINE_ONLY = "truc tuyen toan trinh"  # a name for the fully online channel (normalised)
_ONLINE_ASKED = re.compile(r"(?<!\S)(?:truc tuyen|online|toan trinh|qua mang|dich vu cong)(?!\S)")

# Score shaping.
EXPLAIN_SHARE = 0.7  # share of the score given by how much of the message a procedure explains
GOOD_PHRASE = 0.5  # phrases covering at least this share of the best one count as explanations
RUNNING = 0.3  # procedures covering less than this share of the best one are not explained (speed)
IMPORTED_PRIOR = 0.85  # imported (non-curated) procedures, when curated ones exist ...
OWN_WORDS = 0.1  # ... unless they explain this much more of the message than any curated one (phased in)
MINISTRY_ONLY_PRIOR = 0.97  # procedures handled only at ministry level ("Cấp bộ")
CONTENT_EXTRA = 2  # records found by their text added to a close call between names that left them out


class Resolver:
    """Resolves procedure mentions; build once (it precomputes its index), then share."""

    def __init__(self, procedures: Mapping[str, Procedure], synonyms: Synonyms | None = None) -> None:
        self._procedures = dict(procedures)
        self._synonyms = load_synonyms() if synonyms is None else synonyms
        indexed = _spelled_out(self._procedures)
        self._index = Index(indexed)
        self._toned = Index(indexed, tones=True)
        any_curated = any(p.curated for p in self._procedures.values())
        self._imported = {code for code, p in self._procedures.items() if any_curated and not p.curated}
        self._prior: dict[str, float] = {}
        for code, p in self._procedures.items():
            prior = 1.0
            if p.level and all(level.strip().lower() == "cấp bộ" for level in p.level):
                prior *= MINISTRY_ONLY_PRIOR
            self._prior[code] = prior
        self._actions = {code: name_actions(p.name) for code, p in self._procedures.items()}
        self._online_only = {code for code, p in self._procedures.items() if _ONLINE_ONLY in normalize(p.name)}
        self._situations = {code: name_situations(p.name) for code, p in self._procedures.items()}
        self._content: ContentIndex | None = None  # built on first use or at start (Services.settle): seconds of CPU

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

        When the whole message (no mention given) names nothing, or the names only a close call, the
        records' own text is searched (``resolver_content``): its best matches are offered beside the names,
        never answered (when the names' close call is a weak one: a strong one is between siblings).
        """
        marked = keep_tones(original, text) if original and has_tone_marks(original) else None
        named = self._resolve_names(text, mention, original, marked)
        said = self._synonyms.rewrite(text, marked)
        if said is not None:  # the citizen's words read as the records' terms: "chia đất" is "tách thửa"
            # The whole message: the NLU's mention may have left out the words just reread ("giấy chứng
            # minh tôi đang độc thân" beside "kết hôn với người Hàn Quốc").
            reread = self._resolve_names(said[0], None, original, said[1])
            if mention and named.kind == "confident" and reread.kind == "none":
                # Nothing to check the mention's answer against: the NLU may have tagged the wrong words,
                # so the whole message as written must name the same procedure, or it is a choice.
                named = _either(self._resolve_names(text, None, original, marked), named)
            named = _either(named, reread)
            text = said[0]
        if named.kind == "confident" or (mention and named.kind == "none"):  # then the whole message is read
            return named
        found = self.content().search(text)
        if not found:
            return named
        offered = [Candidate(code, self._procedures[code].name, share) for code, share in found]
        if named.kind == "none":
            near = [c for c in named.candidates if c.code not in {code for code, _ in found}]
            return Resolution("ambiguous", tuple((offered + near)[:MAX_CANDIDATES]))
        if named.candidates[0].score >= CONFIDENT:  # a choice between well-said names: siblings, levels
            return named
        # A weak close call between names: the record the text points at is offered too, when they left it out.
        listed = {c.code for c in named.candidates}
        extra = [c for c in offered if c.code not in listed][:CONTENT_EXTRA]
        kept = named.candidates[: max(MAX_CANDIDATES - len(extra), 3)]
        return Resolution("ambiguous", (*kept, *extra)[:MAX_CANDIDATES])

    def content(self) -> ContentIndex:
        """The search over the records' text, built on first use."""
        if self._content is None:
            self._content = ContentIndex(self._procedures.values())
        return self._content

    def _resolve_names(
        self, text: str, mention: str | None, original: str | None, marked: str | None
    ) -> Resolution:
        online = _ONLINE_ASKED.search(text) is not None
        actions = (message_actions(text, original), said_actions(text), message_situations(text), online)
        if marked is None:
            return self._resolve(self._index, text, mention, actions)
        toned = self._resolve(self._toned, marked, _aligned(mention, text, marked), actions)
        if toned.kind == "confident":
            return toned
        # Otherwise the folded reading: a tone typo ("khai tủ") reads as another word with marks.
        folded = self._resolve(self._index, text, mention, actions)
        return toned if folded.kind == "none" and toned.kind != "none" else folded

    def _resolve(
        self, index: Index, text: str, mention: str | None, actions: Asked
    ) -> Resolution:
        query = index.query(text)
        if mention and mention.strip() and mention.strip() != text.strip():
            said = index.query(mention)
            weight = index.weight(said)
            if weight > 0:  # else no word of the mention is known: rely on the message
                ranked, good = self._ranked(index, query)
                scaled = []
                for s in ranked:
                    part = min(1.0, index.explained(said, good.get(s.code, ())) / weight)
                    scaled.append(Scored(s.code, s.score * part, s.cover, s.share, s.exact * part, s.own))
                scaled.sort(key=order)
                resolution = self._decided(scaled, actions)
                if resolution.kind != "none":
                    return resolution
                return self._decided(self._ranked(index, said)[0], actions)
        return self._decided(self._ranked(index, query)[0], actions)

    def scores(self, text: str) -> list[tuple[str, float]]:
        """All procedures with a positive score for a normalised text, best first (for diagnostics)."""
        return [(s.code, s.score) for s in self._ranked(self._index, self._index.query(text))[0]]

    # -- internals -----------------------------------------------------------------------------------

    def _decided(self, ranked: list[Scored], asked: Asked) -> Resolution:
        """Siblings ordered by the action asked (said, or implied) and the case described, then decided."""
        everything, said, cases, online = asked
        ranked = by_action(ranked, everything, self._actions, said)
        ranked = by_channel(by_situation(ranked, cases, self._situations), online, self._online_only)
        return decide(ranked, self._imported, self._procedures)

    def _ranked(self, index: Index, query: Query) -> tuple[list[Scored], dict[str, list[int]]]:
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
        scored: list[Scored] = []
        for code, cover in covers.items():
            share = shares[code]
            prior = self._prior[code]
            if code in self._imported:
                lead = 0.0 if curated_share is None else min(1.0, max(0.0, (share - curated_share) / OWN_WORDS))
                prior *= IMPORTED_PRIOR + (1.0 - IMPORTED_PRIOR) * lead
            scale = ((1.0 - EXPLAIN_SHARE) + EXPLAIN_SHARE * share) * prior
            scored.append(Scored(code, saturated[code] * scale, cover, share, cover * scale, own.get(code, 0.0)))
        scored.sort(key=order)
        return scored, good


def _spelled_out(procedures: Mapping[str, Procedure]) -> list[Procedure]:
    """The procedures as indexed: a name with abbreviations ("nghỉ DSPHSK") also known spelled out."""
    spelled = spelled_out_names(procedures.values())
    return [
        p.model_copy(update={"aliases": [*p.aliases, spelled[code]]}) if code in spelled else p
        for code, p in procedures.items()
    ]


def _either(written: Resolution, reread: Resolution) -> Resolution:
    """The message as written or read in the records' terms (``synonyms``): a confident reading
    wins, the reread one first; readings that disagree are a choice, the confident one first."""
    if reread.kind == "confident":
        if written.kind == "confident" and written.candidates[0].code != reread.candidates[0].code:
            return Resolution("ambiguous", (reread.candidates[0], written.candidates[0]))
        return reread
    if written.kind == "confident":
        best = written.candidates[0]
        if reread.kind == "none" or reread.candidates[0].code == best.code:
            return written
        rest = [c for c in reread.candidates if c.code != best.code]
        return Resolution("ambiguous", (best, *rest)[:MAX_CANDIDATES])
    return written if reread.kind == "none" else reread


def _aligned(mention: str | None, folded: str, marked: str) -> str | None:
    """The mention (words of the folded text) in the toned text's words, when it can be found there."""
    if not mention:
        return mention
    words, said = folded.split(), mention.split()
    for i in range(len(words) - len(said) + 1):
        if words[i : i + len(said)] == said:
            return " ".join(marked.split()[i : i + len(said)])
    return mention
