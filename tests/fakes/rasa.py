"""A fake understander for the fast tier: a local HTTP server speaking Rasa's ``/model/parse`` protocol.

Built from labelled examples (the NLU training data, ``nlu/data/nlu.yml``, plus any evaluation set in
the ``../shared/eval`` format): a message gets the intent of its nearest example (rapidfuzz) and a
``procedure`` entity for each procedure mention the examples annotate. It is no model: tests on it
check routing and dialogue, never how well the assistant understands (that is the ``nlu`` tier).
"""

from __future__ import annotations

import json
import math
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from fakes.http import free_port
from nlu.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "nlu" / "data" / "nlu.yml"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)")


def training_examples(path: Path = TRAINING) -> tuple[list[tuple[str, str]], set[str]]:
    """(plain example, intent) pairs and the annotated procedure mentions of Rasa's NLU data."""
    examples: list[tuple[str, str]] = []
    mentions: set[str] = set()
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" not in block:  # synonyms, lookup tables
            continue
        for line in str(block.get("examples") or "").splitlines():
            text = line.strip().removeprefix("- ").strip()
            if not text:
                continue
            mentions.update(m.group(1) for m in _ANNOTATION.finditer(text) if m.group(2) == "procedure")
            examples.append((_ANNOTATION.sub(r"\1", text), block["intent"]))
    return examples, mentions


def labelled_cases(path: Path) -> list[tuple[str, str]]:
    """(normalized text, intent) of an evaluation set (``cases:`` with ``text`` and ``intent``)."""
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return [(normalize(str(c["text"])), str(c["intent"])) for c in cases]


class FakeRasa:
    def __init__(self, examples: list[tuple[str, str]], mentions: set[str]) -> None:
        self.examples = examples
        self.mentions = sorted(mentions, key=len, reverse=True)  # the longest mention wins an overlap
        self._texts = [text for text, _ in examples]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: ThreadingHTTPServer | None = None

    def parse(self, text: str) -> dict[str, Any]:
        best = process.extract(text, self._texts, scorer=fuzz.WRatio, limit=5)
        scores: dict[str, float] = {}
        for _, score, i in best:
            scores.setdefault(self.examples[i][1], score)
        # Like Rasa's softmax, confidences sum to one: a clearly closer example makes a sure intent.
        weights = {intent: math.exp((score - 100) / 5) for intent, score in scores.items()}
        total = sum(weights.values()) or 1.0
        ranking = {intent: round(w / total, 4) for intent, w in weights.items()}
        top = next(iter(ranking.items()), ("out_of_scope", 0.0))
        return {
            "text": text,
            "intent": {"name": top[0], "confidence": top[1]},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking.items()],
            "entities": self._entities(text),
        }

    def _entities(self, text: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        taken: list[range] = []
        for mention in self.mentions:
            for m in re.finditer(rf"\b{re.escape(mention)}\b", text):
                if any(m.start() in r or m.end() - 1 in r for r in taken):
                    continue
                taken.append(range(m.start(), m.end()))
                found.append({"entity": "procedure", "value": mention, "start": m.start(), "end": m.end(),
                              "confidence_entity": 0.99})
        return sorted(found, key=lambda e: e["start"])

    def start(self) -> FakeRasa:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._json(200 if self.path.startswith("/status") else 404, {"model_file": "fake"})

            def do_POST(self) -> None:
                if not self.path.startswith("/model/parse"):
                    self._json(404, {})
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                self._json(200, fake.parse(str(body.get("text") or "")))

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def from_labelled_examples(*eval_sets: Path) -> FakeRasa:
    examples, mentions = training_examples()
    for path in eval_sets:
        if path.exists():
            examples += labelled_cases(path)
    return FakeRasa(examples, mentions)
