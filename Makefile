# On a fresh machine `make demo` and `make test` are the whole set-up: both create .venv and install into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/install.stamp
# Optional extras installed with the package: explore brings EMA Workbench (churnsim-explore's PRIM and CART, whose
# tests must not skip); app brings the workbench (churnsim-app: Solara, Mesa's SolaraViz, playwright for its browser
# tests); `make test EXTRAS=dev,slurm,explore,app,ray` adds Ray (~400 MB), as CI does.
EXTRAS ?= dev,slurm,explore,app

.PHONY: demo app test test-fast lint golden bench bench-sweep bench-memory experiments
.DEFAULT_GOAL := test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes (the package itself is editable: source edits need no reinstall).
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[$(EXTRAS)]'
	touch $@

## demo: a small strategy comparison on the built-in defaults (every shipped strategy × 5 replicates), then its report
demo: $(INSTALLED)
	rm -rf outputs/demo
	$(BIN)/churnsim -m +experiment=strategy_comparison n_accounts=5000 hydra.sweep.dir=outputs/demo
	$(BIN)/churnsim-report outputs/demo

## app: the workbench in the browser, http://127.0.0.1:8765/ (HOST=0.0.0.0 PORT=9000 make app to change; Ctrl-C stops)
HOST ?= 127.0.0.1
PORT ?= 8765
app: $(INSTALLED)
	$(BIN)/churnsim-app --host $(HOST) --port $(PORT)

## test: every test tier, slow calibration tests included (what CI runs)
test: $(INSTALLED)
	$(BIN)/python -m pytest

## test-fast: skip the tests marked slow
test-fast: $(INSTALLED)
	$(BIN)/python -m pytest -m "not slow"

## lint: ruff, including the ban on global random-number calls (TID251)
lint: $(INSTALLED)
	$(BIN)/ruff check .

## golden: refresh the golden summary the regression test compares against
golden: $(INSTALLED)
	$(BIN)/python -m churnsim.golden

## bench: account-months per second of the engine, against a bare decision loop, on every core, and against the reference path
bench: $(INSTALLED)
	$(BIN)/python benchmarks/engine.py

## bench-sweep: wall time of the strategy comparison (every strategy × 20 replicates × 10,000 accounts) and its report
bench-sweep: $(INSTALLED)
	$(BIN)/python benchmarks/sweep.py

## bench-memory: peak memory of runs with all outputs, by accounts and by months (each case in a fresh process)
bench-memory: $(INSTALLED)
	$(BIN)/python benchmarks/memory.py

## experiments: regenerate the published studies' committed results (experiments/*/results, several minutes)
experiments: $(INSTALLED)
	$(BIN)/python experiments/studies.py
	$(BIN)/python experiments/studies.py --small salesforce_exodus
