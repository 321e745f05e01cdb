"""Resolver decisions: siblings ordered by the action asked for, then confident, ambiguous or none.

Given the procedures ranked by score (``resolver``), the decision is ``confident`` when the best
score reaches ``CONFIDENT``, leads the runner-up by ``MARGIN`` (in the saturated or the plain
score) and is not a *family* call (the message only names what several procedures share, e.g.
"căn cước" among first issue, renewal and replacement, or a rival explains much more of the
message); ``ambiguous`` when the best score reaches ``AMBIGUOUS``; otherwise ``none``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from knowledge_base.resolver_actions import ACTION_PENALTY
from knowledge_base.schema import Procedure

__all__ = [
    "AMBIGUOUS", "ASK_WINDOW", "CONFIDENT", "MARGIN", "MAX_CANDIDATES", "NEAREST", "NONE", "Candidate",
    "Resolution", "Scored", "by_action", "by_situation", "decide", "order",
]  # fmt: skip

# Decision thresholds (scores are 0..1), set on the development set and checked on
# other phrasings, with the 33 curated procedures alone and with the 2,642 national ones.
CONFIDENT = 0.62  # best score needed for a confident answer
MARGIN = 0.10  # ... and its lead over the runner-up (a different procedure)
AMBIGUOUS = 0.5  # below this nothing is named: kind "none"
NEAREST = 0.30  # "none" still lists near misses at or above this (for "similar procedures")
ASK_WINDOW = 0.3  # an ambiguous answer offers candidates within this distance of the best
SITUATION_PENALTY = 0.85  # a close sibling whose spelled-out case the message does not describe
SAID_WINDOW = 0.4  # a sibling named by an action said in words leads from this far behind
MAX_CANDIDATES = 5
FULL_COVER = 0.9  # a winner covering less of its name than this ...
SAME_EVIDENCE = 0.02  # ... is not confident when a rival explains the message as well (within this)
SAME_EVIDENCE_FLOOR = 0.75  # nor is any winner explaining less than this share of what a close rival does
PLAIN_WEIGHT = 0.1  # ranking adds this much of the plain (unsaturated) score: a variant's unsaid qualifiers
UNSATURATED_LEAD = 0.05  # ... nor a winner not fully said leading by less than this (saturated scores)
SAID_GAP = 0.15  # a rival covering this much more of its name than the winner is a said rival
FAMILY_GAP = 0.15  # a close rival covers its name at least as well as the winner, less this (curated: any)


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    score: float  # 0..1


@dataclass(frozen=True)
class Resolution:
    kind: Literal["confident", "ambiguous", "none"]
    candidates: tuple[Candidate, ...]  # ranked, at most five


@dataclass(frozen=True)
class Scored:
    code: str
    score: float  # 0..1, from the saturated coverage of the procedure's best phrase
    cover: float  # coverage of the procedure's best phrase
    share: float  # message weight explained, relative to the best explanation
    exact: float  # the score from the plain coverage: breaks ties (a long name's unsaid qualifiers)
    own: float = 0.0  # coverage of its own phrases: breaks ties between siblings sharing an alias
    demoted: bool = False  # a sibling named by another action than the message asks for


NONE = Resolution(kind="none", candidates=())


def by_action(
    ranked: list[Scored],
    actions: frozenset[str],
    actions_of: Mapping[str, frozenset[str]],
    said: frozenset[str] = frozenset(),
) -> list[Scored]:
    """Siblings told apart by what the message asks done (``resolver_actions``): when a
    procedure in the running is named by an action the message asks for, those named by
    other actions only are demoted, after every close one that is not. Actions ``said`` in words
    decide alone when one in the running is named by them (a situation only hints)."""
    if not actions or len(ranked) < 2:
        return ranked
    floor = ranked[0].score - ASK_WINDOW
    head = ranked[: 2 * MAX_CANDIDATES]  # the rest cannot come near the best: left as it is
    if said and any(actions_of[s.code] & said for s in head if s.score >= ranked[0].score - SAID_WINDOW):
        actions, floor = said, ranked[0].score - SAID_WINDOW
    elif said and actions_of[ranked[0].code] and not actions_of[ranked[0].code] & said:
        # The message says an action none in the running is named by ("gia hạn" where only "Cấp"
        # comes near): the winner is not what was asked, so it is offered, never answered.
        return [replace(ranked[0], demoted=True), *ranked[1:]]
    if not any(actions_of[s.code] & actions for s in head if s.score >= floor):
        return ranked
    out = [
        Scored(s.code, s.score * ACTION_PENALTY, s.cover, s.share, s.exact * ACTION_PENALTY, s.own, True)
        if actions_of[s.code] and not actions_of[s.code] & actions
        else s
        for s in head
    ]
    # The ones not ruled out lead, when close: a demoted sibling whose aliases the message says better
    # ("xin gia hạn giấy phép xây dựng nhà ở" and the curated new permit) is offered, never answered.
    first = sorted((s for s in out if not s.demoted and s.score >= floor), key=order)
    rest = sorted([s for s in out if s.demoted or s.score < floor] + ranked[len(head) :], key=order)
    return first + rest


def by_situation(
    ranked: list[Scored], situations: frozenset[str], situations_of: Mapping[str, frozenset[str]]
) -> list[Scored]:
    """Close siblings whose names spell out their case ("... bị mất, bị hỏng" beside "... khi có sự
    thay đổi"): when the message describes the case of some of them, the others step back."""
    if not situations or len(ranked) < 2:
        return ranked
    head = ranked[:MAX_CANDIDATES]
    close = [s for s in head if s.score >= ranked[0].score - MARGIN and not s.demoted and situations_of[s.code]]
    return _step_back(ranked, close, {s.code for s in close if situations_of[s.code] & situations})


def by_channel(ranked: list[Scored], online: bool, online_only: Collection[str]) -> list[Scored]:
    """Twins that differ by channel: a procedure filed only online ("... trực tuyến toàn trình") beside a
    close one for any channel steps back unless the message asks to file online, and the other way round."""
    if len(ranked) < 2:
        return ranked
    close = [s for s in ranked[:MAX_CANDIDATES] if s.score >= ranked[0].score - ASK_WINDOW and not s.demoted]
    return _step_back(ranked, close, {s.code for s in close if (s.code in online_only) == online})


def _step_back(ranked: list[Scored], close: list[Scored], fit: set[str]) -> list[Scored]:
    """The close candidates that do not fit what the message says step back, when some fit and some do not."""
    if not fit or len(fit) == len(close):
        return ranked
    head = ranked[:MAX_CANDIDATES]
    out = [
        replace(s, score=s.score * SITUATION_PENALTY, exact=s.exact * SITUATION_PENALTY)
        if s in close and s.code not in fit
        else s
        for s in head
    ]
    return sorted(out, key=order) + ranked[len(head) :]


def decide(ranked: list[Scored], imported: Collection[str], procedures: Mapping[str, Procedure]) -> Resolution:
    """Confident, ambiguous (the close ones offered) or none (near misses listed), from the ranking."""
    if not ranked:
        return NONE
    best = ranked[0]
    # The lead over the runner-up, by the saturated score or by the plain one: a rival whose
    # long name the message leaves half unsaid is not a close call.
    lead = max(best.score - ranked[1].score, best.exact - ranked[1].exact) if len(ranked) > 1 else best.score
    if len(ranked) > 1 and best.cover < FULL_COVER and best.score - ranked[1].score < UNSATURATED_LEAD:
        # A winner whose own name is not fully said, a hair ahead: its plain lead only says that the
        # rivals' long names are less said, not that the message asks for it.
        lead = 0.0
    sure = not best.demoted and not _family(ranked, imported) and not _said_rival(ranked)
    if best.score >= CONFIDENT and lead >= MARGIN and sure:
        return Resolution("confident", _candidates(procedures, ranked[:MAX_CANDIDATES]))
    if best.score >= AMBIGUOUS:
        # Offer the close ones, and every rival with the same evidence (a family).
        close = [
            s
            for s in ranked[:MAX_CANDIDATES]
            if s.score >= best.score - ASK_WINDOW or (s.share >= best.share - SAME_EVIDENCE and s.score >= NEAREST)
        ]
        if len(close) < 2:  # a lone winner that is not sure enough: still ask, with the next ones
            close = [s for s in ranked[:3] if s.score >= NEAREST] or ranked[:1]
        return Resolution("ambiguous", _candidates(procedures, close))
    return Resolution("none", _candidates(procedures, [s for s in ranked[:3] if s.score >= NEAREST]))


def _family(ranked: list[Scored], imported: Collection[str]) -> bool:
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
    same = [s for s in ranked[1:MAX_CANDIDATES] if s.score >= AMBIGUOUS and s.code not in imported and not s.demoted]
    return any(s.share >= best.share - SAME_EVIDENCE for s in close + same)


def _said_rival(ranked: list[Scored]) -> bool:
    """A rival whose whole name the message says, beside a winner whose name it says only in part:
    the winner leads on the weight of its other words, the rival is named outright."""
    best = ranked[0]
    if best.cover >= FULL_COVER:
        return False
    # ... or says clearly more of its name than the winner's ("… nội dung đăng ký hộ kinh doanh" beside a
    # company's change of address, which the message says only in part).
    said = min(FULL_COVER, best.cover + SAID_GAP)
    return any(s.cover >= said and s.score >= AMBIGUOUS and not s.demoted for s in ranked[1:MAX_CANDIDATES])


def _candidates(procedures: Mapping[str, Procedure], ranked: list[Scored]) -> tuple[Candidate, ...]:
    return tuple(
        Candidate(code=s.code, name=procedures[s.code].name, score=round(min(1.0, max(0.0, s.score)), 4))
        for s in ranked
    )


def order(s: Scored) -> tuple[float, float, float, str]:
    return (-round(s.score + PLAIN_WEIGHT * s.exact, 9), -round(s.exact, 9), -s.own, s.code)
