"""``churnsim-explore``: spec checks, the Latin hypercube, assumptions set over the presets, scenario discovery on a
planted failure region, and a tiny real exploration (launchers, resume, incomplete and foreign directories).

The discovery tests feed EMA Workbench's PRIM and CART (the ``explore`` extra, installed by ``make test`` and CI)
with cases whose failure region is known. The exploration runs the real command in a fresh process at tiny size
(300 accounts, 6 months) from a temporary directory; it is in the slow tier.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clitools import one_line_error

from churnsim.core.config import ConfigError
from churnsim.core.hydra_schemas import load_config
from churnsim.engine.plan import make_plan
from churnsim.explore import main
from churnsim.explore.design import Range, Spec, make_design
from churnsim.explore.discovery import cart_boxes, describe, prim_box

EXPLORE = str(Path(sys.executable).with_name("churnsim-explore"))

GOOD = {
    "strategies": "strategies: [baseline, service_guarantee]",
    "ranges": "ranges:\n  competitors.price_war.depth: [0.0, 0.3]\n"
              "  competitors.price_war.until_month: {range: [1, 6], label: war months}\n"
              "  strategy.service_guarantee.service_boost: [0.05, 0.35]",
    "samples": "samples: 6",
    "targets": "targets: {customer_retention_annual: {min: 0.5}}",
    "base": 'base: [competitors=price_war, n_accounts=300, months=6, burn_in_months=2, "output.tables=[]"]',
}


def _write(path: Path, change: dict[str, str] | None = None) -> None:
    path.write_text("\n".join({**GOOD, **(change or {})}.values()) + "\n")


def explore(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXPLORE, *args], cwd=cwd, capture_output=True, text=True, timeout=600)



# --- spec checks ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "expected"), [
    ({"extra": "sampels: 8"}, "sampels: unknown key; did you mean samples?"),
    ({"ranges": "ranges: {competitors.price_war.depth: [0.3, 0.1]}"},
     "ranges.competitors.price_war.depth = [0.3, 0.1]: lower bound must be below upper bound"),
    ({"ranges": "ranges: {competitors.price_war.depth: [0.0, 1.5]}"},
     "ranges.competitors.price_war.depth = [0.0, 1.5]: outside the field's allowed range"),
    ({"ranges": "ranges: {competitors.price_war.until_month: [1.5, 6]}"},
     "the field is an integer; give whole-number bounds"),
    ({"ranges": "ranges: {market.behaviour.choce_beta: [3, 9]}"}, "ranges.market.behaviour.choce_beta: no field"),
    ({"ranges": "ranges: {strategy.service_guarantee.boost: [0, 1]}"},
     "not a numeric parameter of service_guarantee; allowed: "),
    ({"ranges": "ranges: {n_accounts: [100, 200]}"}, "not an assumption"),
    ({"strategies": "strategies: [baseline, service_guarante]"},
     "strategies: service_guarante: no such strategy preset; did you mean service_guarantee?"),
    ({"strategies": "strategies: [service_guarantee, contracts]"}, "reference = 'baseline': must be one of"),
    ({"targets": "targets: {retention: {min: 0.5}}"}, "targets: retention: unknown outcome"),
    ({"targets": "targets: {value_delta: {min: 5, max: 1}}"}, "min must not exceed max"),
    ({"extra": "discovery: {threshold: 1.5}"}, "discovery.threshold = 1.5: must be a number between 0 and 1"),
    ({"base": "base: [uncertainty=default, n_accounts=300]"},
     "also has a prior in uncertainty=default; allowed: a range or a prior on a field, not both"),
    ({"base": "base: [strategy=contracts]"}, "base: strategy=contracts: every job sets its strategy"),
])
def test_a_bad_spec_stops_with_one_line_naming_the_field(tmp_path, monkeypatch, capsys, change, expected):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "spec.yaml", change)
    with pytest.raises(SystemExit) as stop:
        main(["spec.yaml", "--out", "out"])
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("churnsim-explore: error: spec.yaml: "), lines
    assert expected in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_bad_override_or_missing_spec_gives_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "spec.yaml")
    for argv, expected in ((["spec.yaml", "--out", "out", "n_acounts=5"], "n_acounts = 5: unknown key"),
                           (["missing.yaml", "--out", "out"], "missing.yaml: no such file"),
                           (["spec.yaml", "--out", "out", "hydra.sweep.dir=x"], "hydra.sweep.dir: set by --out")):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], err
    assert not (tmp_path / "out").exists()


# --- the hypercube and its jobs ------------------------------------------------------------------------------


def _spec(**change) -> Spec:
    ranges = [Range("competitors.price_war.depth", 0.0, 0.3), Range("competitors.price_war.until_month", 1, 12, True)]
    fields = {"strategies": ["baseline", "contracts", "service_guarantee"], "reference": "baseline",
              "ranges": ranges, "samples": 40, "replicates": 2, "sample_seed": 5, "base": ["n_accounts=300"]}
    return Spec(**{**fields, **change})


def test_the_hypercube_puts_one_point_in_each_stratum_of_every_range():
    design = make_design(_spec())
    x = np.asarray(design.points, dtype=float)
    strata = np.floor((x[:, 0] - 0.0) / 0.3 * 40).astype(int)
    assert sorted(strata) == list(range(40))  # Latin: each of the 40 equal slices of the depth range holds one point
    months = x[:, 1]
    assert set(months) <= set(range(1, 13)) and months.min() == 1 and months.max() == 12
    # 40 strata over 12 whole months (3.3 strata each, the edge strata shared): each month is taken 2 to 5 times
    assert set(np.bincount(months.astype(int))[1:]) <= {2, 3, 4, 5}
    assert make_design(_spec()).points == design.points
    assert make_design(_spec(sample_seed=6)).points != design.points


def test_every_strategy_of_a_scenario_shares_its_world_and_every_scenario_has_its_own():
    design = make_design(_spec(samples=4))
    jobs = design.jobs()
    assert len(jobs) == design.n_jobs == 4 * 2 * 3
    by_world: dict[str, set[str]] = {}
    for job in jobs:
        overrides = dict(o.split("=", 1) for o in job)
        by_world.setdefault(overrides["replicate"], set()).add(overrides["++assumptions"])
        assert job[0] == "n_accounts=300"
    assert len(by_world) == 8  # 4 scenarios × 2 replicates, each its own replicate number
    assert all(len(points) == 1 for points in by_world.values())  # one scenario per world, shared by 3 strategies


# --- assumptions set over the presets -------------------------------------------------------------------------


def test_assumptions_set_the_fields_a_prior_would_and_leave_strategies_without_that_component_alone():
    cfg = load_config(["strategy=service_guarantee", "competitors=price_war", "n_accounts=300",
                       "++assumptions={strategy.service_guarantee.service_boost:0.33,"
                       "competitors.price_war.depth:0.25,competitors.price_war.until_month:4}"])
    plan = make_plan(cfg)
    assert plan.cfg.strategy.components[0]["service_boost"] == 0.33
    assert plan.cfg.competitors.price_war.depth == 0.25 and plan.cfg.competitors.price_war.until_month == 4
    other = make_plan(load_config(["strategy=contracts", "n_accounts=300",
                                   "++assumptions={strategy.service_guarantee.service_boost:0.33}"]))
    assert other.cfg.strategy.components == load_config(["strategy=contracts"]).strategy.components


@pytest.mark.parametrize(("assumptions", "expected"), [
    ("{market.behaviour.choice_beta:200}", "assumptions.market.behaviour.choice_beta = 200: out of range"),
    ("{competitors.price_war.until_month:2.5}", "must be a whole number"),
    ("{market.nothing:1}", "assumptions.market.nothing: no field 'nothing'"),
    ("{seed:3}", "not an assumption"),
])
def test_a_bad_assumption_is_refused_with_its_field(assumptions, expected):
    cfg = load_config(["n_accounts=300", f"++assumptions={assumptions}"])
    with pytest.raises(ConfigError, match="bad assumption") as err:
        make_plan(cfg)
    assert expected in str(err.value)


# --- discovery on a planted failure region ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, np.ndarray]:
    """Cases failing where depth ≥ 0.18 and months > 14, plus 5 % failures anywhere (label noise)."""
    g = np.random.Generator(np.random.PCG64(11))
    x = pd.DataFrame({"depth": g.uniform(0, 0.3, 400), "months": g.integers(1, 37, 400).astype(float),
                      "boost": g.uniform(0.05, 0.35, 400)})
    y = ((x["depth"] >= 0.18) & (x["months"] > 14)).to_numpy() | (g.uniform(size=400) < 0.05)
    return x, y


def test_prim_finds_the_planted_region_and_the_sentence_names_it(planted):
    pytest.importorskip("ema_workbench")
    x, y = planted
    box = prim_box(x, y, threshold=0.9, peel_alpha=0.05, mass_min=0.05)
    limits = box.limits.set_index("parameter")
    # at density ≥ 90 % the region's edges are recovered to within the spacing of the cases near them (~0.01 in
    # depth, 1-2 months); the 5 % background failures allow a box a little larger than the region
    assert abs(limits.loc["depth", "lower"] - 0.18) < 0.03
    assert 12 <= limits.loc["months", "lower"] <= 16
    assert box.density >= 0.9 and box.coverage >= 0.7
    assert limits.loc["depth", "qp_value"] < 1e-6 and limits.loc["months", "qp_value"] < 1e-6
    # a lower threshold takes the box of higher coverage further down the same peeling trajectory
    wider = prim_box(x, y, threshold=0.8, peel_alpha=0.05, mass_min=0.05)
    assert wider.coverage >= box.coverage and 0.8 <= wider.density <= box.density
    phrase = describe(box, {"depth": "price-war depth", "months": "price-war months"}, {"months"})
    assert phrase.startswith("price-war depth ≥ 0.1") and "price-war months > 1" in phrase
    assert "boost" not in phrase  # no restriction on a parameter without effect survives its quasi-p test


def test_cart_sees_the_same_region_as_a_second_view(planted):
    pytest.importorskip("ema_workbench")
    x, y = planted
    boxes = cart_boxes(x, y, threshold=0.8, mass_min=0.05)
    assert boxes and boxes[0].density >= 0.8
    covered = sum(b.coverage for b in boxes)
    assert covered >= 0.7  # the dense leaves together hold most failures
    limits = boxes[0].limits.set_index("parameter")
    assert limits.loc["depth", "lower"] > 0.12 and limits.loc["months", "lower"] > 8


# --- a tiny real exploration (slow tier) -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def explored(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("explore")
    _write(root / "spec.yaml")
    done = explore(root, "spec.yaml", "--out", "joblib", "hydra.launcher.n_jobs=2")
    assert done.returncode == 0, done.stderr
    assert "12 runs (6 scenarios × 1 replicate × 2 strategies)" in done.stdout
    return root


@pytest.mark.slow
def test_an_exploration_writes_its_tables_with_paired_worlds(explored):
    out = explored / "joblib"
    e = pd.read_parquet(out / "experiments.parquet")
    assert len(e) == 12 and set(e["strategy"]) == {"baseline", "service_guarantee"}
    assert (e.loc[e["strategy"] == "baseline", "value_delta"] == 0).all()
    # common random numbers: both strategies of a scenario ran on the same run seed, and scenarios on different ones
    seeds = e.groupby("sample")["run_seed"].nunique()
    assert (seeds == 1).all() and e["run_seed"].nunique() == 6
    paired = e.pivot(index="sample", columns="strategy", values="value")
    assert np.allclose(e.loc[e["strategy"] == "service_guarantee", "value_delta"].to_numpy(),
                       (paired["service_guarantee"] - paired["baseline"]).to_numpy())
    r = pd.read_csv(out / "robustness.csv").set_index("strategy")
    assert list(r.columns[:7]) == ["runs", "mean_value", "mean_value_delta", "p_loss", "max_regret", "p90_regret",
                                   "satisficing"]
    sg = e[e["strategy"] == "service_guarantee"]
    assert r.loc["service_guarantee", "p_loss"] == pytest.approx((sg["value_delta"] < 0).mean())
    assert r.loc["service_guarantee", "satisficing"] == pytest.approx((sg["customer_retention_annual"] >= 0.5).mean())
    assert (e["regret"] >= 0).all() and (e.groupby("sample")["regret"].min() == 0).all()
    summary = (out / "summary.md").read_text()
    assert "## Robustness" in summary and "service_guarantee" in summary
    if 0 < (sg["value_delta"] < 0).mean() < 1:
        assert (out / "discovery.csv").exists()


@pytest.mark.slow
def test_the_basic_launcher_gives_identical_experiments(explored):
    done = explore(explored, "spec.yaml", "--out", "basic", "hydra/launcher=basic")
    assert done.returncode == 0, done.stderr
    same = [pd.read_parquet(explored / name / "experiments.parquet") for name in ("joblib", "basic")]
    pd.testing.assert_frame_equal(same[0], same[1])


@pytest.mark.slow
def test_a_resumed_exploration_runs_only_what_is_missing(explored, tmp_path):
    out = tmp_path / "resumed"
    shutil.copytree(explored / "joblib", out)
    (out / "runs" / "3" / "summary.json").unlink()
    shutil.copy(explored / "spec.yaml", tmp_path / "spec.yaml")
    done = explore(tmp_path, "spec.yaml", "--out", "resumed", "hydra/launcher=basic")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert sum("already done" in line for line in lines) == 11 and sum(" done in " in line for line in lines) == 1
    pd.testing.assert_frame_equal(pd.read_parquet(out / "experiments.parquet"),
                                  pd.read_parquet(explored / "joblib" / "experiments.parquet"))


@pytest.mark.slow
def test_an_incomplete_exploration_leaves_no_result_and_another_spec_is_refused(explored, tmp_path):
    out = tmp_path / "incomplete"
    shutil.copytree(explored / "joblib", out)
    shutil.rmtree(out / "runs" / "5")
    line = one_line_error(explore(tmp_path, "spec.yaml", "--out", "incomplete", "--analyse-only"))
    assert "1 of 12 runs not finished; resume with: churnsim-explore spec.yaml --out" in line
    assert not (out / "experiments.parquet").exists() and not (out / "robustness.csv").exists()
    _write(tmp_path / "spec.yaml", {"samples": "samples: 7"})
    line = one_line_error(explore(tmp_path, "spec.yaml", "--out", "incomplete"))
    assert "holds the design of another spec" in line


def test_cart_boxes_are_the_same_from_one_analysis_to_the_next():
    """Unseeded, scikit-learn's tree breaks ties between equal splits at random; whole-number parameters tie often."""
    pytest.importorskip("ema_workbench")
    g = np.random.Generator(np.random.PCG64(3))
    x = pd.DataFrame({"a": g.integers(0, 4, 120).astype(float), "b": g.integers(0, 4, 120).astype(float)})
    y = ((x["a"] >= 2) | (x["b"] >= 2)).to_numpy() & (g.uniform(size=120) < 0.9)
    first = [b.limits for b in cart_boxes(x, y, threshold=0.7, mass_min=0.05)]
    for _ in range(5):
        again = [b.limits for b in cart_boxes(x, y, threshold=0.7, mass_min=0.05)]
        assert len(again) == len(first) and all(a.equals(b) for a, b in zip(first, again, strict=True))


@pytest.mark.slow
def test_without_ema_workbench_the_analysis_says_so_and_writes_the_rest(explored, tmp_path, monkeypatch):
    from churnsim.explore import analyse as module
    from churnsim.explore import discovery

    out = tmp_path / "no_ema"
    shutil.copytree(explored / "joblib", out)

    def missing():
        raise discovery.DiscoveryUnavailable("scenario discovery (PRIM, CART) needs EMA Workbench: pip install "
                                             "'churnsim[explore]'")

    monkeypatch.setattr(discovery, "_ema", missing)
    result = module.analyse(out)
    assert result.discovery is None and "pip install 'churnsim[explore]'" in result.skipped
    assert not (out / "discovery.csv").exists() and (out / "robustness.csv").exists()
    assert "Not computed: scenario discovery (PRIM, CART) needs EMA Workbench" in (out / "summary.md").read_text()
