# PineOpt: two commands for a newcomer.
#   make demo   set up .venv, then run the main job and a small campaign on bundled data and say
#               where their reports are
#   make test   set up .venv, then run the whole test suite (and execute every notebook)
#   make lab    JupyterLab on notebooks/quickstart.ipynb (make lab LAB_FLAGS=--no-browser)
#   make dashboard  the Strategy explorer in Voila, offline (see DEVELOPERS.md)
#   make panel      the same app under panel serve
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2
# every notebook is executed by `make test` (nbval, outputs not compared)
NOTEBOOKS := $(wildcard notebooks/*.ipynb dashboards/*.ipynb)
LAB_FLAGS ?=
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: demo test lab dashboard panel lint format install clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# the files of pyproject.toml's [tool.setuptools.data-files]: Jupyter's configuration and data
DATA_FILES := $(wildcard jupyter-config/*.json jupyter-config/*/* dashboards/jupyter/voila/templates/pineopt/* \
	extensions/jupyterlab-pineopt/install.json extensions/jupyterlab-pineopt/labextension/* \
	extensions/jupyterlab-pineopt/labextension/static/*)

$(STAMP): $(BIN)/python pyproject.toml $(DATA_FILES)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python tools/install_data_files.py >/dev/null  # an editable install leaves them out
	$(BIN)/python -m pineopt.ui.assets install >/dev/null  # Panel's files for the Voila template
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m pineopt.demo

test: $(STAMP)
	$(BIN)/ruff check pineopt tests benchmarks tools
	$(BIN)/ruff format --check pineopt tests benchmarks tools
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q
ifneq ($(strip $(NOTEBOOKS)),)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope -q -p no:cacheprovider --nbval-lax $(NOTEBOOKS)
endif

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/quickstart.ipynb $(ROOT_FLAG) $(LAB_FLAGS)

dashboard: $(STAMP)
	$(BIN)/voila dashboards/strategy_explorer.ipynb --no-browser --port 8866 --Voila.ip=127.0.0.1

panel: $(STAMP)
	$(BIN)/panel serve pineopt/ui/explorer.py --address 127.0.0.1 --port 5006

lint: $(STAMP)
	$(BIN)/ruff check pineopt tests benchmarks tools

format: $(STAMP)
	$(BIN)/ruff format pineopt tests benchmarks tools
	$(BIN)/ruff check --fix pineopt tests benchmarks tools

clean-venv:
	rm -rf $(VENV)
