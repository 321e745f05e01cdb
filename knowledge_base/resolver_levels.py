"""The centre's levels narrow a choice list: a variant it does not receive is not offered beside one it does.

The catalogue lists one procedure at several levels ("Cấp thẻ bảo hiểm y tế (thực hiện tại cấp
tỉnh)" and "(... cấp trung ương)"); a citizen at a provincial centre asking for the card means the
provincial one. So when a "which procedure?" list holds candidates the centre serves
(``centre.serves_levels``), those it does not serve are left out; when what is left is one
procedure whose dropped rivals were only its level twins, it is the answer. A list of only
unserved candidates stays as it is (the answer then says where to go instead), and so does a list
whose served candidates are far behind its best (they came in on a shared word, not as its twins).

A name that says its level ("... (thực hiện tại cấp trung ương)") is taken at its word: some
records list the province among the levels of their central twin.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from knowledge_base.aliases import without_level
from knowledge_base.resolver_decision import CONFIDENT, MARGIN, Candidate
from knowledge_base.schema import Procedure

__all__ = ["Served", "served"]

# The level a name ends with: "(thực hiện tại cấp tỉnh)", "(cấp Trung ương)".
_NAMED_LEVEL = re.compile(r"\((?:thực hiện (?:tại|ở) )?(cấp (?:trung ương|tw|tỉnh|bộ|xã|huyện))\)\s*$", re.IGNORECASE)
_CENTRAL = {"cấp trung ương", "cấp tw"}
# A winner whose only close rivals were its level twins is answered when it leads the rest by this.
TWIN_LEAD = 2 * MARGIN
# Candidates the centre serves this far behind the best are not what was asked: the list stays whole.
FAR_BEHIND = 2 * MARGIN


@dataclass(frozen=True)
class Served:
    candidates: tuple[Candidate, ...]  # still offered, best first
    answer: Candidate | None  # the one left when its only rivals were its level twins


def served(candidates: Sequence[Candidate], procedures: Mapping[str, Procedure], levels: Collection[str]) -> Served:
    """The candidates the centre serves (all of them when it serves none), and a level tie's winner."""
    wanted = {level.casefold() for level in levels}

    def ours(c: Candidate) -> bool:
        p = procedures.get(c.code)
        if p is None:
            return True
        named = _NAMED_LEVEL.search(p.name)
        if named:
            level = named.group(1).casefold()
            return ("cấp bộ" if level in _CENTRAL else level) in wanted
        return any(level.casefold() in wanted for level in p.level)

    kept = tuple(c for c in candidates if ours(c))
    if not kept or len(kept) == len(candidates) or kept[0].score < candidates[0].score - FAR_BEHIND:
        return Served(tuple(candidates), None)
    dropped = [c for c in candidates if not ours(c)]
    own = without_level(kept[0].name)
    if len(kept) == 1:
        if all(without_level(c.name) == own for c in dropped):
            return Served(kept, kept[0])
        return Served(kept, None)
    # The close call was the winner against its own twin at a level the centre does not serve,
    # and it leads every other rival clearly: the twin was the only doubt.
    ahead = candidates[: candidates.index(kept[0])]
    twins = [c for c in dropped if without_level(c.name) == own]
    if (
        twins
        and all(c in twins for c in ahead)
        and kept[0].score >= CONFIDENT
        and kept[0].score - kept[1].score >= TWIN_LEAD
    ):
        return Served(kept, kept[0])
    return Served(kept, None)
