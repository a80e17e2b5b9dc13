# The two commands a new machine needs are `make local` and `make test`;
# both create the virtualenv from uv.lock first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# uv installs and locks: the one on PATH, or else the one the install step puts
# into .venv with pip (the version uv.lock pins; uv.lock keeps it there).
UV := $(shell command -v uv 2>/dev/null || echo $(VENV)/bin/uv)
UV_LOCKED_VERSION = $(PY) -c 'import tomllib; print(next(p["version"] for p in tomllib.load(open("uv.lock", "rb"))["package"] if p["name"] == "uv"))'

# requirements*.txt are where dependencies are declared. Pulumi's uv toolchain reads
# them from pyproject.toml, so `make lock` renders them into its marked block.
REQUIREMENTS = sed -e 's/[[:space:]]*\#.*//' -e '/^[[:space:]]*$$/d' -e '/^-/d' $(1) | tr '"' "'" | sed 's/.*/    "&",/'
RENDER_PYPROJECT = { echo 'dependencies = ['; $(call REQUIREMENTS,requirements.txt); echo ']'; echo; \
	echo '[dependency-groups]'; echo 'dev = ['; $(call REQUIREMENTS,requirements-dev.txt); echo ']'; } \
	| awk 'FNR == NR { block = block $$0 "\n"; next } \
	       /^\# END rendered/ { printf "%s", block; skip = 0 } !skip { print } /^\# BEGIN rendered/ { skip = 1 }' \
	  - pyproject.toml
# uv keeps a comment at the top of uv.lock while the lock is unchanged, and drops it when
# it rewrites the file; `make lock` puts it back.
LOCK_HEADER = '\# uv.lock: the exact versions, with hashes, that `make install`, CI and Pulumi install.' \
	'\# Do not edit it: declare dependencies in requirements*.txt, then refresh it with `make lock`' \
	'\# (`make lock UPGRADE=1` moves every package to the newest version its range allows).'

.DEFAULT_GOAL := help
.PHONY: help install lock test test-infra test-functions test-e2e test-browser screenshots lint lint-resolvers typecheck format generate bench local clean replay redrive reput story

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(INSTALLED): uv.lock pyproject.toml requirements.txt requirements-dev.txt
	@$(RENDER_PYPROJECT) | cmp -s - pyproject.toml || { echo "pyproject.toml's dependencies differ from requirements*.txt (edit only those): run 'make lock', then commit pyproject.toml and uv.lock" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(PY) -m pip install --quiet "uv==$$($(UV_LOCKED_VERSION))"
	$(UV) sync --locked
	touch $@

install: $(INSTALLED)  ## create .venv with exactly what uv.lock pins (program, tests, tools)

lock:  ## after editing requirements*.txt: render them into pyproject.toml, re-resolve uv.lock (UPGRADE=1: newest allowed)
	@echo "render requirements*.txt into pyproject.toml"; $(RENDER_PYPROJECT) > pyproject.toml.new && mv pyproject.toml.new pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(PY) -m pip install --quiet "$$(grep -E '^uv *[<>=!~]' requirements-dev.txt)"
	$(UV) lock $(if $(UPGRADE),--upgrade)
	@if ! grep -q '^# uv.lock:' uv.lock; then \
	  { printf '%s\n' $(LOCK_HEADER); cat uv.lock; } > uv.lock.new && mv uv.lock.new uv.lock; fi

test: $(INSTALLED)  ## run every test: infra (mocks), functions (moto), workflow, e2e (local cloud)
	$(PY) -m pytest

test-infra: $(INSTALLED)  ## only the Pulumi mock tests
	$(PY) -m pytest tests/infra

test-functions: $(INSTALLED)  ## only the Lambda code and workflow tests against moto
	$(PY) -m pytest tests/functions

test-e2e: $(INSTALLED)  ## only the end-to-end tests through the local cloud
	$(PY) -m pytest tests/e2e

test-browser: $(INSTALLED)  ## only the browser tests (Playwright driving Debian's chromium; skipped without one)
	$(PY) -m pytest tests/browser

screenshots: $(INSTALLED)  ## the browser tests, writing their screenshots into docs/img (shown in the README)
	SCREENSHOTS_DIR=docs/img $(PY) -m pytest tests/browser

lint: $(INSTALLED)  ## ruff, no six lines repeated (pylint duplicate-code), AppSync's ESLint rules on the resolvers
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pylint --recursive=y --disable=all --enable=duplicate-code \
	  --min-similarity-lines=6 --ignore-imports=yes --ignore-docstrings=yes --ignore-comments=yes \
	  --score=no functions components localcloud workflows
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory lint-resolvers; \
	else echo "make lint: skipped AppSync's ESLint rules on appsync/resolvers (no Node.js/npm here)"; fi

RESOLVER_LINT := appsync/node_modules/.installed
$(RESOLVER_LINT): appsync/package-lock.json
	cd appsync && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint-resolvers: $(RESOLVER_LINT)  ## AppSync's ESLint rules on appsync/resolvers (npm ci from the committed lock)
	cd appsync && npx --no-install eslint resolvers

typecheck: $(INSTALLED)  ## mypy --strict over what [tool.mypy] lists (cache in .mypy_cache)
	$(PY) -m mypy

format: $(INSTALLED)  ## ruff fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

generate: $(INSTALLED)  ## re-render schemas/events/*.json and the OpenAPI document
	$(PY) scripts/generate.py

bench: $(INSTALLED)  ## functions, the local cloud and it under load: numbers into docs/benchmarks.md
	$(PY) scripts/bench.py

.PHONY: cost capacity measure
cost: $(INSTALLED)  ## cost of 1M orders per stack (dev, prod): program under mocks + docs/measurements.json + cost/aws.toml
	$(PY) -m cost cost

capacity: $(INSTALLED)  ## what breaks first at 100, 1 000, 10 000 orders/s, per path, per stack (on paper)
	$(PY) -m cost capacity

measure: $(INSTALLED)  ## only the cost section of `make bench`: rewrites docs/measurements.json (starts the local cloud)
	$(PY) scripts/bench.py cost

local: $(INSTALLED)  ## run the whole system on this machine (see README)
	$(PY) -m localcloud $(ARGS)

# The runbooks (docs/runbooks.md). OUTPUTS: the stack's outputs as JSON (`pulumi stack
# output --json > FILE` for a deployed stack); the local cloud's by default.
OUTPUTS ?= .localcloud/outputs.json
OPS = $(PY) -m scripts.ops --outputs $(OUTPUTS)

replay: $(INSTALLED)  ## replay the event archive: FROM=<iso time> TO=<iso time> [CONSUMER=ordering]
	$(OPS) replay --from $(FROM) --to $(TO) $(if $(CONSUMER),--consumer $(CONSUMER))

redrive: $(INSTALLED)  ## a work queue's DLQ back to its queue: QUEUE=ordering|basketEvents|stock
	$(OPS) redrive $(QUEUE)

reput: $(INSTALLED)  ## a target DLQ's events back onto the bus: DLQ=orderingTargetDlqUrl|...
	$(OPS) reput $(DLQ)

story: $(INSTALLED)  ## an order's events and workflow executions: ORDER=<orderId>
	$(OPS) story $(ORDER)

clean:  ## remove the virtualenv and build output
	rm -rf $(VENV) .build .localcloud .pytest_cache .ruff_cache .mypy_cache appsync/node_modules
