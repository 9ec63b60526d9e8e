.DEFAULT_GOAL := help
PY := .venv/bin/python

.PHONY: help setup run test lint fmt worker migrate seed schema bench

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Create .venv and install the pinned requirements
	@scripts/bootstrap.sh

run: ## Set up and start PayGate on SQLite with a worker and demo data
	@scripts/run.sh

# pytest-xdist: one test process per core (PYTEST_WORKERS=0 runs them in this process). Each
# process gets its own test database; live servers and receivers take free ports.
PYTEST_WORKERS ?= auto

test: setup ## Run the test suite (migration check + pytest, in parallel)
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: setup ## Ruff lint and format check, the layers contract (import-linter), mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	.venv/bin/mypy

fmt: setup ## Format and fix with ruff
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

worker: setup ## Run a task worker (woken as soon as a task is queued)
	DEBUG=$${DEBUG:-true} $(PY) manage.py worker

migrate: setup ## Apply migrations
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate

seed: setup ## Seed demo data
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

schema: setup ## Validate the OpenAPI schema
	DEBUG=true $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

bench: setup ## Run the benchmarks (see bench/README.md)
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/*.py; do $(PY) $$b; done || echo "no benchmarks yet"
