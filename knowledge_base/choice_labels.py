"""Button labels for a "which procedure?" list that show how the offered procedures differ.

Sibling procedures share almost all of their long official names ("Cấp lại Giấy chứng nhận đủ
điều kiện sản xuất thuốc thú y (trừ ...)" beside "Gia hạn Giấy chứng nhận ..."); cut at a fixed
length, their buttons read the same or differ only in words the cut hid. A label here keeps the
action the name starts with ("Cấp lại", "Gia hạn"), the beginning of the paper it is about, the
words that set it apart from the other offered names when the cut would hide them, and the level
("cấp tỉnh") when the offered procedures are the same one at several levels.

A cut never falls inside a word: Vietnamese words are mostly two syllables or more ("bảo hiểm y
tế"), and "… bảo hiểm y…" reads as nonsense. Which syllables make one word is read off the
catalogue's own names (``_words``); a name only a word or two too long is shown whole.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge_base.aliases import split_level
from knowledge_base.resolver_actions import action_head_words
from nlu.normalize import canonical_tones, normalize

__all__ = ["LIMIT", "choice_labels", "learn_words"]

LIMIT = 40  # characters a button shows comfortably on a phone
SLACK = 8  # a name this much too long is shown whole rather than cut before its last word
WORD_USES = 2  # two syllables make one word when the catalogue's names use them together this often ...
WORD_SHARE = 0.15  # ... and the rarer of them stands in that pair in at least this share of its uses
_NAMES = Path(__file__).with_name("national.jsonl.gz")
_GAP = "…"
_LEADING = frozenset({"bị", "có", "khi", "do", "đã", "để", "mà", "không", "chưa"})


@dataclass(frozen=True)
class _Name:
    head: tuple[str, ...]  # the action words the name starts with
    rest: tuple[str, ...]  # what the action applies to, and its qualifiers
    level: str  # "cấp tỉnh", or "" when the name says none


def choice_labels(names: Sequence[str], limit: int = LIMIT) -> list[str]:
    """One label per name, in order: short, distinct when the names are, differences kept."""
    parsed = [_parse(n) for n in names]
    with_level = len({p.level for p in parsed}) > 1
    labels = [_label(p, _distinct(i, parsed), with_level, limit) for i, p in enumerate(parsed)]
    for i, label in enumerate(labels):
        if labels.count(label) > 1 and names.count(names[i]) == 1:
            labels[i] = _label(parsed[i], _distinct(i, parsed), True, limit + 20)
    return labels


def _parse(name: str) -> _Name:
    name = name.strip()
    name = re.sub(r"^thủ tục\s+", "", name, flags=re.I)
    name, level = split_level(name)
    name = name.rstrip(" ,;-–")
    words = name.split()
    n = action_head_words(normalize(name))
    return _Name(tuple(words[:n]), tuple(words[n:]), level)


def _syllables(word: str) -> set[str]:
    """A word's folded syllables ("vắc-xin" and "vắc xin" are the same two)."""
    return set(normalize(word.replace("-", " ")).split())


def _distinct(i: int, parsed: list[_Name]) -> list[int]:
    """Positions in name i's rest of the words that some other offered name with the same action lacks
    (a different action already tells them apart)."""
    head = normalize(" ".join(parsed[i].head))
    others = [
        set().union(*(_syllables(w) for w in p.rest))
        for j, p in enumerate(parsed)
        if j != i and normalize(" ".join(p.head)) == head
    ]
    if not others:
        return []
    return [
        k
        for k, w in enumerate(parsed[i].rest)
        if (syl := _syllables(w)) and any(not syl <= other for other in others)
    ]


def _clean(words: Sequence[str]) -> str:
    """Words joined, brackets and trailing punctuation dropped (a cut must not leave "(trừ")."""
    text = " ".join(w.strip("()[]") for w in words if w.strip("()[]"))
    return text.rstrip(" ,;:.-–")


def _label(p: _Name, distinct: list[int], with_level: bool, limit: int) -> str:
    tail = f" ({p.level})" if with_level and p.level else ""
    room = limit - len(tail)
    full = _clean(p.head + p.rest)
    if len(full) <= room or (len(full) <= room + SLACK and not distinct):
        return _capital(full) + tail
    shown = _fit(p.head, p.rest, room - len(_GAP))
    if distinct and distinct[-1] >= shown:
        # The words that set it apart lie beyond the cut: what fits of the beginning, a gap, those
        # words, with the stretches they share with the others left out ("trường hợp … bị mất").
        distinct = _whole_words(p.rest, distinct)
        start = distinct[0]
        span = _squeezed(p.rest, distinct)
        piece = _fit((), span, room // 2 + 6)
        shown_span = span[:piece]
        while shown_span and shown_span[-1] == _GAP:
            shown_span = shown_span[:-1]
        said = _clean(shown_span) + (_GAP if len(shown_span) < len(span) else "")
        lead = _fit(p.head, p.rest[:start], room - len(said) - len(_GAP) - 2)
        lead = 0 if lead == 1 and start > 1 else lead  # not a lone first syllable ("Chứng …")
        gap = f" {_GAP} " if lead < start else " "
        return _capital((_clean(list(p.head) + list(p.rest[:lead])) + gap + said).strip()) + tail
    return _capital(_clean(list(p.head) + list(p.rest[:shown])) + _GAP) + tail


def _whole_words(rest: Sequence[str], distinct: list[int]) -> list[int]:
    """The distinct positions widened to the words they are syllables of ("tai nạn", not "tai")."""
    out = set(distinct)
    for k in distinct:
        first, last = k, k
        while first > 0 and _one_word(rest[first - 1], rest[first]):
            first -= 1
        while last + 1 < len(rest) and _one_word(rest[last], rest[last + 1]):
            last += 1
        out.update(range(first, last + 1))
    return sorted(out)


def _squeezed(rest: Sequence[str], distinct: list[int]) -> list[str]:
    """The words from the first distinct one to the last, a shared stretch of two words or more as one gap."""
    marked = set(distinct)
    out: list[str] = []
    before = rest[distinct[0] - 1] if distinct[0] else ""
    if before.casefold() in _LEADING:  # "bị thu hồi", "khi có": the little word that makes it read
        out.append(before)
    run = 0
    for k in range(distinct[0], distinct[-1] + 1):
        if k in marked:
            if run >= 2:
                out.append(_GAP)
            elif run:
                out.append(rest[k - 1])
            out.append(rest[k])
            run = 0
        else:
            run += 1
    return out


def _fit(head: Sequence[str], rest: Sequence[str], room: int) -> int:
    """How many syllables of rest fit after head within room characters, ending where a word ends (at
    least one word when there is no head)."""
    n = 0
    while n < len(rest) and len(_clean(list(head) + list(rest[: n + 1]))) <= room:
        n += 1
    while 0 < n < len(rest) and _one_word(rest[n - 1], rest[n]):
        n -= 1
    if n == 0 and rest and not head:  # something must show: the first word, a little over room if need be
        n = 1
        while n < min(len(rest), 3) and _one_word(rest[n - 1], rest[n]):
            n += 1
    return n


def _one_word(a: str, b: str) -> bool:
    """Whether two syllables side by side make one word ("y" "tế", "chính" "sách")."""
    pair = (_toned(a), _toned(b))
    return all(pair) and pair in _words()


def _toned(syllable: str) -> str:
    """A syllable in lower case with its tone marks ("ý" in "ý kiến" is not "y" in "y tế")."""
    words = _syllables_of(syllable)
    return words[0] if len(words) == 1 else ""


def _syllables_of(text: str) -> list[str]:
    return re.sub(r"[^\w\s]|_", " ", canonical_tones(text).casefold()).split()


_learnt: frozenset[tuple[str, str]] | None = None  # the words of the catalogue the application loaded


def learn_words(names: Iterable[str]) -> None:
    """Learn which syllable pairs are words from the catalogue's names as it is loaded (the composition
    root does, with the national names), instead of reading the national file again for the first list."""
    global _learnt
    _learnt = _word_pairs(names)


def _words() -> frozenset[tuple[str, str]]:
    return _learnt if _learnt is not None else _shipped_words()


@functools.cache
def _shipped_words() -> frozenset[tuple[str, str]]:
    """The words of the shipped national file's names (for a caller that loaded no catalogue itself)."""
    if not _NAMES.exists():
        return frozenset()
    with gzip.open(_NAMES, "rt", encoding="utf-8") as lines:
        return _word_pairs(json.loads(line)["name"] for line in lines)


def _word_pairs(names: Iterable[str]) -> frozenset[tuple[str, str]]:
    """Syllable pairs that the catalogue's names use as one word: together often, and the rarer of the
    two in that pair in a fair share of its uses ("y tế", "bảo hiểm", "chính sách"; not "thẻ bảo").
    A pair taken for a word wrongly only makes a label end a word earlier."""
    pairs: Counter[tuple[str, str]] = Counter()
    single: Counter[str] = Counter()
    for name in names:
        for chunk in re.split(r"[,;:()]", name):
            syllables = _syllables_of(chunk)
            single.update(syllables)
            pairs.update(itertools.pairwise(syllables))
    return frozenset(
        (a, b) for (a, b), n in pairs.items() if n >= WORD_USES and n >= WORD_SHARE * min(single[a], single[b])
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
