"""churnsim's sweeper (``hydra/sweeper=churnsim``, the default) runs the jobs Hydra's basic sweeper runs, and stops a
bad sweep before any job runs with the basic sweeper's error, while composing only a covering set of jobs first.

Sweeps run with the ``churnsim`` console script in fresh processes, at tiny size.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from omegaconf import OmegaConf

from churnsim.core.hydra_schemas import CONF_DIR, register_schemas
from churnsim.progress import count_jobs

# Hydra's plugin scan re-executes every plugin module, even one already imported, which redefines its classes: scan
# first (once per process), so the classes imported below are the ones Hydra will use.
Plugins.instance()
from hydra_plugins.churnsim_sweeper.covering_sweeper import CoveringSweeper, covering_jobs  # noqa: E402

CHURNSIM = str(Path(sys.executable).with_name("churnsim"))
TINY = ["n_accounts=200", "months=2", "burn_in_months=0"]
SWEEP = ["strategy=baseline,contracts,bundling", "replicate=0,1", "competitors=passive,price_war", *TINY]
SWEEPERS = ("basic", "churnsim")


def _batches(*arguments: str, max_batch_size: int | None = None) -> list[list[list[str]]]:
    """The jobs Hydra's basic sweeper makes of ``arguments``, in its batches."""
    return BasicSweeper.split_arguments(OverridesParser.create().parse_overrides(list(arguments)), max_batch_size)


def _covered(batch: list[list[str]], positions: list[int]) -> bool:
    return {o for job in batch for o in job} == {o for p in positions for o in batch[p]}


@pytest.mark.parametrize(("arguments", "n_covering"), [
    (["strategy=" + ",".join(f"s{i}" for i in range(21)), "replicate=range(0,20)", "n_accounts=100"], 1 + 20 + 19),
    (["a=1,2,3,4", "b=x,y,z", "c=true,false"], 1 + 3 + 2 + 1),
    (["a=1,2,3"], 3),
    (["n_accounts=100"], 1),
])
def test_covering_jobs_are_the_first_job_showing_each_value(arguments, n_covering):
    (batch,) = _batches(*arguments)
    positions = covering_jobs(batch)
    assert len(positions) == n_covering and positions == sorted(positions) and positions[0] == 0
    assert _covered(batch, positions)
    firsts = {o: next(p for p, job in enumerate(batch) if o in job) for job in batch for o in job}
    assert positions == sorted(set(firsts.values()))


def test_each_batch_of_a_limited_size_is_covered_on_its_own():
    batches = _batches("a=1,2,3,4,5", "b=x,y,z", max_batch_size=4)
    assert [len(b) for b in batches] == [4, 4, 4, 3]
    for batch in batches:
        assert _covered(batch, covering_jobs(batch))


def test_validation_composes_only_the_covering_jobs_in_order():
    (batch,) = _batches("strategy=a,b,c", "replicate=range(0,4)", "seed=7")
    composed = []
    loader = SimpleNamespace(load_sweep_config=lambda master_config, sweep_overrides: composed.append(sweep_overrides))
    sweeper = CoveringSweeper(max_batch_size=None)
    sweeper.hydra_context, sweeper.config = SimpleNamespace(config_loader=loader), OmegaConf.create()
    sweeper.validate_batch_is_legal(batch)
    assert len(batch) == 12 and composed == [batch[p] for p in covering_jobs(batch)] and len(composed) == 1 + 2 + 3


def _hydra(*overrides: str):
    register_schemas()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
        cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
        return cfg, count_jobs(cfg)


def test_default_sweeper_keeps_an_experiments_params_and_counts_its_jobs():
    cfg, n_jobs = _hydra("+experiment=strategy_comparison")
    assert cfg.hydra.sweeper._target_ == f"{CoveringSweeper.__module__}.{CoveringSweeper.__qualname__}"
    assert cfg.hydra.sweeper.params == {"strategy": "glob(*)", "replicate": "range(0,5)"}
    assert n_jobs == len(list((CONF_DIR / "strategy").glob("*.yaml"))) * 5
    assert _hydra("+experiment=strategy_comparison", "hydra/sweeper=basic")[1] == n_jobs


def _sweep(cwd: Path, sweeper: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHURNSIM, "-m", *arguments, f"hydra/sweeper={sweeper}", f"hydra.sweep.dir={sweeper}"],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    """The same 12-job sweep over three keys, run with each sweeper into its own sweep directory."""
    root = tmp_path_factory.mktemp("sweepers")
    for sweeper in SWEEPERS:
        done = _sweep(root, sweeper, *SWEEP)
        assert done.returncode == 0, done.stderr
        assert "[12/12] " in done.stdout  # progress counts the jobs under either sweeper
    return {sweeper: root / sweeper for sweeper in SWEEPERS}


def _jobs(sweep_dir: Path) -> dict[str, tuple[list[str], dict]]:
    """Each job directory's overrides and summary, by job directory name (the job number)."""
    return {d.name: (yaml.safe_load((d / ".hydra" / "overrides.yaml").read_text()),
                     json.loads((d / "summary.json").read_text()))
            for d in sweep_dir.iterdir() if d.is_dir()}


def test_same_jobs_numbered_alike_with_the_same_results_as_the_basic_sweeper(sweeps):
    basic, covering = _jobs(sweeps["basic"]), _jobs(sweeps["churnsim"])
    assert sorted(basic, key=int) == [str(n) for n in range(12)]
    assert covering == basic
    assert basic["0"][0][:3] == ["strategy=baseline", "replicate=0", "competitors=passive"]  # Hydra's order


def test_same_multirun_yaml_but_for_the_sweeper_chosen(sweeps):
    basic, covering = (OmegaConf.load(sweeps[s] / "multirun.yaml") for s in SWEEPERS)
    for cfg in (basic, covering):
        cfg.hydra.sweeper._target_ = cfg.hydra.sweep.dir = cfg.hydra.runtime.choices["hydra/sweeper"] = None
        cfg.hydra.sweeper.params = cfg.hydra.sweeper.params or None  # ours defaults to {}, the basic sweeper's to null
        cfg.hydra.overrides.hydra = [o for o in cfg.hydra.overrides.hydra
                                     if not o.startswith(("hydra/sweeper=", "hydra.sweep.dir="))]
    assert OmegaConf.to_container(covering) == OmegaConf.to_container(basic)  # interpolations unresolved (${now:})


@pytest.mark.parametrize("bad", [
    ["strategy=baseline,contracts,nonexistent", "replicate=0,1"],  # the bad value's jobs come last
    ["strategy=baseline,contracts", "replicate=0,1", "montsh=2,3"],
])
def test_a_bad_value_stops_the_sweep_before_any_job_with_the_basic_sweepers_error(tmp_path, bad):
    done = {sweeper: _sweep(tmp_path, sweeper, *bad, *TINY) for sweeper in SWEEPERS}
    assert done["churnsim"].returncode == done["basic"].returncode != 0
    assert done["churnsim"].stderr == done["basic"].stderr
    lines = done["churnsim"].stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("churnsim: error: ") and "Traceback" not in lines[0]
    assert not list((tmp_path / "churnsim").glob("**/summary.json"))
    assert not list((tmp_path / "churnsim").glob("*/.hydra"))
