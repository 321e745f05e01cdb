# Each target sets up what it needs on first use: the app venv (.venv), the Rasa
# venv and trained model (cached outside the checkout, see nlu/server.py).
PY := .venv/bin/python
STAMP := .venv/.installed
FILE ?= ../shared/eval/dev.yml
RECORDS ?= ../shared/data/dvc/records

.PHONY: run test eval bench lint nlu-model import-catalog serve clean

$(STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

test: $(STAMP)
	$(PY) -m pytest -q

eval: $(STAMP)
	$(PY) -m bot eval $(FILE)

bench: $(STAMP)
	$(PY) -m bot bench

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

nlu-model: $(STAMP)
	$(PY) -m bot train

import-catalog: $(STAMP)
	$(PY) -m knowledge_base import $(RECORDS)

clean:
	rm -rf .venv .venv-rasa var nlu/.rasa nlu/models
