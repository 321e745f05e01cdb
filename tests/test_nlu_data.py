"""The committed training file is exactly what the sources generate, through the one normalisation."""

from __future__ import annotations

import yaml

from nlu.build_data import OUT_FILE, build, render
from nlu.normalize import normalize

INTENTS = {
    "greet", "goodbye", "thank", "help", "ask_human", "out_of_scope", "ask_overview", "ask_documents", "ask_fee",
    "ask_processing_time", "ask_where", "ask_steps", "ask_online", "ask_conditions", "ask_forms",
    "ask_office_info", "check_dossier_status", "give_feedback", "rate_service",
}


def test_training_file_is_up_to_date_with_its_sources() -> None:
    assert OUT_FILE.read_text(encoding="utf-8") == render(build()[0]), "run `python -m nlu.build_data`"


def test_every_intent_has_many_normalised_examples() -> None:
    per_intent, _ = build()
    assert set(per_intent) == INTENTS
    assert sum(len(v) for v in per_intent.values()) >= 1000
    for intent, examples in per_intent.items():
        assert len(examples) >= 30, intent
        for ex in examples[:50]:
            plain = ex.replace("[", "").split("](")[0] if "](" not in ex else None
            if plain is not None:
                assert normalize(plain) == plain, (intent, ex)


def test_training_file_is_valid_rasa_yaml() -> None:
    data = yaml.safe_load(OUT_FILE.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    assert {block["intent"] for block in data["nlu"] if "intent" in block} == INTENTS
