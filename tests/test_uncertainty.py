"""Priors on assumptions (issue 15, point 1): one draw per replicate, shared by its strategies, checked at the door."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import small_config
from scipy import stats

from churnsim.core.config import ConfigError, StrategyConfig, UncertaintyConfig
from churnsim.engine.plan import make_plan
from churnsim.engine.run import simulate
from churnsim.engine.uncertainty import Dist
from churnsim.report.load import load_sweep

TRIANGULAR = {"dist": "triangular", "lo": 0.004, "mode": 0.007, "hi": 0.012, "source": "assumption"}
CONTRACTS = StrategyConfig("c", [{"kind": "contracts", "p_accept_per_month": 0.2}, {"kind": "contracts"}])


def _cfg(priors: dict, replicate: int = 0, strategy: StrategyConfig | None = None):
    cfg = small_config(strategy=strategy or StrategyConfig())
    cfg.uncertainty, cfg.replicate = UncertaintyConfig("trial", priors), replicate
    return cfg


def test_without_priors_nothing_is_drawn_and_the_config_is_untouched():
    cfg = small_config()
    plan = make_plan(cfg)
    assert plan.draws == {} and plan.cfg is cfg


def test_a_replicate_draws_once_for_every_strategy_and_each_replicate_anew():
    priors = {"market.environment.p_closure": TRIANGULAR}
    base = [make_plan(_cfg(priors, r)).draws["market.environment.p_closure"] for r in range(3)]
    with_contracts = [make_plan(_cfg(priors, r, CONTRACTS)).draws["market.environment.p_closure"] for r in range(3)]
    assert base == with_contracts and len(set(base)) == 3
    assert make_plan(_cfg(priors, 1)).cfg.market.environment.p_closure == base[1]  # the run uses the draw
    # a prior on another field moves no draw of this one
    more = {**priors, "market.behaviour.choice_beta": {"dist": "uniform", "lo": 4, "hi": 8, "source": "assumption"}}
    assert [make_plan(_cfg(more, r)).draws["market.environment.p_closure"] for r in range(3)] == base


def test_draws_over_replicates_follow_the_prior():
    # 400 replicates' draws against the triangular prior: Kolmogorov–Smirnov at a fixed seed (deterministic). With
    # draws from a correct quantile function the statistic is ~0.03; p > 0.01 leaves room while a wrong shape or
    # scale (say a uniform on the same bounds, D ≈ 0.1) fails.
    cfg = _cfg({"market.environment.p_closure": TRIANGULAR})
    draws = []
    for r in range(400):
        cfg.replicate = r
        draws.append(make_plan(cfg).draws["market.environment.p_closure"])
    shape = stats.triang(0.3 / 0.8, 0.004, 0.008)
    assert stats.kstest(draws, shape.cdf).pvalue > 0.01
    assert stats.kstest(draws, stats.uniform(0.004, 0.008).cdf).pvalue < 0.01
    assert 0.004 <= min(draws) and max(draws) <= 0.012


def test_a_relative_prior_scales_what_each_component_sets_and_stays_in_range():
    prior = {"dist": "uniform", "lo": 2.0, "hi": 3.0, "relative": True, "source": "assumption"}
    plan = make_plan(_cfg({"strategy.contracts.p_accept_per_month": prior}, strategy=CONTRACTS))
    factor = plan.draws["strategy.contracts.p_accept_per_month"]
    first, second = (c.p_accept_per_month for c in plan.components)
    assert 2.0 <= factor <= 3.0
    assert first == pytest.approx(0.2 * factor) and second == pytest.approx(min(0.1 * factor, 1.0))
    # a factor that would take a probability past 1 is held at 1
    high = {"dist": "uniform", "lo": 20.0, "hi": 30.0, "relative": True, "source": "assumption"}
    plan = make_plan(_cfg({"strategy.contracts.p_accept_per_month": high}, strategy=CONTRACTS))
    assert [c.p_accept_per_month for c in plan.components] == [1.0, 1.0]


def test_a_scenario_headline_number_takes_a_prior():
    depth = {"dist": "uniform", "lo": 0.05, "hi": 0.25, "source": "assumption"}
    plan = make_plan(_cfg({"competitors.price_war.depth": depth}))
    drawn = plan.draws["competitors.price_war.depth"]
    assert plan.cfg.competitors.price_war.depth == drawn and 0.05 <= drawn <= 0.25
    np.testing.assert_allclose(plan.suppliers.price_cut[1:], drawn)  # every rival's war


def test_an_integer_field_takes_a_whole_number():
    prior = {"dist": "uniform", "lo": 6, "hi": 18, "source": "assumption"}
    plan = make_plan(_cfg({"market.threats.months": prior}))
    assert isinstance(plan.cfg.market.threats.months, int) and 6 <= plan.cfg.market.threats.months <= 18


def test_drawn_assumptions_change_the_run():
    closures = {"dist": "uniform", "lo": 0.02, "hi": 0.03, "source": "assumption"}
    plain = simulate(small_config()).summary["churn_by_reason"]["closure"]
    drawn = simulate(_cfg({"market.environment.p_closure": closures})).summary["churn_by_reason"]["closure"]
    assert drawn > 2 * plain  # p_closure 0.007 by default


@pytest.mark.parametrize(("prior", "says"), [
    ({"market.behaviour.no_such": TRIANGULAR}, "market.behaviour.no_such: no field 'no_such' there"),
    ({"strategy.contracts.tiers": TRIANGULAR}, "strategy.contracts.tiers: not a numeric parameter of contracts"),
    ({"strategy.nope.cost": TRIANGULAR}, "strategy.nope.cost: unknown component kind 'nope'"),
    ({"n_accounts": TRIANGULAR}, "n_accounts: not an assumption a prior can go on"),
    ({"competitors.rivals": TRIANGULAR}, "competitors.rivals: not a numeric field"),
    ({"market.environment.p_closure": {**TRIANGULAR, "lo": 0.02}}, "lo (0.02) must be below hi (0.012)"),
    ({"market.environment.p_closure": {"dist": "normal", "mean": 0.5, "sd": 1, "source": "x"}},
     "support [-inf, inf] leaves the field's range [0, 1]"),
    ({"market.environment.p_closure": {"dist": "gamma", "lo": 0, "hi": 1, "source": "x"}},
     "dist = 'gamma': allowed: uniform, triangular, normal, lognormal, beta"),
    ({"market.environment.p_closure": {"dist": "uniform", "lo": 0, "hi": 1}}, "source: missing"),
    ({"market.environment.p_closure": {"dist": "uniform", "lo": 0, "hi": 1, "sd": 2, "source": "x"}}, "unknown sd"),
    ({"market.environment.p_closure": {**TRIANGULAR, "mode": 0.5}}, "mode = 0.5: must lie between lo"),
    ({"strategy.contracts.discount": {"dist": "uniform", "lo": -1, "hi": 2, "relative": True, "source": "x"}},
     "a relative prior is a factor"),
])
def test_a_bad_prior_is_refused_naming_its_field(prior, says):
    with pytest.raises(ConfigError, match="^uncertainty=trial: 1 bad prior: ") as err:
        make_plan(_cfg(prior))
    assert says in str(err.value) and "\n" not in str(err.value)


def test_every_bad_prior_of_a_file_is_named_at_once():
    bad = {"market.nope": TRIANGULAR, "market.environment.p_closure": {"dist": "uniform", "lo": 0, "hi": 1}}
    with pytest.raises(ConfigError, match=r"2 bad priors: market\.nope: .*; market\.environment\.p_closure\.source"):
        make_plan(_cfg(bad))


PRIORS_FILE = """name: trial
priors:
  market.environment.p_closure: {dist: triangular, lo: 0.004, mode: 0.007, hi: 0.012, source: assumption}
  strategy.contracts.cost_per_action: {dist: uniform, lo: 0.5, hi: 1.5, relative: true, source: assumption}
"""


def test_a_sweep_records_each_replicates_draws_in_run_json_and_jobs(tmp_path):
    (tmp_path / "conf" / "uncertainty").mkdir(parents=True)
    (tmp_path / "conf" / "uncertainty" / "trial.yaml").write_text(PRIORS_FILE)
    done = subprocess.run([sys.executable, "-m", "churnsim.app", "-m", "--config-dir", str(tmp_path / "conf"),
                           "uncertainty=trial", "strategy=baseline,contracts", "replicate=range(0,6)", "n_accounts=300",
                           "months=3", "burn_in_months=1", "hydra.sweep.dir=sweep", "hydra/launcher=basic"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    runs = [json.loads(p.read_text()) for p in sorted((tmp_path / "sweep").glob("*/run.json"))]
    assert all(r["uncertainty"]["name"] == "trial" for r in runs) and len(runs) == 12
    jobs = load_sweep(tmp_path / "sweep").jobs
    columns = ["uncertainty.market.environment.p_closure", "uncertainty.strategy.contracts.cost_per_action"]
    by_replicate = jobs.groupby("replicate")[columns].nunique()
    assert (by_replicate == 1).all().all()  # both strategies of a replicate saw the same draws
    assert jobs.groupby("strategy")[columns[0]].nunique().eq(6).all()  # the replicates drew apart
    for _, job in jobs.iterrows():
        drawn = json.loads((tmp_path / "sweep" / job["job"] / "run.json").read_text())["uncertainty"]["draws"]
        np.testing.assert_array_equal(job[columns].to_numpy(float), [drawn[c.removeprefix("uncertainty.")]
                                                                     for c in columns])
    # the report says what a replicate is, gives the decision figures and what knowing the assumptions is worth
    report = subprocess.run([sys.executable, "-m", "churnsim.report", "sweep"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert report.returncode == 0, report.stderr
    out = tmp_path / "sweep" / "report"
    text = (out / "report.md").read_text()
    assert "one draw of the 2 uncertain assumptions" in text and "## Under uncertainty" in text
    assert "| parameter | EVPPI (k€) | noise floor (k€) | replicates |" in text
    assert {"p_beats_baseline", "p_best", "delta_share_assumptions"} <= set(pd.read_csv(out / "summary.csv"))
    voi = pd.read_csv(out / "voi.csv")
    assert list(voi.columns) == ["market", "competitors", "parameter", "evppi", "evppi_noise_floor", "n_replicates"]
    assert set(voi["parameter"]) == {"market.environment.p_closure", "strategy.contracts.cost_per_action",
                                     "all (linear)"}


def test_without_priors_the_report_says_its_intervals_are_simulation_noise_only(tmp_path):
    done = subprocess.run([sys.executable, "-m", "churnsim.app", "-m", "strategy=baseline,contracts",
                           "replicate=0,1", "n_accounts=300", "months=3", "burn_in_months=1", "hydra.sweep.dir=sweep",
                           "hydra/launcher=basic"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert subprocess.run([sys.executable, "-m", "churnsim.report", "sweep"], cwd=tmp_path, timeout=300,
                          capture_output=True).returncode == 0
    text = (tmp_path / "sweep" / "report" / "report.md").read_text()
    assert "are simulation noise only" in text and "## Under uncertainty" not in text
    assert not (tmp_path / "sweep" / "report" / "voi.csv").exists()


def test_a_bad_priors_file_stops_the_run_in_one_line(tmp_path):
    (tmp_path / "conf" / "uncertainty").mkdir(parents=True)
    (tmp_path / "conf" / "uncertainty" / "bad.yaml").write_text(
        "name: bad\npriors:\n  market.environment.p_closure: {dist: uniform, lo: 0.5, hi: 0.1, source: x}\n")
    done = subprocess.run([sys.executable, "-m", "churnsim.app", "--config-dir", str(tmp_path / "conf"),
                           "uncertainty=bad", "n_accounts=300", "months=3"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "uncertainty=bad: 1 bad prior: market.environment.p_closure: lo (0.5) must be below hi (0.1)" in done.stderr
    assert not list(tmp_path.rglob("summary.json"))


@pytest.mark.parametrize(("name", "params", "reference"), [
    ("uniform", {"lo": 1, "hi": 3}, stats.uniform(1, 2)),
    ("triangular", {"lo": 0.5, "mode": 1, "hi": 1.5}, stats.triang(0.5, 0.5, 1)),
    ("triangular", {"lo": 0, "mode": 0, "hi": 2}, stats.triang(0, 0, 2)),
    ("normal", {"mean": 1, "sd": 0.2}, stats.norm(1, 0.2)),
    ("lognormal", {"median": 1, "sigma": 0.3}, stats.lognorm(0.3, scale=1)),
    ("beta", {"a": 2, "b": 5, "lo": 0.1, "hi": 0.5}, stats.beta(2, 5, 0.1, 0.4))])
def test_the_quantile_and_distribution_functions_are_scipy_stats(name, params, reference):
    # uncertainty.Dist restates them on scipy.special, so that a run does not import scipy.stats; 1e-12 is ~10^4 ulp
    dist = Dist(name, {k: float(v) for k, v in params.items()})
    u = np.linspace(0.001, 0.999, 999)
    x = np.array([dist.ppf(p) for p in u])
    np.testing.assert_allclose(x, reference.ppf(u), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose([dist.cdf(v) for v in x], reference.cdf(x), rtol=1e-12, atol=1e-12)
