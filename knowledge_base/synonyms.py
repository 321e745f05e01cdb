"""Citizens' words read as the records' official terms: "chia đất" is "tách thửa đất".

The catalogue names a procedure in the state's words ("Tách thửa hoặc hợp thửa đất", "Phiếu lý
lịch tư pháp", "chứng thư chữ ký điện tử"); citizens say "chia mảnh đất", "giấy xác nhận không có
án tích", "chứng thư số". Neither the names nor the records' text share a word with those. The
table ``synonyms.yml`` maps such phrases to the official term, and :meth:`Synonyms.rewrite`
gives a message's reading with each phrase replaced: the resolver scores that reading beside the
message as written, and the search over the records' text uses it.

Phrases are matched on normalised (folded) words, longest first; "…" in a phrase stands for one
to ``GAP_WORDS`` words ("nhận … làm con nuôi"). The message's toned reading
(``resolver_tones.keep_tones``: one word for each folded word) is rewritten alongside, so the
toned index still reads the rest of it with its marks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from knowledge_base.loader import KnowledgeBaseError
from knowledge_base.resolver_tones import toned_or_folded
from knowledge_base.yaml_files import read_yaml
from nlu.normalize import fold, normalize

__all__ = ["SYNONYMS_PATH", "Synonyms", "load_synonyms"]

SYNONYMS_PATH = Path(__file__).with_name("synonyms.yml")
GAP = "…"
GAP_WORDS = 3  # most words a "…" of a phrase stands for


def load_synonyms(path: Path = SYNONYMS_PATH) -> Synonyms:
    """The table of ``synonyms.yml``: official term -> the phrases citizens use for it."""
    data = read_yaml(path, KnowledgeBaseError, str(path)) or {}
    if not isinstance(data, dict) or not all(
        isinstance(said, list) and all(isinstance(s, str) and s.strip() for s in said) for said in data.values()
    ):
        raise KnowledgeBaseError(f"{path}: expected official term -> list of phrases")
    return Synonyms({str(term): said for term, said in data.items()})


class Synonyms:
    """Rewrites normalised messages with the citizens' phrases of a table replaced by official terms."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        patterns: list[tuple[int, str, str, tuple[str, ...]]] = []  # (words, pattern, official term, toned)
        for term, said in table.items():
            for phrase in said:
                parts = [normalize(part) for part in phrase.split(GAP)]
                if not all(parts):
                    raise KnowledgeBaseError(f"synonyms: «{phrase}» has an empty part around {GAP}")
                gap = rf"(?: \S+){{1,{GAP_WORDS}}} "
                pattern = gap.join(re.escape(part) for part in parts)
                # A phrase without a gap is also checked against a toned message: "sổ đỏ" is not "sơ đồ".
                toned = tuple(toned_or_folded(phrase).split()) if len(parts) == 1 else ()
                patterns.append((sum(len(p.split()) for p in parts), pattern, term, toned))
        patterns.sort(key=lambda p: -p[0])
        self._terms = [(normalize(term), toned_or_folded(term)) for _, _, term, _ in patterns]
        self._toned = [toned for *_, toned in patterns]
        self._re = (
            re.compile(
                r"(?<!\S)(?:" + "|".join(f"(?P<s{i}>{p})" for i, (_, p, *_) in enumerate(patterns)) + r")(?!\S)"
            )
            if patterns
            else None
        )

    def rewrite(self, normalized: str, toned: str | None = None) -> tuple[str, str | None] | None:
        """The message (and its toned reading, aligned word for word) with every citizens' phrase
        replaced by its official term; None when it has none."""
        if self._re is None:
            return None
        words = toned.split() if toned is not None else None
        if words is not None and len(words) != len(normalized.split()):
            words = None  # not aligned: the folded reading alone
        matches = [m for m in self._re.finditer(normalized) if words is None or self._toned_fits(m, normalized, words)]
        if not matches:
            return None
        out_plain: list[str] = []
        out_toned: list[str] = []
        at, word_at = 0, 0
        for m in matches:
            before = normalized[at : m.start()].split()
            span = len(m.group(0).split())
            plain, marked = self._terms[int(str(m.lastgroup)[1:])]
            out_plain += [*before, plain]
            if words is not None:
                out_toned += [*words[word_at : word_at + len(before)], marked]
            word_at += len(before) + span
            at = m.end()
        out_plain += normalized[at:].split()
        if words is not None:
            out_toned += words[word_at:]
        return " ".join(out_plain), (" ".join(out_toned) if words is not None else None)

    def _toned_fits(self, m: re.Match[str], normalized: str, words: list[str]) -> bool:
        """Whether the message's toned words at a match are the phrase's (a word written without
        marks fits any)."""
        said = self._toned[int(str(m.lastgroup)[1:])]
        start = len(normalized[: m.start()].split())
        return all(w == s or w == fold(w) for w, s in zip(words[start : start + len(said)], said, strict=False))
