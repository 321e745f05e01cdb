# Each target sets up what it needs on first use: the app venv (.venv), the Rasa
# venv and trained model (cached outside the checkout, see nlu/server.py).
PY := .venv/bin/python
STAMP := .venv/.installed
FILE ?= ../shared/eval/dev.yml
RECORDS ?= ../shared/data/dvc/records

.PHONY: browser run test test-fast eval bench lint nlu-model import-catalog serve bench-cluster soak clean export bench-export bench-dashboard survey-demo purge

$(STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

# CI: everything (real Rasa, PostgreSQL, the browser); a missing service fails the run when CI=true.
test: $(STAMP) browser
	$(PY) -m pytest -q --durations=25

# The inner loop: SQLite only, no Rasa server, no browser, no slow tests (conftest.py marks them), on two
# processes (each test file on one; every test has its own database, files and ports).
test-fast: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not nlu and not postgres and not browser and not slow" --durations=10

# Headless Chromium and its driver for the browser tests (Debian packages), installed when missing.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

eval: $(STAMP)
	$(PY) -m tools.evaluate $(FILE)

bench: $(STAMP)
	$(PY) -m tools.bench_core

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

# Web server (webhook mode): channel webhooks, dossier status push (POST /dossiers/events), /healthz.
# Refuses to start without the secrets of what it serves (README "Channels").
HOST ?= 127.0.0.1
PORT ?= 8080
# WORKERS > 1 needs PostgreSQL (docs/deployment.md).
WORKERS ?= 1
serve: $(STAMP)
	$(PY) -m bot serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# 3 worker processes on PostgreSQL (a database created and dropped), one SIGKILLed halfway, and 1 worker
# for comparison; last line JSON. TTHC_BENCH_PG_URL: server to use (default: local postgres).
bench-cluster: $(STAMP)
	$(PY) -m tools.bench_cluster

# Steady load (SOAK_RATE msg/s for SOAK_S seconds, default 30 min at 5/s): memory and p95 at start and end.
SOAK_S ?= 1800
SOAK_RATE ?= 5
soak: $(STAMP)
	$(PY) -m tools.soak --seconds $(SOAK_S) --rate $(SOAK_RATE)

# Staff export of survey responses (audited): make export FROM=2026-11-01 TO=2026-11-30 [FORMAT=csv]
# [UNIT="Trung tâm ..."] [FORM=full] [ANONYMOUS=1] [OUT=file]
FORMAT ?= xlsx
OUT ?= var/exports/sipas_$(FROM)_$(TO).$(FORMAT)
export: $(STAMP)
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make export FROM=YYYY-MM-DD TO=YYYY-MM-DD [FORMAT=csv]"; exit 2; }
	$(PY) -m bot export --from $(FROM) --to $(TO) --format $(FORMAT) -o "$(OUT)" \
		$(if $(UNIT),--unit "$(UNIT)") $(if $(FORM),--form $(FORM)) $(if $(ANONYMOUS),--anonymous)

# Export time and peak memory for 100,000 survey responses; one JSON line.
bench-export: $(STAMP)
	$(PY) -m tools.bench_export

# Staff dashboard p50/p95 over HTTP for 100,000 responses, main page and each filter; last line JSON.
# PG=1: on PostgreSQL (a database created and dropped on TTHC_BENCH_PG_URL's server, default local postgres).
bench-dashboard: $(STAMP)
	$(PY) -m tools.bench_dashboard $(if $(PG),--pg)

# The survey end to end in the terminal, on its own database (var/survey-demo.sqlite3).
survey-demo: $(STAMP)
	bash bot/features/surveys/demo_chat.sh

# Every retention period of config.yml (retention:, surveys.retention_days) at once; the server also runs
# it daily. Idempotent and safe to interrupt (README "Personal data").
purge: $(STAMP)
	$(PY) -m bot purge

nlu-model: $(STAMP)
	$(PY) -m bot train

import-catalog: $(STAMP)
	$(PY) -m knowledge_base import $(RECORDS)

clean:
	rm -rf .venv .venv-rasa var nlu/.rasa nlu/models
