# Two commands: `make run` (set up .venv, then chat in the terminal or serve Slack when tokens are set)
# and `make test` (set up .venv, then lint, type-check and run the whole suite with coverage).
# While working: `make test-fast` (the domain and in-process tests, no processes spawned) and `make lint`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ai-advisor run

lint: $(STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy

# The tests keep compiled modules and pytest's rewritten test modules in __pycache__ (git-ignored) even where the
# shell sets PYTHONDONTWRITEBYTECODE: without them every worker recompiles about 350 modules on every run.
test: export PYTHONDONTWRITEBYTECODE :=
test-fast: export PYTHONDONTWRITEBYTECODE :=

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 -q --cov --cov-report=term

# Tests marked `slow` (a process spawned, a property sweep, a whole conversation) and the e2e ones are left out;
# a module marked slow as a whole is not even imported (tests/conftest.py: pytest_ignore_collect).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not e2e" --ignore=tests/e2e

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .advisor .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov
