"""Abbreviations inside official names, spelled out from the records' own words.

Some national records abbreviate their name ("Giải quyết hưởng trợ cấp nghỉ DSPHSK sau ốm đau, thai
sản, TNLĐ, BNN") and spell the words out only elsewhere: in the same record's documents and steps
("... dưỡng sức phục hồi sức khỏe ...") or in other records' names ("tai nạn lao động"). A citizen
says the words, never the letters, so the name as written can never be matched. Each upper-case
abbreviation of the names is read as the run of words whose initials spell it, found in the record
itself first, then in the records that use the same abbreviation; the most frequent run wins, and
only when it is found often enough to be the abbreviation's meaning, not a chance spelling.

The resolver indexes each such name a second time, spelled out (``spelled_out_names``).
"""

from __future__ import annotations

import collections
import re
from collections.abc import Collection, Iterable, Mapping

from knowledge_base.schema import Procedure

__all__ = ["abbreviation_table", "spelled_out_names"]

MIN_LETTERS = 3  # shorter capitals ("TW", "AB") spell too many chance runs
MAX_LETTERS = 8
MIN_FOUND = 2  # a run found once elsewhere may be chance; once in the record itself is enough
_ABBREVIATION_RE = re.compile(rf"(?<!\w)[A-ZĐ]{{{MIN_LETTERS},{MAX_LETTERS}}}(?!\w)")
_ROMAN_RE = re.compile(r"^[IVXLC]+$")
_CLAUSE_RE = re.compile(r"[^\w\s]|\d|_")  # runs never cross punctuation or numbers
_FUNCTION_WORDS = frozenset(
    "của và về các cho là có với theo tại được đã những này đó từ trong ở hoặc bản".split()  # noqa: SIM905
)


def _abbreviations(text: str) -> set[str]:
    return {a for a in _ABBREVIATION_RE.findall(text) if not _ROMAN_RE.match(a)}


def _record_text(p: Procedure) -> str:
    parts = [p.name, p.who or "", p.result or "", *p.steps, *p.conditions]
    parts.extend(d.name for d in p.documents)
    return "\n".join(parts)


def _runs(text: str, wanted: Collection[str]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(abbreviation, run of words) -> (word before, word after) of each run of words in text whose
    initials spell a wanted abbreviation."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for clause in _CLAUSE_RE.split(text):
        words = clause.split()
        if len(words) < MIN_LETTERS:
            continue
        initials = "".join(w[0].upper() for w in words)
        for abbreviation in wanted:
            start = initials.find(abbreviation)
            while start >= 0:
                end = start + len(abbreviation)
                # Capitals are not spelled-out words ("văn bản CP"); function words are chance ("bản của cơ").
                if not any(w.isupper() or w.lower() in _FUNCTION_WORDS for w in words[start:end]):
                    run = " ".join(words[start:end]).lower()
                    around = (words[start - 1].lower() if start else "", words[end].lower() if end < len(words) else "")
                    found.setdefault((abbreviation, run), []).append(around)
                start = initials.find(abbreviation, start + 1)
    return found


def _whole(around: list[tuple[str, str]]) -> bool:
    """A run always said after or before one same word is part of a longer phrase ("bưu chính công"
    of "bưu chính công ích", "viên an ninh" of "nhân viên an ninh"), not what the letters stand for."""
    if len(around) < MIN_FOUND:
        return True
    before, after = {b for b, _ in around}, {a for _, a in around}
    return not (len(before) == 1 and "" not in before) and not (len(after) == 1 and "" not in after)


def abbreviation_table(procedures: Iterable[Procedure]) -> dict[str, str]:
    """Abbreviation (as written in names) -> the words it stands for, where the records spell them."""
    procedures = list(procedures)
    in_names: dict[str, set[str]] = {}
    for p in procedures:
        for abbreviation in _abbreviations(p.name):
            in_names.setdefault(abbreviation, set()).add(p.code)
    if not in_names:
        return {}
    wanted = frozenset(in_names)
    holders = set().union(*in_names.values())
    own: dict[str, dict[str, list[tuple[str, str]]]] = collections.defaultdict(dict)
    elsewhere: dict[str, dict[str, list[tuple[str, str]]]] = collections.defaultdict(dict)
    for p in procedures:
        # A record's own text may spell its abbreviations out; any other record's name may too.
        text = _record_text(p) if p.code in holders else p.name
        for (abbreviation, run), around in _runs(text, wanted).items():
            side = own if p.code in in_names[abbreviation] else elsewhere
            side[abbreviation].setdefault(run, []).extend(around)
    table: dict[str, str] = {}
    for abbreviation in in_names:
        for found, least in ((own[abbreviation], 1), (elsewhere[abbreviation], MIN_FOUND)):
            runs = sorted(((len(a), run) for run, a in found.items() if len(a) >= least and _whole(a)), reverse=True)
            if runs:
                table[abbreviation] = runs[0][1]
                break
    return table


def spelled_out_names(procedures: Iterable[Procedure], table: Mapping[str, str] | None = None) -> dict[str, str]:
    """Code -> its name with every known abbreviation spelled out, for names that have one."""
    procedures = list(procedures)
    table = abbreviation_table(procedures) if table is None else table
    out: dict[str, str] = {}
    for p in procedures:
        spelled = _ABBREVIATION_RE.sub(lambda m: table.get(m.group(0), m.group(0)), p.name)
        if spelled != p.name:
            out[p.code] = spelled
    return out
