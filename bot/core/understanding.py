"""Understanding one message: normalise → receipt codes → NLU → procedure resolver.

The dialogue and the evaluation (`make eval`, tools/evaluate.py) run this same code.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.ops import metrics
from knowledge_base.resolver import Resolution, Resolver
from knowledge_base.resolver_index import content_tokens
from nlu.client import NluClient, NluUnavailable
from nlu.keywords import guess_intent
from nlu.normalize import normalize
from nlu.receipt_codes import find_codes

log = logging.getLogger(__name__)

PROCEDURE_INTENTS = frozenset(
    {
        "ask_overview", "ask_documents", "ask_fee", "ask_processing_time", "ask_where",
        "ask_steps", "ask_online", "ask_conditions", "ask_forms",
    }
)
# Intents whose message may name a procedure that the dialogue should remember.
_RESOLVE_FOR = PROCEDURE_INTENTS | {"check_dossier_status"}
_NO_PROCEDURE = Resolution(kind="none", candidates=())
# A first intent leading its runner-up by less than this is a doubt about the aspect asked.
INTENT_MARGIN = 0.2


@dataclass(frozen=True)
class Understanding:
    text: str
    normalized: str
    intent: str
    confidence: float
    nlu_used: bool
    mention: str | None
    dossier_codes: tuple[str, ...]
    resolution: Resolution
    sure: bool  # the intent is above the tuned confidence threshold
    runner_up: float = 0.0  # the NLU's confidence in its second intent: a close second is a doubt

    @property
    def aspect_unsure(self) -> bool:
        """Which aspect is asked is in doubt: a low confidence, or a second intent close behind."""
        return not self.sure or self.confidence - self.runner_up < INTENT_MARGIN

    @property
    def names_procedure(self) -> bool:
        """The NLU tagged words that name some procedure (not just "lệ phí" or a lone fragment)."""
        return self.mention is not None and len(content_tokens(self.mention)) >= 2

    @property
    def procedure(self) -> str | None:
        """The resolved procedure code when the resolver is confident."""
        if self.resolution.kind == "confident" and self.resolution.candidates:
            return self.resolution.candidates[0].code
        return None


@dataclass(frozen=True)
class _Reading:
    """What the NLU (or the keyword fallback) read in one text."""

    intent: str
    confidence: float
    mention: str | None
    nlu_used: bool
    runner_up: float


# A procedure mention of this many words or more is set aside for a second reading of the message.
_LONG_NAME = 5
_SET_ASIDE = "thu tuc nay"
# Sentence ends in the raw text (normalize() drops the punctuation).
_SENTENCE_END = re.compile(r"(?<=[.?!…;:])\s+|\n+")
# Folded words that make a sentence a question when it has no question mark.
_ASKING = re.compile(r"\b(gi|nao|dau|sao|ai|bao nhieu|bao lau|khong|chua|the nao|ra sao)\b")


def question_sentence(text: str) -> str | None:
    """The question of a message of several sentences, normalised; None for a single sentence.

    The first sentence ending with "?" (a second one usually asks a detail of the first) or, with no
    question mark, the last sentence that asks with a question word.
    """
    parts = [(raw.strip(), normalize(raw)) for raw in _SENTENCE_END.split(text.strip())]
    sentences = [(raw, norm) for raw, norm in parts if norm]
    if len(sentences) < 2:
        return None
    marked = [norm for raw, norm in sentences if raw.endswith("?")]
    if marked:
        return marked[0]
    asking = [norm for _, norm in sentences if _ASKING.search(norm)]
    return asking[-1] if asking else None


class Understander:
    """Turns raw text into an :class:`Understanding`; degrades to keywords without NLU."""

    def __init__(self, nlu: NluClient | None, resolver: Resolver, threshold: float, max_chars: int = 2000):
        self._nlu = nlu
        self._resolver = resolver
        self._threshold = threshold
        self._max_chars = max_chars

    async def understand(self, text: str) -> Understanding:
        text = text[: self._max_chars]
        normalized = normalize(text)
        codes = tuple(find_codes(text))
        reading = await self._classify(normalized)
        if reading.nlu_used:
            reading = await self._closer_reading(text, normalized, reading)
        intent, confidence, mention = reading.intent, reading.confidence, reading.mention
        if codes and intent not in {"give_feedback", "rate_service"}:
            # A complete receipt code is the strongest signal there is.
            intent, confidence = "check_dossier_status", max(confidence, 1.0)
        resolution = _NO_PROCEDURE
        if intent in _RESOLVE_FOR or confidence < self._threshold:
            resolution = self._resolver.resolve(normalized, mention, original=text)
            if resolution.kind == "none" and mention:
                # A fragment tagged as the procedure must not hide a name the whole message gives.
                resolution = self._resolver.resolve(normalized, None, original=text)
        if confidence < self._threshold and intent not in PROCEDURE_INTENTS and resolution.kind == "confident":
            intent = "ask_overview"
        sure = confidence >= self._threshold
        metrics.understood(nlu_used=reading.nlu_used, sure=sure)  # keyword/resolver fallbacks
        return Understanding(
            text, normalized, intent, confidence, reading.nlu_used, mention, codes, resolution, sure,
            reading.runner_up,
        )

    async def _closer_reading(self, text: str, normalized: str, whole: _Reading) -> _Reading:
        """The whole message's reading, or a more confident one of the words that ask.

        A letter puts its situation first and its question after, and a long official name carries
        words of its own ("... theo cơ chế trao đổi ... mất bao lâu"): the question sentence alone and
        the message with the name set aside are read too, and the most confident reading wins. The
        procedure mention (and so the resolver) still comes from the whole message.
        """
        if whole.confidence >= 1.0:  # no other reading can be more confident: spare the NLU its calls
            return whole
        views = []
        asked = question_sentence(text)
        if asked is not None and asked != normalized:
            views.append(asked)
        if whole.mention is not None and len(whole.mention.split()) >= _LONG_NAME:
            views.append(normalized.replace(whole.mention, _SET_ASIDE, 1))
        best = whole
        for view in views:
            reading = await self._classify(view)
            if reading.nlu_used and reading.confidence > best.confidence:
                best = reading
        if best is whole:
            return whole
        return _Reading(best.intent, best.confidence, whole.mention or best.mention, True, best.runner_up)

    async def _classify(self, normalized: str) -> _Reading:
        if self._nlu is not None and normalized:
            try:
                parse = await self._nlu.parse(normalized)
                spans = [e.value for e in parse.entities if e.entity == "procedure"]
                second = max((c for name, c in parse.ranking if name != parse.intent), default=0.0)
                return _Reading(parse.intent, parse.confidence, max(spans, key=len, default=None), True, second)
            except NluUnavailable as exc:
                log.warning("NLU unavailable, degraded mode: %s", exc)
        guessed = guess_intent(normalized)
        if guessed is not None:
            return _Reading(guessed, self._threshold, None, False, 0.0)
        return _Reading("out_of_scope", 0.0, None, False, 0.0)
