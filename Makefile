# The two commands a new machine needs are `make local` and `make test`;
# both create the virtualenv from the requirements first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install test test-infra test-functions test-e2e lint format generate bench local clean

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(INSTALLED)  ## create .venv with everything the program, tests and tools need

test: $(INSTALLED)  ## run every test: infra (mocks), functions (moto), workflow, e2e (local cloud)
	$(PY) -m pytest

test-infra: $(INSTALLED)  ## only the Pulumi mock tests
	$(PY) -m pytest tests/infra

test-functions: $(INSTALLED)  ## only the Lambda code and workflow tests against moto
	$(PY) -m pytest tests/functions

test-e2e: $(INSTALLED)  ## only the end-to-end tests through the local cloud
	$(PY) -m pytest tests/e2e

lint: $(INSTALLED)  ## ruff
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(INSTALLED)  ## ruff fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

generate: $(INSTALLED)  ## re-render schemas/events/*.json and the OpenAPI document
	$(PY) scripts/generate.py

bench: $(INSTALLED)  ## archive sizes and cold-import times per function
	$(PY) scripts/bench.py

local: $(INSTALLED)  ## run the whole system on this machine (see README)
	$(PY) -m localcloud $(ARGS)

clean:  ## remove the virtualenv and build output
	rm -rf $(VENV) .build .localcloud .pytest_cache .ruff_cache
