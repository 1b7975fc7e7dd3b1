"""``churnsim-sensitivity``: spec checks, the noise estimates on synthetic data, and tiny real sweeps.

The synthetic tests feed :mod:`churnsim.sensitivity.indices` functions with known indices plus known noise, drawn
from a seeded generator (no simulation). The sweeps run the real ``churnsim-sensitivity`` command in a fresh
process at tiny size (600 accounts, 12 months), from a temporary directory; they are in the slow tier.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clitools import one_line_error
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from churnsim.sensitivity import main
from churnsim.sensitivity.indices import morris_indices, noise_summary, sobol_indices

SENSITIVITY = str(Path(sys.executable).with_name("churnsim-sensitivity"))
PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3}

# A tiny Morris design: p_closure drives retention (closures remove accounts directly); the discount rate only
# enters the present value of profit, so it cannot move retention nor (undiscounted) net profit at all.
TINY_SPEC = """\
method: {name: morris, trajectories: 3, levels: 4}
parameters:
  market.environment.p_closure: [0.0, 0.02]
  market.discount_rate_per_year: [0.0, 0.3]
  market.behaviour.choice_beta: [3.0, 9.0]
outcomes: [customer_retention_annual, net_profit]
replicates: 2
sample_seed: 3
base: [n_accounts=600, months=12, burn_in_months=3, "output.tables=[]"]
"""
DRIVER, NULL = "market.environment.p_closure", "market.discount_rate_per_year"


def sensitivity(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SENSITIVITY, *args], cwd=cwd, capture_output=True, text=True, timeout=300)



# --- the noise estimates, on functions with known indices and known noise -------------------------------------


def test_morris_noise_floor_separates_real_effects_from_replicate_noise():
    """y_r(x) = 3·x1 + 1·x2 + 0·x3 + u_r + e: every elementary effect of x1 is 3 and of x2 is 1; x3 only noise."""
    rng = np.random.Generator(np.random.PCG64(11))
    x = morris_sample.sample(PROBLEM, N=20, num_levels=4, seed=5)
    replicates, sd = 4, 0.2
    shift = rng.normal(0.0, 5.0, (replicates, 1))  # a world common to every point of a replicate: cancels in EEs
    y = 3 * x[:, 0] + x[:, 1] + shift + rng.normal(0.0, sd, (replicates, len(x)))
    table = morris_indices(PROBLEM, x, y, levels=4, seed=1).set_index(["parameter", "index"])
    # One EE is a difference of two replicate means over the step Δ = 2/3: its noise is sd·√2 / (Δ·√R).
    se_true = sd * math.sqrt(2) / (2 / 3 * math.sqrt(replicates))
    for name in PROBLEM["names"]:
        # pooled over 20 trajectories × 3 degrees of freedom: the estimate's relative sd is ~1/√120 ≈ 9 %
        assert table.loc[(name, "mu_star"), "noise_se"] == pytest.approx(se_true, rel=0.3)
    # mu* of x1 and x2 are their slopes give or take the noise (mean |3 + N(0, se²)| is 3 to within ~0.01)
    assert table.loc[("x1", "mu_star"), "value"] == pytest.approx(3.0, abs=4 * se_true / math.sqrt(20))
    assert table.loc[("x2", "mu_star"), "value"] == pytest.approx(1.0, abs=4 * se_true / math.sqrt(20))
    flags = table.xs("mu_star", level="index")["distinguishable_from_noise"]
    assert flags.to_dict() == {"x1": True, "x2": True, "x3": False}
    x3 = table.loc[("x3", "mu_star")]
    assert 0 < x3["value"] < x3["noise_threshold"]
    assert x3["noise_floor"] == pytest.approx(math.sqrt(2 / math.pi) * se_true, rel=0.3)


def test_sobol_noise_share_and_floor_on_a_linear_function():
    """y = x1 + 0.5·x2 + 0·x3 + e, x uniform on [0, 1]: S1 = 0.8 and 0.2 of the function's variance."""
    rng = np.random.Generator(np.random.PCG64(12))
    x = sobol_sample.sample(PROBLEM, 256, calc_second_order=False, seed=2)
    replicates, sd = 4, 0.1
    y = x[:, 0] + 0.5 * x[:, 1] + rng.normal(0.0, 5.0, (replicates, 1)) + rng.normal(0.0, sd, (replicates, len(x)))
    table = sobol_indices(PROBLEM, y, second_order=False, seed=1).set_index(["parameter", "index"])
    variance_f, noise = 1 / 12 + 0.25 / 12, sd ** 2 / replicates
    share = noise_summary(y)["noise_share"]
    # 1,280 points × 3 residual degrees of freedom: the noise variance is estimated to within a few %
    assert share == pytest.approx(noise / (variance_f + noise), rel=0.25)
    # the indices of the replicate means are those of f diluted by the noise share (2 %); SALib's 95 % interval
    # at N = 256 is about ±0.05, so 0.08 allows for it
    assert table.loc[("x1", "S1"), "value"] == pytest.approx(0.8 * (1 - share), abs=0.08)
    assert table.loc[("x2", "ST"), "value"] == pytest.approx(0.2 * (1 - share), abs=0.08)
    # x3 does nothing: its ST is the noise floor, (σ²·2/R) / 2V, and is not distinguishable from it
    assert table.loc[("x3", "ST"), "noise_floor"] == pytest.approx(noise / (variance_f + noise), rel=0.25)
    flags = table["distinguishable_from_noise"].to_dict()
    assert [flags[(n, i)] for n in ("x1", "x2", "x3") for i in ("S1", "ST")] == [True, True, True, True, False, False]


def test_noise_summary_removes_the_shift_common_to_a_replicate():
    rng = np.random.Generator(np.random.PCG64(13))
    points = np.linspace(0.0, 1.0, 200)
    y = points + rng.normal(0.0, 3.0, (5, 1)) + rng.normal(0.0, 0.05, (5, 200))
    noise = noise_summary(y)
    assert noise["replicate_sd"] > 1.0  # the worlds differ a lot...
    assert noise["noise_sd"] == pytest.approx(0.05, rel=0.1)  # ...but comparisons only see the residual (796 dof)


# --- bad specs: one line, exit status 2, nothing written --------------------------------------------------------

GOOD = {"method": "method: morris", "outcomes": "outcomes: [customer_retention_annual]",
        "parameters": "parameters: {market.environment.p_closure: [0.0, 0.02], market.behaviour.choice_beta: [3, 9]}"}


@pytest.mark.parametrize(("change", "expected"), [
    ({"method": "methd: morris"}, "methd: unknown key; did you mean method?"),
    ({"parameters": "parameters: {market.environment.p_closur: [0, 0.02], market.behaviour.choice_beta: [3, 9]}"},
     "parameters.market.environment.p_closur: unknown key; did you mean p_closure?"),
    ({"parameters": "parameters: {market.environment.p_closure: [0, 2], market.behaviour.choice_beta: [3, 9]}"},
     "parameters.market.environment.p_closure = [0, 2]: outside the field's allowed range; bounds must be ≥ 0.0 "
     "and ≤ 1.0"),
    ({"parameters": "parameters: {n_accounts: [10, 20], market.behaviour.choice_beta: [3, 9]}"},
     "parameters.n_accounts: is of type int"),
    ({"method": "method: {name: sobol, n: 60}"}, "method.n = 60: must be a power of 2"),
    ({"extra": "replicates: 1"}, "replicates = 1: must be an integer ≥ 2"),
    ({"extra": "base: [n_acounts=5]"}, "base: n_acounts = 5: unknown key; did you mean n_accounts?"),
    ({"outcomes": "outcomes: [net_proft]"}, "outcomes: net_proft: not a number in summary.json; did you mean "
                                            "net_profit?"),
])
def test_a_bad_spec_stops_with_one_line_naming_the_field(tmp_path, monkeypatch, capsys, change, expected):
    """In this process (the command's own code path, without starting Python each time)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text("\n".join({**GOOD, **change}.values()) + "\n")
    with pytest.raises(SystemExit) as stop:
        main(["run", "spec.yaml", "hydra.sweep.dir=sweep"])
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("churnsim-sensitivity: error: spec.yaml: ")
    assert expected in lines[0]
    assert not (tmp_path / "sweep").exists()


@pytest.mark.slow
def test_bad_input_on_the_command_line_gives_one_line_exit_2_and_no_traceback(tmp_path):
    (tmp_path / "spec.yaml").write_text("\n".join({**GOOD, "method": "methd: morris"}.values()) + "\n")
    assert "methd: unknown key" in one_line_error(sensitivity(tmp_path, "run", "spec.yaml"))
    assert "no such file" in one_line_error(sensitivity(tmp_path, "run", "missing.yaml"))
    (tmp_path / "spec.yaml").write_text("\n".join(GOOD.values()) + "\n")
    line = one_line_error(sensitivity(tmp_path, "run", "spec.yaml", "n_accounts=5"))
    assert "n_accounts=5: not a hydra setting" in line


# --- tiny real sweeps (slow tier) -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The tiny spec swept with the joblib launcher (2 workers) and with the basic launcher, each once."""
    root = tmp_path_factory.mktemp("sensitivity")
    (root / "tiny.yaml").write_text(TINY_SPEC)
    sweeps = {}
    for name, launcher in (("joblib", "hydra.launcher.n_jobs=2"), ("basic", "hydra/launcher=basic")):
        done = sensitivity(root, "run", "tiny.yaml", launcher, f"hydra.sweep.dir={name}")
        assert done.returncode == 0, done.stderr
        assert "24 jobs (12 points × 2 replicates)" in done.stdout
        sweeps[name] = root / name
    return sweeps


def _indices(sweep: Path) -> pd.DataFrame:
    return pd.read_csv(sweep / "sensitivity" / "indices.csv").set_index(["outcome", "parameter", "index"])


@pytest.mark.slow
def test_a_driver_ranks_above_noise_and_a_parameter_without_effect_below(runs):
    table = _indices(runs["joblib"])
    star = table.xs("mu_star", level="index")
    retention = star.loc["customer_retention_annual"]
    # Closures up to 2 % a month remove ~20 points of annual retention over the range; at 600 accounts the
    # noise threshold of mu* is a few points (a different random stream moves both by a fraction of that)
    assert retention.loc[DRIVER, "value"] > retention.loc[DRIVER, "noise_threshold"]
    assert bool(retention.loc[DRIVER, "distinguishable_from_noise"])
    # the discount rate changes nothing either outcome reads: every replicate's effect is exactly zero
    for outcome in ("customer_retention_annual", "net_profit"):
        assert star.loc[(outcome, NULL), "value"] == 0.0
        assert not bool(star.loc[(outcome, NULL), "distinguishable_from_noise"])
        assert star.loc[(outcome, DRIVER), "value"] > star.loc[(outcome, NULL), "value"]
    assert (runs["joblib"] / "sensitivity" / "sensitivity.png").stat().st_size > 10_000
    noise = pd.read_csv(runs["joblib"] / "sensitivity" / "noise.csv").set_index("outcome")
    assert (noise["noise_share"] > 0).all() and (noise["noise_share"] < 1).all()
    assert "## customer_retention_annual" in (runs["joblib"] / "sensitivity" / "summary.md").read_text()


@pytest.mark.slow
def test_the_basic_launcher_gives_identical_results(runs):
    same = [(runs[name] / "sensitivity" / "indices.csv").read_bytes() for name in ("joblib", "basic")]
    assert same[0] == same[1]


@pytest.mark.slow
def test_the_ray_launcher_gives_identical_results(runs):
    # The Ray launcher (optional extra .[ray]) runs the same design as ordinary churnsim jobs on a local cluster.
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    root = runs["basic"].parent
    done = sensitivity(root, "run", "tiny.yaml", "hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2",
                       "hydra.sweep.dir=ray")
    assert done.returncode == 0, done.stderr
    assert (root / "ray" / "sensitivity" / "indices.csv").read_bytes() == \
        (runs["basic"] / "sensitivity" / "indices.csv").read_bytes()


@pytest.mark.slow
def test_a_resumed_sweep_runs_only_the_unfinished_job_and_gives_identical_indices(runs, tmp_path):
    sweep = tmp_path / "resumed"
    shutil.copytree(runs["basic"], sweep)
    (sweep / "5" / "summary.json").unlink()
    shutil.copy(runs["basic"].parent / "tiny.yaml", tmp_path / "tiny.yaml")
    done = sensitivity(tmp_path, "run", "tiny.yaml", "hydra/launcher=basic", "hydra.sweep.dir=resumed")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert sum("already done" in line for line in lines) == 23
    assert sum(" done in " in line for line in lines) == 1
    # progress counts the design's jobs and names each job's sampled values
    assert {line.split("]")[0] for line in lines} == {f"[{k}/24" for k in range(1, 25)}
    assert all(f"{DRIVER.rsplit('.', 1)[-1]}=" in line for line in lines)
    assert (sweep / "sensitivity" / "indices.csv").read_bytes() == \
        (runs["basic"] / "sensitivity" / "indices.csv").read_bytes()


@pytest.mark.slow
def test_analysing_an_incomplete_sweep_fails_with_one_line_and_leaves_no_result(runs, tmp_path):
    sweep = tmp_path / "incomplete"
    shutil.copytree(runs["basic"], sweep)
    shutil.rmtree(sweep / "7")
    line = one_line_error(sensitivity(tmp_path, "analyse", "incomplete"))
    assert "1 of 24 jobs not finished (job 7); resume with: churnsim-sensitivity run tiny.yaml" in line
    assert not (sweep / "sensitivity" / "indices.csv").exists()


@pytest.mark.slow
def test_a_sweep_directory_of_another_design_is_refused(runs, tmp_path):
    sweep = tmp_path / "other"
    shutil.copytree(runs["basic"], sweep)
    (tmp_path / "tiny.yaml").write_text(TINY_SPEC.replace("sample_seed: 3", "sample_seed: 4"))
    line = one_line_error(sensitivity(tmp_path, "run", "tiny.yaml", "hydra.sweep.dir=other"))
    assert "holds the design of another spec" in line
