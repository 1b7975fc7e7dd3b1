"""Writing a run: atomic files, summary last, provenance from the package's own checkout."""

from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from churnsim import app
from churnsim.core.config import RunConfig
from churnsim.core.schemas import SCHEMAS, SchemaError
from churnsim.outputs import OUTPUT_FILES, provenance, write_run


def empty_tables():
    return {name: pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in cols}) for name, cols in SCHEMAS.items()}


def fake_result(**summary):
    return SimpleNamespace(tables=empty_tables(), summary=summary, run_seed=7, draws={}, accounts_file={})


def test_write_run_writes_selected_tables_then_provenance_and_summary(tmp_path):
    cfg = RunConfig()
    cfg.output.tables = ["events"]
    write_run(tmp_path / "run", fake_result(n=np.int64(3)), cfg, {"k": 1})
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["events.parquet", "run.json", "summary.json"]
    assert json.loads((tmp_path / "run" / "summary.json").read_text()) == {"n": 3}
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert (run["run_seed"], run["config"], run["tables"]) == (7, {"k": 1}, ["events"])


def test_a_table_off_its_schema_leaves_nothing_that_looks_complete(tmp_path):
    result = fake_result()
    result.tables["accounts"] = result.tables["accounts"].drop(columns="tenure_months")
    with pytest.raises(SchemaError):
        write_run(tmp_path, result, RunConfig(), {})
    assert not {"summary.json", "run.json"} & {p.name for p in tmp_path.iterdir()}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left behind


def test_a_failing_simulation_removes_the_previous_runs_summary(tmp_path, monkeypatch):
    for name in OUTPUT_FILES:
        (tmp_path / name).write_text("from an earlier run")

    def broken(cfg, **kwargs):
        raise RuntimeError("simulation failed")

    monkeypatch.setattr(app, "simulate", broken)
    with pytest.raises(RuntimeError):
        app.run(OmegaConf.structured(RunConfig(n_accounts=300, months=6)), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_git_commit_is_the_packages_checkout_not_the_working_directorys(tmp_path, monkeypatch):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "other repository"], check=True)
    other = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    monkeypatch.chdir(tmp_path)
    record = provenance(fake_result(), RunConfig(), {})
    assert record["git_commit"] != other
    assert record["git_commit"] is None or len(record["git_commit"]) == 40
