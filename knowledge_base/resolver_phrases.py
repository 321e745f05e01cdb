"""The phrases a procedure is known by, as content words: names, bare names, aliases, everyday variants.

Phrases: a procedure's name, its name without parenthesised qualifiers, its aliases and, for
an imported variant whose name contains a curated procedure's name, that name replaced by each
of the curated everyday aliases ("đổi bằng lái xe quân sự" for "Đổi giấy phép lái xe quân sự
..."): the variant's own words then tell it apart from the everyday procedure in the citizens'
own wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge_base.resolver_words import LIGHT_FORMS, LIGHT_WORDS, canonical, content_tokens
from knowledge_base.schema import Procedure
from nlu.normalize import canonical_tones, fold, normalize

DECAY_START = 8  # words of a name after this position weigh less (qualifiers of long official names)
DECAY_RATE = 0.85
DECAY_FLOOR = 0.3
_PAREN_RE = re.compile(r"\([^()]*\)")
# A channel qualifier closing a name ("... bằng dịch vụ công một phần hoặc trực tiếp thực hiện tại cấp
# tỉnh"): nobody says it, and its weight buries the words that name the procedure ("Đăng ký, cấp biển số
# xe lần đầu"). A name for the fully online channel keeps it ("trực tuyến toàn trình" tells that one apart).
_CHANNEL_TAIL_RE = re.compile(
    r"\s*(?:thực hiện )?bằng dịch vụ công(?: trực tuyến)?(?: một phần)?(?: hoặc trực tiếp)?"
    r"(?: thực hiện)?(?: tại cấp .*)?$(?<!toàn trình)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Phrase:
    code: str
    tokens: tuple[str, ...]
    total: float  # unigram + bigram weight
    weights: dict[str, float]  # word -> weight
    bigrams: tuple[tuple[str, str, float], ...]  # (a, b, weight)
    heavy: frozenset[str]  # light words this phrase uses as content words ("tài" of "tài sản")
    shared: bool = False  # other procedures have this phrase too (a family's alias)


def everyday_variants(
    procedures: list[Procedure],
    phrases: dict[tuple[str, tuple[str, ...]], frozenset[str]],
    kept: frozenset[tuple[str, str]],
    norm: Callable[[str], str],
) -> dict[tuple[str, tuple[str, ...]], frozenset[str]]:
    """Phrases that name a variant in a curated procedure's everyday words.

    An imported variant's official name often contains a curated procedure's name ("Đổi
    giấy phép lái xe quân sự ..." contains "Đổi giấy phép lái xe"; "Đăng ký khai sinh có
    yếu tố nước ngoài" contains "Đăng ký khai sinh"). Citizens call the variant by the
    curated procedure's everyday name plus the variant's own words ("đổi bằng lái quân
    sự", "làm giấy khai sinh có yếu tố nước ngoài"): the variant gets those phrases too.
    """
    curated = [p for p in procedures if p.curated]
    if not curated:
        return {}
    by_code: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
    for (code, tokens), heavy in phrases.items():
        by_code.setdefault(code, []).append((tokens, heavy))
    out: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
    for c in curated:
        span = phrase_tokens(c.name, kept, norm)
        if len(span) < 2:
            continue
        everyday = {phrase_tokens(a, kept, norm): heavy_words(a) for a in c.aliases}
        for p in procedures:
            if p.curated:
                continue
            # The variant's shortest phrase with the curated name, if it adds words of its own
            # (a twin that only differs by level, "(thực hiện tại cấp tỉnh)", adds none).
            found = [(tokens, heavy) for tokens, heavy in by_code.get(p.code, ()) if find_span(tokens, span) >= 0]
            if not found:
                continue
            tokens, heavy = min(found, key=lambda th: len(th[0]))
            if len(tokens) == len(span):
                continue
            at = find_span(tokens, span)
            for alias, alias_heavy in everyday.items():
                if alias:
                    out[(p.code, (*tokens[:at], *alias, *tokens[at + len(span) :]))] = heavy | alias_heavy
    return out


def phrase_texts(p: Procedure) -> list[str]:
    """Name, name without parenthesised qualifiers (and without a closing channel qualifier), and aliases."""
    texts = [p.name]
    bare = _PAREN_RE.sub(" ", p.name)
    if bare != p.name:
        texts.append(bare)
    bare_channel = _CHANNEL_TAIL_RE.sub("", bare).strip()
    if bare_channel != bare.strip():
        texts.append(bare_channel)
    texts.extend(p.aliases)
    return texts


def heavy_words(text: str) -> frozenset[str]:
    """The light words (folded) a name writes as syllables of content words ("tài", "cơ")."""
    words = re.sub(r"[^\w\s]|_", " ", canonical_tones(text).lower()).split()
    return frozenset(f for w in words if (f := fold(w)) in LIGHT_WORDS and f != w and w not in LIGHT_FORMS)


def phrase_tokens(
    text: str, kept: frozenset[tuple[str, str]], norm: Callable[[str], str] = normalize
) -> tuple[str, ...]:
    """Content words of a name or alias. A short name that is mostly question words
    ("Hỗ trợ chi phí", "Miễn tiền chậm nộp") keeps them all: without them it would
    claim any message about "hỗ trợ"."""
    normalized = norm(text)
    tokens = content_tokens(normalized, kept)
    words = [canonical(t) for t in normalized.split()]
    if words[:2] == ["thu", "tuc"]:
        words = words[2:]
    if len(tokens) <= 2 and len(tokens) < len(words):
        return tuple(words)
    return tuple(tokens)


def find_span(tokens: tuple[str, ...], span: tuple[str, ...]) -> int:
    """Where span occurs in tokens, -1 when it does not."""
    n = len(span)
    first = span[0]
    for i in range(len(tokens) - n + 1):
        if tokens[i] == first and tokens[i : i + n] == span:
            return i
    return -1


def position_decay(pos: int) -> float:
    if pos < DECAY_START:
        return 1.0
    return max(DECAY_FLOOR, DECAY_RATE ** (pos - DECAY_START + 1))
