# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test install lint typecheck pytest postgres browser catalog catalog-check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## make run: install and start the registry service on the embedded default (bundled catalog + SQLite store)
HOST ?= 127.0.0.1
PORT ?= 8000
run: install
	@echo "modelreg registry: http://$(HOST):$(PORT)/api/registry/models   docs: http://$(HOST):$(PORT)/docs"
	$(BIN)/modelreg serve --host $(HOST) --port $(PORT)

## make test: install, then lint, type-check, check the catalog is fresh, and run the whole suite
test: install lint typecheck catalog-check pytest

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)

typecheck: install
	$(BIN)/mypy src

catalog-check: install
	$(BIN)/modelreg catalog build --check
	$(BIN)/modelreg docs tables --out docs/models --check

# The store's tests run against a real PostgreSQL server: start one when none answers.
postgres:
	bash scripts/ensure-postgres.sh

# The page's browser tests (tests/test_web.py) drive Debian's chromium through Playwright: install it when missing.
browser:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

pytest: install postgres browser
	if [ -f .pg/env ]; then . ./.pg/env; fi; $(BIN)/pytest

## make catalog: rebuild the catalog YAML, index and JSON Schemas from ../shared/upstream, and docs/models
catalog: install
	$(BIN)/modelreg catalog build
	$(BIN)/modelreg docs tables --out docs/models

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
