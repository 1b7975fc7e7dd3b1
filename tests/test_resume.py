"""Sweeps run again into the same directory resume them; stopped sweeps leave nothing that looks complete.

Every sweep runs with the ``churnsim`` console script in a fresh process, at tiny size, from a temporary directory.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from churnsim.core.config import OutputConfig
from churnsim.outputs import finished_run
from churnsim.report.load import load_sweep

CHURNSIM = str(Path(sys.executable).with_name("churnsim"))
TINY = ["n_accounts=300", "months=6", "burn_in_months=2"]
SWEEP = ["strategy=baseline,contracts", "replicate=0,1", *TINY, "hydra.sweep.dir=sweep"]
BASIC = "hydra/launcher=basic"  # jobs one after another, in order

DEFAULT_TABLES = OutputConfig().tables  # what a run writes unless output.tables says otherwise


def churnsim(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHURNSIM, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def _files(job: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of a job directory but Hydra's own (``.hydra/``), with its mtime and bytes."""
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in job.iterdir() if p.is_file()}


def _assert_same_runs(job: Path, other: Path) -> None:
    assert json.loads((job / "summary.json").read_text()) == json.loads((other / "summary.json").read_text())
    config = (json.loads((d / "run.json").read_text())["config"] for d in (job, other))
    assert next(config) == next(config)
    for table in DEFAULT_TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(job / f"{table}.parquet"),
                                      pd.read_parquet(other / f"{table}.parquet"), check_exact=True)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """The 4-job sweep, run once without interruption."""
    root = tmp_path_factory.mktemp("fresh")
    done = churnsim(root, "-m", *SWEEP, BASIC)
    assert done.returncode == 0, done.stderr
    return root / "sweep"


def test_resume_runs_only_missing_incomplete_and_failed_jobs_and_leaves_the_others_untouched(tmp_path, fresh):
    assert churnsim(tmp_path, "-m", *SWEEP, BASIC).returncode == 0
    sweep = tmp_path / "sweep"
    (sweep / "1" / "summary.json").unlink()  # stopped before its marker
    (sweep / "2" / "summary.json").unlink()  # failed
    (sweep / "2" / "error.txt").write_text("RuntimeError: boom\n")
    kept = {job: _files(sweep / job) for job in ("0", "3")}
    hydra_files = {p: p.read_bytes() for p in sweep.glob("*/.hydra/*.yaml")}
    multirun_yaml = (sweep / "multirun.yaml").read_bytes()

    done = churnsim(tmp_path, "-m", *SWEEP, BASIC)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert [line.split(" done in ")[0] for line in lines] == [
        "[1/4] strategy=baseline replicate=0 already done", "[2/4] strategy=baseline replicate=1",
        "[3/4] strategy=contracts replicate=0", "[4/4] strategy=contracts replicate=1 already done"]
    for job, files in kept.items():
        assert _files(sweep / job) == files  # same mtimes, same bytes
    # Hydra writes .hydra/*.yaml and multirun.yaml again for every job it launches: with the same content.
    assert {p: p.read_bytes() for p in sweep.glob("*/.hydra/*.yaml")} == hydra_files
    assert (sweep / "multirun.yaml").read_bytes() == multirun_yaml
    assert not (sweep / "2" / "error.txt").exists()
    for job in ("0", "1", "2", "3"):
        _assert_same_runs(sweep / job, fresh / job)
    assert (load_sweep(sweep).jobs["status"] == "complete").all()


def test_a_complete_job_of_another_config_is_not_overwritten(tmp_path):
    assert churnsim(tmp_path, "-m", *SWEEP, BASIC).returncode == 0
    sweep = tmp_path / "sweep"
    before = {job.name: _files(job) for job in sweep.iterdir() if job.is_dir()}
    done = churnsim(tmp_path, "-m", *SWEEP, "months=7", BASIC)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert re.search(r"sweep/0 holds a complete run with months=6, this job has months=7: not overwritten", lines[0])
    assert {job.name: _files(job) for job in sweep.iterdir() if job.is_dir()} == before


def _stop(process: subprocess.Popen) -> None:
    """Ctrl-C the sweep's process group; kill it if it has not stopped within 10 s."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_an_interrupted_sweep_leaves_only_complete_or_visibly_incomplete_jobs_and_resumes(tmp_path):
    grid = ["-m", "strategy=baseline,contracts", "replicate=range(0,8)", "n_accounts=3000", "months=12",
            "burn_in_months=2"]
    sweep_args = [*grid, "hydra.sweep.dir=sweep", "hydra.launcher.n_jobs=2"]
    sweep = tmp_path / "sweep"
    process = subprocess.Popen([CHURNSIM, *sweep_args], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(sweep.glob("*/summary.json"))) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        _stop(process)
    jobs = [job for job in sweep.iterdir() if job.is_dir()]
    complete = [job for job in jobs if (job / "summary.json").exists()]
    assert 2 <= len(complete) < 16, "the sweep should have been stopped part way"
    for job in complete:  # the marker means every file is there and reads
        assert finished_run(job) is not None
        for table in DEFAULT_TABLES:
            pd.read_parquet(job / f"{table}.parquet")
    for job in set(jobs) - set(complete):
        assert not any((job / f"{table}.parquet").exists() for table in DEFAULT_TABLES)  # only hidden temporary names

    done = churnsim(tmp_path, *sweep_args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("already done") >= len(complete)
    fresh = tmp_path / "fresh"
    assert churnsim(tmp_path, *grid, "hydra.sweep.dir=fresh", BASIC).returncode == 0
    assert len(list(sweep.glob("*/summary.json"))) == 16
    for job in fresh.iterdir():
        if job.is_dir():
            _assert_same_runs(sweep / job.name, job)
            assert not list((sweep / job.name).glob(".*.tmp"))


def test_two_sweeps_started_together_never_share_a_directory(tmp_path):
    args = [CHURNSIM, "-m", "replicate=0", *TINY, "output.tables=[]", BASIC]
    processes = [subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL) for _ in range(2)]
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    assert len(list((tmp_path / "multirun").glob("*/*/0/summary.json"))) == 2


def _cannot_write(tmp_path: Path) -> list[tuple[Path, str]]:
    """Output directories that cannot be created, and the path the error line names."""
    (tmp_path / "a_file").write_text("")
    cases = [(tmp_path / "a_file" / "run", "a_file/run")]
    if os.geteuid() != 0:  # root writes into read-only directories
        (tmp_path / "read_only").mkdir(mode=0o555)
        cases.append((tmp_path / "read_only" / "run", "read_only/run"))
    return cases


@pytest.mark.parametrize("multirun", [False, True])
def test_an_unwritable_output_directory_exits_2_with_one_line_and_writes_nothing(tmp_path, multirun):
    for target, shown in _cannot_write(tmp_path):
        args = ["-m", *TINY, f"hydra.sweep.dir={target}"] if multirun else [*TINY, f"hydra.run.dir={target}"]
        before = sorted(tmp_path.rglob("*"))
        done = churnsim(tmp_path, *args)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and shown in lines[0] and "not writable" in lines[0], done.stderr
        assert sorted(tmp_path.rglob("*")) == before
