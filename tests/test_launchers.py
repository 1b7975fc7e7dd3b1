"""Sweeps under Hydra's joblib launcher (the default) write exactly what the basic launcher writes, job for job.

Both sweeps run with the ``churnsim`` console script in fresh processes, at tiny size; jobs are matched by their
overrides (``.hydra/overrides.yaml``), not by job number.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from churnsim.hydra_schemas import CONF_DIR, register_schemas
from churnsim.schemas import SCHEMAS
from churnsim.workers import THREAD_VARIABLES, SingleThreadedWorkers

CHURNSIM = str(Path(sys.executable).with_name("churnsim"))
SWEEP = ["strategy=baseline,contracts", "replicate=0,1", "n_accounts=300", "months=6", "burn_in_months=2"]
LAUNCHERS = {"basic": ["hydra/launcher=basic"], "joblib": ["hydra.launcher.n_jobs=2"]}


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """The same 4-job sweep run with each launcher, into its own sweep directory."""
    root = tmp_path_factory.mktemp("launchers")
    runs = {}
    for name, launcher in LAUNCHERS.items():
        done = subprocess.run([CHURNSIM, "-m", *SWEEP, *launcher, f"hydra.sweep.dir={name}"], cwd=root,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        runs[name] = root / name, done
    return runs


def _jobs(sweep_dir: Path) -> dict[tuple[str, ...], Path]:
    """Job directories of a sweep by their sorted overrides."""
    return {tuple(sorted(yaml.safe_load((d / ".hydra" / "overrides.yaml").read_text()))): d
            for d in sweep_dir.iterdir() if (d / ".hydra").is_dir()}


def test_joblib_and_basic_launchers_write_identical_runs(sweeps):
    basic, joblib = _jobs(sweeps["basic"][0]), _jobs(sweeps["joblib"][0])
    assert len(basic) == 4 and basic.keys() == joblib.keys()
    for overrides, job in basic.items():
        other = joblib[overrides]
        assert json.loads((job / "summary.json").read_text()) == json.loads((other / "summary.json").read_text())
        for table in SCHEMAS:
            pd.testing.assert_frame_equal(pd.read_parquet(job / f"{table}.parquet"),
                                          pd.read_parquet(other / f"{table}.parquet"), check_exact=True)


def test_parallel_jobs_print_one_line_each_numbered_in_order(sweeps):
    sweep_dir, done = sweeps["joblib"]
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in lines] == [f"[{k}/4" for k in range(1, 5)]
    labels = sorted(line.split("] ")[1].split(" done in ")[0] for line in lines)
    assert labels == [f"strategy={s} replicate={r}" for s in ("baseline", "contracts") for r in (0, 1)]
    assert not (sweep_dir / ".progress").exists()  # the counter of finished jobs is removed at the end


def _launcher(*overrides: str) -> DictConfig:
    register_schemas()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
        return compose(config_name="config", overrides=list(overrides), return_hydra_config=True).hydra.launcher


def test_sweeps_default_to_the_joblib_launcher_on_every_core_and_the_basic_one_still_composes():
    launcher = _launcher()
    assert launcher._target_.endswith(".JoblibLauncher") and launcher.n_jobs == -1
    assert _launcher("hydra/launcher=basic")._target_.endswith(".BasicLauncher")


def test_workers_default_to_one_thread_but_keep_what_the_user_set(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    SingleThreadedWorkers().on_multirun_start(config=None)
    assert {name: os.environ[name] for name in THREAD_VARIABLES} == {
        name: "3" if name == "OMP_NUM_THREADS" else "1" for name in THREAD_VARIABLES}
