# Every target builds .venv from nothing when it is missing, so a fresh machine needs only python3.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP     := $(VENV)/.dev-installed

.PHONY: demo test lint typecheck pytest bench diagrams mutation clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(RUNTIME_STAMP) $@

demo: $(RUNTIME_STAMP)
	$(PY) -m registration_fsm demo

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(DEV_STAMP)
	$(PY) -m mypy

pytest: $(DEV_STAMP)
	$(PY) -m pytest

test: lint typecheck pytest

# BENCH_ARGS=--strict exits 1 when a target fails; --quick only checks that every figure runs.
bench: $(DEV_STAMP)
	$(PY) -m benchmarks $(BENCH_ARGS)

# Long (tens of minutes), so not part of `make test` or CI. MUTATION_ARGS="--strict" exits 1
# under 95%; "--module history --all" runs every mutant of one module. See tools/mutation.py.
mutation: $(DEV_STAMP)
	$(PY) tools/mutation.py $(MUTATION_ARGS)

diagrams: $(RUNTIME_STAMP)
	$(PY) tools/diagrams.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis mutants
