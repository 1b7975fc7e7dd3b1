# On a fresh machine `make demo` and `make test` are the whole set-up: both create .venv and install into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/install.stamp

.PHONY: demo test test-fast lint golden bench
.DEFAULT_GOAL := test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes (the package itself is editable: source edits need no reinstall).
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $@

## demo: one run of the default market into outputs/demo/
demo: $(INSTALLED)
	$(BIN)/churnsim hydra.run.dir=outputs/demo
	@echo "summary: outputs/demo/summary.json (tables: outputs/demo/*.parquet, provenance: outputs/demo/run.json)"

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

## bench: account-months per second of the engine and of the reference path
bench: $(INSTALLED)
	$(BIN)/python benchmarks/engine.py
