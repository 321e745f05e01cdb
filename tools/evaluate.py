"""Evaluation of the understanding pipeline on a FORMAT.md set; last line one JSON object.

A "which procedure?" list is scored as the citizen sees it: narrowed to the levels the centre
serves (``centre.serves_levels``, ``knowledge_base.resolver_levels``), and answered outright when
only the winner's level twins stood beside it, as the dialogue does. ``--raw`` scores the
resolver's own lists instead (the metric before that narrowing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from bot.config import ROOT, load_settings
from bot.core.understanding import Understander, Understanding
from knowledge_base.resolver_levels import served
from knowledge_base.schema import Procedure

DEFAULT_EVAL = ROOT.parent / "shared" / "eval" / "dev.yml"


@dataclass(frozen=True)
class Case:
    text: str
    intent: str
    procedure: str | None
    dossier_code: str | None
    tags: tuple[str, ...]


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(str(c["text"]), c["intent"], c.get("procedure"), c.get("dossier_code"), tuple(c.get("tags") or ()))
        for c in data["cases"]
    ]


@dataclass(frozen=True)
class Seen:
    """What the citizen is given: an answer (one code), buttons, or no procedure."""

    kind: str  # "confident", "ambiguous" or "none"
    codes: tuple[str, ...]


def seen(u: Understanding, procedures: Mapping[str, Procedure] | None, levels: Sequence[str] | None) -> Seen:
    """The resolution as the dialogue shows it; without procedures and levels, the resolver's own."""
    res = u.resolution
    codes = tuple(c.code for c in res.candidates)
    if res.kind != "ambiguous" or procedures is None or not levels:
        return Seen(res.kind, codes)
    offered = served(res.candidates, procedures, levels)
    if offered.answer is not None:
        return Seen("confident", (offered.answer.code,))
    return Seen("ambiguous", tuple(c.code for c in offered.candidates))


def predicted_procedure(u: Understanding) -> str | None:
    return u.resolution.candidates[0].code if u.resolution.kind != "none" and u.resolution.candidates else None


def offered_procedures(s: Seen) -> tuple[str, ...]:
    """The procedure answered (confident: the first only) or those offered as buttons (ambiguous)."""
    if s.kind == "confident":
        return s.codes[:1]
    return s.codes if s.kind == "ambiguous" else ()


def wrong_confident(c: Case, s: Seen) -> bool:
    """Answered a procedure with confidence, and it is not the one asked about."""
    return s.kind == "confident" and s.codes[:1] != (c.procedure,)


def tag_groups(cases: list[Case]) -> dict[str, list[int]]:
    """The indexes of the cases of each tag, tags sorted."""
    tagged: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        for t in c.tags:
            tagged[t].append(i)
    return dict(sorted(tagged.items()))


def accuracy(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {gold for gold, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return round(sum(scores) / len(scores), 4) if scores else 0.0


def metrics(
    cases: list[Case],
    results: list[Understanding],
    procedures: Mapping[str, Procedure] | None = None,
    levels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The set's figures; with ``procedures`` and ``levels``, choice lists narrowed as the dialogue does."""
    intents = [c.intent == u.intent for c, u in zip(cases, results, strict=True)]
    proc = [predicted_procedure(u) == c.procedure for c, u in zip(cases, results, strict=True) if c.procedure]
    null = [
        predicted_procedure(u) is None
        for c, u in zip(cases, results, strict=True)
        if c.procedure is None and "not_in_catalog" not in c.tags
    ]
    named = [(c, u) for c, u in zip(cases, results, strict=True) if c.procedure]
    shown = [(c, seen(u, procedures, levels)) for c, u in named]
    offered = [c.procedure in offered_procedures(s) for c, s in shown]
    wrong = [wrong_confident(c, s) for c, s in shown]
    codes = [
        c.dossier_code in u.dossier_codes[:1] for c, u in zip(cases, results, strict=True) if c.dossier_code
    ]
    by_tag: dict[str, dict[str, Any]] = {}
    for tag, idx in tag_groups(cases).items():
        by_tag[tag] = {
            "n": len(idx),
            "intent_accuracy": accuracy([intents[i] for i in idx]),
            "procedure_accuracy": accuracy(
                [predicted_procedure(results[i]) == cases[i].procedure for i in idx if cases[i].procedure]
            ),
        }
    return {
        "n": len(cases),
        "intent_accuracy": accuracy(intents),
        "intent_macro_f1": macro_f1([(c.intent, u.intent) for c, u in zip(cases, results, strict=True)]),
        "procedure_accuracy": accuracy(proc),
        "procedure_offered_accuracy": accuracy(offered),  # the right one answered or among the buttons
        "wrong_confident_rate": accuracy(wrong),  # of questions naming a procedure: a wrong one answered
        "answered_rate": accuracy([s.kind == "confident" for _, s in shown]),  # answered, not asked "which?"
        "procedure_null_accuracy": accuracy(null),
        "dossier_code_accuracy": accuracy(codes),
        "nlu_used": all(u.nlu_used for u in results),
        "by_tag": by_tag,
    }


async def run_eval(understander: Understander, cases: list[Case], concurrency: int = 8) -> list[Understanding]:
    sem = asyncio.Semaphore(concurrency)

    async def one(c: Case) -> Understanding:
        async with sem:
            return await understander.understand(c.text)

    return list(await asyncio.gather(*(one(c) for c in cases)))


def report(cases: list[Case], results: list[Understanding], m: dict[str, Any], console: Console) -> None:
    per_intent = Table(title="Per intent")
    for col in ("intent", "n", "correct", "accuracy"):
        per_intent.add_column(col)
    totals: Counter[str] = Counter(c.intent for c in cases)
    correct: Counter[str] = Counter(c.intent for c, u in zip(cases, results, strict=True) if c.intent == u.intent)
    for intent in sorted(totals):
        per_intent.add_row(intent, str(totals[intent]), str(correct[intent]), f"{correct[intent] / totals[intent]:.3f}")
    console.print(per_intent)
    per_tag = Table(title="Per tag")
    for col in ("tag", "n", "intent acc.", "procedure acc."):
        per_tag.add_column(col)
    for tag, row in m["by_tag"].items():
        pa = row["procedure_accuracy"]
        per_tag.add_row(tag, str(row["n"]), f"{row['intent_accuracy']:.3f}", "-" if pa is None else f"{pa:.3f}")
    console.print(per_tag)
    wrong = Table(title="Misclassified cases")
    for col in ("text", "gold intent", "got", "conf.", "gold proc.", "got proc."):
        wrong.add_column(col, overflow="fold")
    for c, u in zip(cases, results, strict=True):
        got = predicted_procedure(u)
        proc_wrong = (c.procedure is not None and got != c.procedure) or (
            c.procedure is None and "not_in_catalog" not in c.tags and got is not None
        )
        if c.intent != u.intent or proc_wrong:
            wrong.add_row(c.text[:90], c.intent, u.intent, f"{u.confidence:.2f}", str(c.procedure), str(got))
    console.print(wrong)
    summary = {k: v for k, v in m.items() if k != "by_tag"}
    console.print(summary)


def print_result(m: dict[str, Any]) -> None:
    print(json.dumps(m, ensure_ascii=False), flush=True)


async def _eval(path: Path, urls: list[str], token: str | None, raw: bool = False) -> dict[str, object]:
    from bot.app import build_services

    settings = load_settings()
    services = build_services(settings, urls, token, migrate=False)
    try:
        cases = load_cases(path)
        results = await run_eval(services.understander, cases)
    finally:
        await services.aclose()
    levels = None if raw else settings.centre.serves_levels
    m = metrics(cases, results, services.procedures, levels)
    report(cases, results, m, Console(stderr=False, width=160))
    return m


def main(argv: list[str] | None = None) -> int:
    """`make eval FILE=...`: the understanding pipeline over one set; the last line is JSON."""
    parser = argparse.ArgumentParser(prog="python -m tools.evaluate")
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--no-nlu", action="store_true")
    parser.add_argument("--raw", action="store_true", help="score the resolver's lists, not narrowed to the levels")
    args = parser.parse_args(argv)
    from bot.app import nlu_endpoint

    settings = load_settings()
    if args.no_nlu:
        print_result(asyncio.run(_eval(args.file, [], None, args.raw)))
        return 0
    with nlu_endpoint(settings) as (urls, token):
        m = asyncio.run(_eval(args.file, urls, token, args.raw))
    print_result(m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
