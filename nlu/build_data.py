"""Build the Rasa training data from the human-written sources.

``python -m nlu.build_data`` reads ``nlu/source/*.yml``, expands the templates,
passes every example through :func:`nlu.normalize.normalize` (the same function
applied to every incoming message), dedupes and writes ``nlu/data/nlu.yml`` in
Rasa 3 format. The output is deterministic: same sources, same bytes.

Source files
------------
``_mentions.yml`` holds the procedure mentions used to fill templates::

    everyday: [làm giấy khai sinh, lam so do, ...]   # how citizens name procedures
    official: [Đăng ký khai sinh, ...]               # names as printed in the catalogue

Every other ``*.yml`` file holds one intent::

    intent: ask_fee
    examples:                       # hand-written; annotate Rasa-style
      - "lệ phí [làm giấy khai sinh](procedure) là bao nhiêu"
    generate:                       # optional template blocks
      - mentions: everyday          # everyday | official
        count: 40                   # how many sentences to make from this block
        templates:
          - "{proc} hết bao nhiêu tiền"

``{proc}`` becomes an annotated procedure mention and ``{code}`` an annotated
receipt code; any other ``{name}`` is replaced by a random item of the list
``name`` in ``_mentions.yml`` (e.g. ``{intro}``: the opening of a letter). Annotated
spans are normalised separately from the text around them so the annotations survive normalisation.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

import yaml

from nlu.normalize import normalize

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "source"
OUT_FILE = HERE / "data" / "nlu.yml"

_ANNOTATION = re.compile(r"\[([^\]]+)\]\(([a-z_]+)\)")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

# Receipt codes after normalize(): lower case, no spaces, ASCII dashes.
DOSSIER_CODE_REGEX = r"\b[a-z0-9]{1,4}(\.[a-z0-9]{1,4}){1,4}-\d{6}-\d{4}\b"


def normalize_annotated(text: str) -> str:
    """normalize() the text, keeping ``[span](entity)`` annotations intact."""
    parts: list[str] = []
    last = 0
    for m in _ANNOTATION.finditer(text):
        parts.append(normalize(text[last : m.start()]))
        span = normalize(m.group(1))
        if span:
            parts.append(f"[{span}]({m.group(2)})")
        last = m.end()
    parts.append(normalize(text[last:]))
    return " ".join(p for p in parts if p)


def plain(annotated: str) -> str:
    return _ANNOTATION.sub(lambda m: m.group(1), annotated)


def random_code(rng: random.Random) -> str:
    """A receipt code as a citizen might type it (see nlu/receipt_codes.py)."""
    date = f"{rng.choice([24, 25, 26])}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    seq = f"{rng.randint(1, 999):04d}"
    province = f"H{rng.randint(10, 99)}"
    style = rng.random()
    if style < 0.45:
        agency = f"{province}.{rng.randint(1, 40):02d}"
    elif style < 0.85:
        agency = f"000.{rng.randint(0, 40):02d}.{rng.randint(1, 40):02d}.{province}"
    else:
        agency = f"G{rng.randint(1, 9):02d}.{rng.randint(100, 999)}.{rng.randint(100, 999)}"
    if rng.random() < 0.25:
        agency = agency.lower()
    dash = rng.choice(["-", "-", "-", " - ", "–"])
    return f"{agency}{dash}{date}{dash}{seq}"


def _cycle(rng: random.Random, items: list[str]):
    """Endless shuffled passes over items: few repeats, every item used."""
    while True:
        order = list(items)
        rng.shuffle(order)
        yield from order


def expand_block(intent: str, index: int, block: dict, mentions: dict[str, list[str]]) -> list[str]:
    rng = random.Random(f"{intent}/{index}")
    templates = list(block["templates"])
    pool = mentions[block.get("mentions", "everyday")]
    names = _cycle(rng, pool)
    count = int(block["count"])
    out: list[str] = []
    order = _cycle(rng, templates)
    for _ in range(count):
        template = next(order)

        def fill(m: re.Match[str]) -> str:
            if m.group(1) == "proc":
                return f"[{next(names)}](procedure)"
            if m.group(1) == "code":
                return f"[{random_code(rng)}](dossier_code)"
            return rng.choice(mentions[m.group(1)])

        out.append(_PLACEHOLDER.sub(fill, template))
    return out


def load_sources(source_dir: Path = SOURCE_DIR) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(mentions, raw examples per intent) from the source files."""
    mentions_file = source_dir / "_mentions.yml"
    mentions = yaml.safe_load(mentions_file.read_text(encoding="utf-8"))
    raw: dict[str, list[str]] = {}
    for path in sorted(source_dir.glob("*.yml")):
        if path.name.startswith("_"):
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        intent = doc["intent"]
        items = raw.setdefault(intent, [])
        items.extend(str(x) for x in doc.get("examples") or [])
        for i, block in enumerate(doc.get("generate") or []):
            items.extend(expand_block(intent, i, block, mentions))
    return mentions, raw


def build(source_dir: Path = SOURCE_DIR) -> tuple[dict[str, list[str]], list[str]]:
    """Normalised, deduplicated examples per intent, and warnings."""
    _, raw = load_sources(source_dir)
    warnings: list[str] = []
    per_intent: dict[str, list[str]] = {}
    for intent in sorted(raw):
        seen: set[str] = set()
        kept: list[str] = []
        for text in raw[intent]:
            ex = normalize_annotated(text)
            if not ex:
                continue
            key = plain(ex)
            if key in seen:
                continue
            seen.add(key)
            kept.append(ex)
        per_intent[intent] = kept
    # The same normalised text under two intents teaches nothing: drop it from both.
    owners: dict[str, list[str]] = {}
    for intent, exs in per_intent.items():
        for ex in exs:
            owners.setdefault(plain(ex), []).append(intent)
    clashes = {text: intents for text, intents in owners.items() if len(intents) > 1}
    for intent, exs in per_intent.items():
        per_intent[intent] = [ex for ex in exs if plain(ex) not in clashes]
    for text, intents in sorted(clashes.items()):
        warnings.append(f"dropped, under several intents ({' '.join(intents)}): {text}")
    return per_intent, warnings


def render(per_intent: dict[str, list[str]]) -> str:
    lines = [
        "# GENERATED by `python -m nlu.build_data` from nlu/source/*.yml -- do not edit.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(per_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {ex}" for ex in per_intent[intent])
    lines.append("- regex: dossier_code")
    lines.append("  examples: |")
    lines.append(f"    - {DOSSIER_CODE_REGEX}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    per_intent, warnings = build()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(per_intent), encoding="utf-8")
    if not args.quiet:
        for w in warnings:
            print("warning:", w, file=sys.stderr)
        total = 0
        for intent in sorted(per_intent):
            n = len(per_intent[intent])
            total += n
            print(f"{intent:22s} {n:4d}")
        print(f"{'total':22s} {total:4d}  -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
