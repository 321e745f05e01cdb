"""Measure a running Rasa NLU server on an evaluation set (starts nothing itself).

    python -m tools.tune_nlu --url http://127.0.0.1:5105 [../shared/eval/dev.yml ...]

Prints intent accuracy overall and per tag, the misclassified cases, the
``procedure`` entity extraction rate, and, for choosing the app's confidence
threshold, the confidence distribution of correct, wrong and out-of-scope cases.
"""

from __future__ import annotations

import argparse
import json
import statistics
import urllib.request
from collections import defaultdict
from pathlib import Path

from nlu.normalize import normalize
from tools.evaluate import accuracy, load_cases, macro_f1, tag_groups

DEFAULT_SETS = [Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.yml"]


def parse(url: str, text: str) -> dict:
    req = urllib.request.Request(
        url.rstrip("/") + "/model/parse",
        data=json.dumps({"text": normalize(text)}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def evaluate(url: str, path: Path, show_wrong: bool = True) -> list[dict]:
    cases = load_cases(path)
    rows = []
    for case in cases:
        res = parse(url, case.text)
        ranking = res.get("intent_ranking") or []
        second = ranking[1] if len(ranking) > 1 else {"name": None, "confidence": 0.0}
        procs = [e["value"] for e in res.get("entities", []) if e["entity"] == "procedure"]
        rows.append(
            {
                "text": case.text,
                "gold": case.intent,
                "pred": res["intent"]["name"],
                "conf": res["intent"]["confidence"],
                "margin": res["intent"]["confidence"] - second["confidence"],
                "second": second["name"],
                "tags": list(case.tags),
                "procedure": case.procedure,
                "proc_entities": procs,
            }
        )
    # Scored as make eval scores the whole assistant (tools.evaluate), here on the NLU server alone.
    hits = [r["gold"] == r["pred"] for r in rows]
    f1 = macro_f1([(r["gold"], r["pred"]) for r in rows])
    print(f"\n=== {path.name}: intent accuracy {sum(hits)}/{len(hits)} = {accuracy(hits)}, macro F1 {f1}")
    for t, idx in tag_groups(cases).items():
        print(f"  {t:16s} {sum(hits[i] for i in idx):3d}/{len(idx):3d} = {accuracy([hits[i] for i in idx])}")
    by_intent: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        by_intent[r["gold"]].append(r["gold"] == r["pred"])
    print("  per intent (recall):")
    for i in sorted(by_intent):
        v = by_intent[i]
        print(f"    {i:22s} {sum(v):3d}/{len(v):3d}")
    with_proc = [r for r in rows if r["procedure"]]
    named = [r for r in rows if r["procedure"] or "not_in_catalog" in r["tags"]]
    if with_proc:
        got = sum(bool(r["proc_entities"]) for r in with_proc)
        print(f"  procedure entity extracted: {got}/{len(with_proc)} cases with a catalogue procedure", end="")
        got2 = sum(bool(r["proc_entities"]) for r in named)
        print(f"; {got2}/{len(named)} incl. not_in_catalog")
        none = [r for r in rows if not r["procedure"] and "not_in_catalog" not in r["tags"]]
        spurious = sum(bool(r["proc_entities"]) for r in none)
        print(f"  spurious procedure entity on cases naming none: {spurious}/{len(none)}")
    if show_wrong:
        print("  misclassified:")
        for r in rows:
            if r["gold"] != r["pred"]:
                print(f"    [{r['gold']} -> {r['pred']} {r['conf']:.2f}] {r['text'][:110]}  ({','.join(r['tags'])})")
    return rows


def confidence_report(rows: list[dict]) -> None:
    right = sorted(r["conf"] for r in rows if r["gold"] == r["pred"] and r["gold"] != "out_of_scope")
    wrong = sorted(r["conf"] for r in rows if r["gold"] != r["pred"])
    print("\n=== confidence (all sets)")
    for name, v in (("correct", right), ("wrong", wrong)):
        if v:
            qs = [v[int(q * (len(v) - 1))] for q in (0.0, 0.05, 0.1, 0.25, 0.5)]
            print(f"  {name:8s} n={len(v):3d} min/p5/p10/p25/median = " + " ".join(f"{q:.2f}" for q in qs))
    print("  threshold  correct-kept  wrong-caught")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        kept = sum(c >= t for c in right) / max(len(right), 1)
        caught = sum(c < t for c in wrong) / max(len(wrong), 1)
        print(f"    {t:.1f}      {kept:6.3f}        {caught:6.3f}")
    if right:
        print(f"  median confidence of correct answers: {statistics.median(right):.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    ap.add_argument("--url", default="http://127.0.0.1:5105")
    ap.add_argument("--quiet", action="store_true", help="do not list misclassified cases")
    args = ap.parse_args()
    rows: list[dict] = []
    for s in args.sets:
        rows += evaluate(args.url, s, show_wrong=not args.quiet)
    confidence_report(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
