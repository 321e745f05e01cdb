"""The centre's levels narrow a choice list: a variant it does not receive is not offered beside one it does.

The catalogue lists one procedure at several levels ("Cấp thẻ bảo hiểm y tế (thực hiện tại cấp
tỉnh)" and "(... cấp trung ương)"); a citizen at a provincial centre asking for the card means the
provincial one. So when a "which procedure?" list holds candidates the centre serves
(``centre.serves_levels``), those it does not serve are left out; when what is left is one
procedure whose dropped rivals were only its level twins, it is the answer. A list of only
unserved candidates stays as it is (the answer then says where to go instead).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from knowledge_base.aliases import without_level
from knowledge_base.resolver_decision import Candidate
from knowledge_base.schema import Procedure

__all__ = ["Served", "served"]


@dataclass(frozen=True)
class Served:
    candidates: tuple[Candidate, ...]  # still offered, best first
    answer: Candidate | None  # the one left when its only rivals were its level twins


def served(candidates: Sequence[Candidate], procedures: Mapping[str, Procedure], levels: Collection[str]) -> Served:
    """The candidates the centre serves (all of them when it serves none), and a level tie's winner."""
    wanted = {level.casefold() for level in levels}

    def ours(c: Candidate) -> bool:
        p = procedures.get(c.code)
        return p is None or any(level.casefold() in wanted for level in p.level)

    kept = tuple(c for c in candidates if ours(c))
    if not kept or len(kept) == len(candidates):
        return Served(tuple(candidates), None)
    dropped = [c for c in candidates if not ours(c)]
    if len(kept) == 1:
        own = without_level(kept[0].name)
        if all(without_level(c.name) == own for c in dropped):
            return Served(kept, kept[0])
    return Served(kept, None)
