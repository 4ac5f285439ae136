# PineOpt: two commands for a newcomer.
#   make demo   set up .venv, then run the main job on bundled data and say where the output is
#   make test   set up .venv, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test lint format install clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m pineopt.demo

test: $(STAMP)
	$(BIN)/ruff check pineopt tests benchmarks tools
	$(BIN)/ruff format --check pineopt tests benchmarks tools
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

lint: $(STAMP)
	$(BIN)/ruff check pineopt tests benchmarks tools

format: $(STAMP)
	$(BIN)/ruff format pineopt tests benchmarks tools
	$(BIN)/ruff check --fix pineopt tests benchmarks tools

clean-venv:
	rm -rf $(VENV)
