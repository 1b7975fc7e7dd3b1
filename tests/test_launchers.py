"""Sweeps under every shipped launcher write exactly what the basic launcher writes, job for job.

Each sweep runs with the ``churnsim`` console script in a fresh process, at tiny size; jobs are matched by their
overrides (``.hydra/overrides.yaml``), not by job number. The joblib launcher is the default; submitit's and Ray's
come with the optional extras ``.[slurm]`` and ``.[ray]``, and their tests are skipped where those are not installed.
The Ray sweep starts a local Ray cluster (on a loopback address) and is in the slow tier.
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
from omegaconf import DictConfig, OmegaConf

from churnsim.core.config import OutputConfig
from churnsim.core.hydra_schemas import CONF_DIR, register_schemas
from churnsim.workers import THREAD_VARIABLES, SingleThreadedWorkers

CHURNSIM = str(Path(sys.executable).with_name("churnsim"))
SWEEP = ["strategy=baseline,contracts", "replicate=0,1", "n_accounts=300", "months=6", "burn_in_months=2"]
LAUNCHERS = {
    "basic": ["hydra/launcher=basic"],
    "joblib": ["hydra.launcher.n_jobs=2"],
    "submitit_local": ["hydra/launcher=submitit_local"],
    "ray_local": ["hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2"],
}
EXTRAS = {  # the modules a launcher needs beyond `.[dev]`, from the extras `.[slurm]` and `.[ray]`
    "submitit_local": ["submitit", "hydra_plugins.hydra_submitit_launcher"],
    "slurm": ["submitit", "hydra_plugins.hydra_submitit_launcher"],
    "ray_local": ["ray", "hydra_plugins.hydra_ray_launcher"],
}

DEFAULT_TABLES = OutputConfig().tables  # what a run writes unless output.tables says otherwise


def _needs(launcher: str) -> None:
    """Skip the calling test unless the optional extra of ``launcher`` is installed."""
    for module in EXTRAS.get(launcher, []):
        pytest.importorskip(module, reason=f"hydra/launcher={launcher} needs its optional extra")


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """``sweeps(name)``: the same 4-job sweep run with launcher ``name`` into its own sweep directory, run once."""
    root = tmp_path_factory.mktemp("launchers")
    runs: dict[str, tuple[Path, subprocess.CompletedProcess]] = {}

    def sweep(name: str) -> tuple[Path, subprocess.CompletedProcess]:
        if name not in runs:
            _needs(name)
            done = subprocess.run([CHURNSIM, "-m", *SWEEP, *LAUNCHERS[name], f"hydra.sweep.dir={name}"], cwd=root,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            runs[name] = root / name, done
        return runs[name]

    return sweep


def _jobs(sweep_dir: Path) -> dict[tuple[str, ...], Path]:
    """Job directories of a sweep by their sorted overrides."""
    return {tuple(sorted(yaml.safe_load((d / ".hydra" / "overrides.yaml").read_text()))): d
            for d in sweep_dir.iterdir() if (d / ".hydra").is_dir()}


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local", pytest.param("ray_local", marks=pytest.mark.slow)])
def test_every_launcher_writes_what_the_basic_launcher_writes(sweeps, launcher):
    basic, others = _jobs(sweeps("basic")[0]), _jobs(sweeps(launcher)[0])
    assert len(basic) == 4 and basic.keys() == others.keys()
    for overrides, job in basic.items():
        other = others[overrides]
        assert json.loads((job / "summary.json").read_text()) == json.loads((other / "summary.json").read_text())
        for table in DEFAULT_TABLES:
            pd.testing.assert_frame_equal(pd.read_parquet(job / f"{table}.parquet"),
                                          pd.read_parquet(other / f"{table}.parquet"), check_exact=True)


def test_parallel_jobs_print_one_line_each_numbered_in_order(sweeps):
    sweep_dir, done = sweeps("joblib")
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


def _sweep_config(*overrides: str) -> DictConfig:
    return OmegaConf.create({"hydra": {"launcher": OmegaConf.to_container(_launcher(*overrides))}})


def test_workers_default_to_one_thread_but_keep_what_the_user_set_and_get_the_rest_back(monkeypatch):
    for name in THREAD_VARIABLES:  # setenv first, so that monkeypatch restores even a variable that was unset:
        monkeypatch.setenv(name, "")  # left at 1 in this process, NUMBA_NUM_THREADS makes numba refuse to compile
        monkeypatch.delenv(name)      # later once its threads run
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    workers, config = SingleThreadedWorkers(), _sweep_config("hydra.launcher.n_jobs=2")
    workers.on_multirun_start(config=config)
    assert {name: os.environ.get(name) for name in THREAD_VARIABLES} == {
        name: "3" if name == "OMP_NUM_THREADS" else "1" for name in THREAD_VARIABLES}
    workers.on_multirun_end(config=config)
    assert {name: os.environ.get(name) for name in THREAD_VARIABLES} == {
        name: "3" if name == "OMP_NUM_THREADS" else None for name in THREAD_VARIABLES}


@pytest.mark.parametrize("overrides", [("hydra/launcher=basic",), ("hydra.launcher.n_jobs=1",)])
def test_a_sweep_whose_jobs_run_in_this_process_leaves_the_thread_variables_alone(monkeypatch, overrides):
    """Its jobs run beside this process's numba, which cannot change its pool's size once started."""
    for name in THREAD_VARIABLES:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    SingleThreadedWorkers().on_multirun_start(config=_sweep_config(*overrides))
    assert not any(name in os.environ for name in THREAD_VARIABLES)


def test_numba_still_compiles_after_a_sweep_ran_beside_its_started_threads():
    """In one process: numba's threads start (a parallel loop runs), a sweep runs its jobs here (basic launcher)
    and then one runs them in workers; each time numba compiles afterwards. With NUMBA_NUM_THREADS changed under a
    started pool, numba raises at its next compile (seen on a clean checkout, with no kernel cached yet)."""
    script = """
import numpy as np
from numba import njit, prange
from omegaconf import OmegaConf
from churnsim.workers import SingleThreadedWorkers

@njit(parallel=True)
def start(x):
    for i in prange(len(x)):
        x[i] += 1

start(np.zeros(8))
for target, n_jobs in (("hydra._internal.core_plugins.basic_launcher.BasicLauncher", None),
                       ("hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher", 2)):
    config = OmegaConf.create({"hydra": {"launcher": {"_target_": target, "n_jobs": n_jobs}}})
    workers = SingleThreadedWorkers()
    workers.on_multirun_start(config=config)
    if n_jobs is None:
        print(njit(lambda x: x + 1)(1))  # a job of the sweep compiling a kernel
    workers.on_multirun_end(config=config)
    print(njit(lambda x: x + 2)(1))  # the process going on
"""
    env = {name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "3", "3"]


def test_ray_local_starts_a_cluster_on_loopback_with_one_thread_per_job():
    _needs("ray_local")
    launcher = _launcher("hydra/launcher=ray_local")
    assert launcher._target_.endswith(".RayLauncher") and launcher.ray.init.address is None
    assert launcher.ray.init._node_ip_address.startswith("127.") and launcher.ray.remote.num_cpus == 1
    assert set(launcher.ray.init.runtime_env.env_vars) == set(THREAD_VARIABLES)


def test_slurm_launcher_submits_one_array_with_the_partition_time_and_parallelism_given(tmp_path):
    """A stand-in ``sbatch`` keeps the script submitit submits, and the environment the array's tasks inherit.

    No cluster: the stand-in refuses the job after keeping them, so the sweep fails; submitit only checks that
    ``srun`` exists.
    """
    _needs("slurm")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for command, script in {"sbatch": 'cp "$1" submitted.sh\nenv > submitted.env\nexit 1', "srun": "exit 1"}.items():
        (bin_dir / command).write_text(f"#!/bin/sh\n{script}\n")
        (bin_dir / command).chmod(0o755)
    env = {name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    subprocess.run([CHURNSIM, "-m", *SWEEP, "hydra/launcher=slurm", "hydra.launcher.partition=cpu",
                    "hydra.launcher.timeout_min=30", "hydra.launcher.array_parallelism=3", "hydra.sweep.dir=slurm"],
                   cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    script = (tmp_path / "submitted.sh").read_text().splitlines()
    for line in ("--partition=cpu", "--time=30", "--array=0-3%3", "--cpus-per-task=1", "--job-name=churnsim"):
        assert f"#SBATCH {line}" in script
    submitted_env = dict(line.split("=", 1) for line in (tmp_path / "submitted.env").read_text().splitlines()
                         if "=" in line)
    assert {name: submitted_env.get(name) for name in THREAD_VARIABLES} == dict.fromkeys(THREAD_VARIABLES, "1")
