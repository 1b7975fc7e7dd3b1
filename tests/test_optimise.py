"""``churnsim-optimise``: spec checks at the door, a tiny study and its files, the Pareto front, parallel = sequential,
resume, a refused journal of another spec, no feasible plan, a preset churnsim takes, and no model left alive.

Studies here are tiny (300 accounts, 12 months, no burn-in, 2 replicates, 12 trials in generations of 4: a
second or two each), so the whole file runs in well under a minute on 2 cores.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from test_memory import _none_alive, built  # noqa: F401  (built: a fixture)

from churnsim.core.hydra_schemas import CONF_DIR
from churnsim.optimise import main
from churnsim.optimise.cli import NO_FEASIBLE_PLAN, optimise
from churnsim.optimise.evaluate import Evaluator, Scores
from churnsim.optimise.plans import plan_key
from churnsim.optimise.search import complete_trials, open_study
from churnsim.optimise.spec import load_spec

EXAMPLE = CONF_DIR / "optimise" / "budget_price_war.yaml"
TINY = {
    "base": ["market=generic_b2b", "competitors=price_war", "n_accounts=300", "months=12", "burn_in_months=0"],
    "replicates": 2, "check_replicates": 2, "trials": 12, "population": 4, "sampler_seed": 1,
    "budget": 2000, "retention_target": 0.5, "risk": "p_loss",
    "levers": {
        "contracts": {"params": {"discount": [0.0, 0.05], "term_months": [6, 24]}},
        "price_response": {"params": {"fraction": [0.25, 1.0], "max_discount": 0.3}},
        "service_guarantee": {"params": {"service_boost": [0.05, 0.3],
                                         "tiers": {"choices": [["key"], ["key", "regular", "small"]]}}},
    },
}
QUIET = {"report": lambda line: None}
RESULTS = ("trials.csv", "pareto.csv", "pareto_check.csv")


def write_spec(tmp_path: Path, name: str = "spec.yaml", **changes) -> Path:
    """The tiny spec with top-level ``changes``, written under ``tmp_path``."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump({**TINY, **changes}, sort_keys=False))
    return path


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name)


# ---- bad input -------------------------------------------------------------------------------------------------
def lever(name: str, **params) -> dict:
    return {**TINY["levers"], name: {"params": params}}


BAD_SPECS = [
    ({"budgets": 5}, "spec.yaml: budgets: unknown key; did you mean budget? allowed: base, uncertainty, levers"),
    ({"levers": {"servic_guarantee": {}}}, "levers.servic_guarantee = servic_guarantee: unknown component kind; did "
                                           "you mean service_guarantee? allowed: alignment, bundling"),
    ({"levers": lever("contracts", discont=[0.0, 0.1])},
     "levers.contracts.params.discont: unknown parameter of contracts; did you mean discount? allowed: tiers,"),
    ({"levers": lever("contracts", discount=[0.1, 0.0])},
     "levers.contracts.params.discount = [0.1, 0.0]: lower bound must be below upper bound"),
    ({"levers": lever("contracts", discount=[0.0, 1.5])},
     "levers.contracts.params.discount = [0.0, 1.5]: outside the parameter's allowed range; bounds must be ≥ 0.0 "
     "and ≤ 1.0"),
    ({"levers": lever("contracts", term_months=[0, 12])}, "term_months = [0, 12]: outside the parameter's allowed "
                                                          "range; bounds must be ≥ 1"),
    ({"levers": lever("contracts", term_months=[6.5, 12])}, "term_months = [6.5, 12]: must be [low, high], two whole"),
    ({"levers": lever("contracts", tiers={"choices": [["key"], ["vip"]]})},
     "levers.contracts.params.tiers = ['vip']: unknown ['vip']; allowed: key, regular, small"),
    ({"levers": lever("contracts", at_risk_only={"choices": [False, "sometimes"]})},
     "levers.contracts.params.at_risk_only = 'sometimes': must be of type bool"),
    ({"levers": {"contracts": {"optional": False}}}, "levers: nothing to search"),
    ({"risk": "var"}, "risk = 'var': must be p_loss, or {cvar: level} with 0 < level < 1"),
    ({"budget": -1}, "budget = -1: must be a number ≥ 0"),
    ({"replicates": 1}, "replicates = 1: must be an integer ≥ 2"),
    ({"uncertainty": "maybe"}, "uncertainty = 'maybe': no such conf/uncertainty option; allowed: default, none"),
    ({"base": ["strategy=contracts"]}, "base: strategy=contracts: strategy is set by the search"),
    ({"base": ["market=atlantis"]}, "base: market = atlantis: no such market option; allowed: car_dealerships"),
]


def refused(capsys, tmp_path: Path, argv: list[str], out: Path | None = None) -> str:
    """The one line a refused optimisation prints, after checking exit status 2 and that nothing was written (into
    ``tmp_path / "out"`` unless another ``out`` is given)."""
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--out", str(out or tmp_path / "out")])
    assert stop.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("churnsim-optimise: error: "), lines
    assert not (tmp_path / "out").exists()
    return lines[0]


@pytest.mark.parametrize(("changes", "expected"), BAD_SPECS)
def test_a_bad_spec_is_refused_in_one_line(capsys, tmp_path, changes, expected):
    spec = write_spec(tmp_path, **changes)
    line = refused(capsys, tmp_path, [str(spec)])
    assert line.startswith(f"churnsim-optimise: error: {spec}: ") and expected in line


def test_bad_command_line_values_are_refused_in_one_line(capsys, tmp_path):
    spec = str(write_spec(tmp_path))
    assert refused(capsys, tmp_path, [spec, "n_accounts=many"]).endswith("override: n_accounts = many: must be "
                                                                          "an integer")
    assert "override: seed=3: seed is set by the search" in refused(capsys, tmp_path, [spec, "seed=3"])
    assert refused(capsys, tmp_path, [spec, "--trials", "0"]).endswith("--trials = 0: must be a whole number ≥ 1")
    assert "no such file" in refused(capsys, tmp_path, [str(tmp_path / "nowhere.yaml")])


def test_the_command_refuses_bad_input_without_a_traceback(tmp_path):
    spec = write_spec(tmp_path, levers=lever("contracts", discount=[0.1, 0.0]))
    done = subprocess.run([sys.executable, "-m", "churnsim.optimise", str(spec), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"churnsim-optimise: error: {spec}: levers.contracts.params.discount = [0.1, 0.0]: "
                                   "lower bound must be below upper bound")
    assert not (tmp_path / "out").exists()


def test_the_example_spec_checks_and_runs_small(capsys, tmp_path):
    spec, base = load_spec(EXAMPLE)
    assert [lever.name for lever in spec.levers] == ["price_response", "service_guarantee", "satisfaction_survey",
                                                     "contracts", "relationship_redundancy"]
    assert spec.uncertainty == "default" and base.uncertainty.priors and spec.budget == 5000
    main([str(EXAMPLE), "--out", str(tmp_path / "out"), "--trials", "4", "n_accounts=300", "months=6",
          "burn_in_months=0"])
    printed = capsys.readouterr().out
    assert "plan_0" in printed and "churnsim --config-dir" in printed
    assert len(read(tmp_path / "out", "trials.csv")) == 4


# ---- scores ----------------------------------------------------------------------------------------------------
def test_the_risk_measures(tmp_path):
    spec, _ = load_spec(write_spec(tmp_path))
    s = Scores(np.array([-2.0, -1.0, 3.0, 4.0]), np.zeros(4), np.ones(4))
    assert s.risk(spec) == 0.5  # P(loss): two replicates of four lose value
    assert s.risk(dataclasses.replace(spec, risk="cvar", cvar_level=0.25)) == 2.0  # the worst one loses 2 k€
    assert s.risk(dataclasses.replace(spec, risk="cvar", cvar_level=0.4)) == 1.5  # ⌈0.4 × 4⌉ = 2 worst: −2, −1
    assert s.constraints(spec) == {"budget": -2000.0, "retention": -0.5} and s.feasible(spec)


# ---- a tiny study ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("optimise")
    optimise(write_spec(root), root / "out", **QUIET)
    return root / "out"


def test_a_study_writes_every_file(study):
    names = sorted(str(p.relative_to(study)) for p in study.rglob("*") if p.is_file())
    plans = read(study, "pareto.csv")
    assert names == sorted(["optimise.journal", "spec.json", *RESULTS,
                            *(f"strategy/plan_{i}.yaml" for i in range(len(plans)))])  # no temporary files
    trials = read(study, "trials.csv")
    assert trials["trial"].tolist() == list(range(12)) and set(trials["replicates"]) == {"0-1"}
    assert {"service_guarantee", "service_guarantee.service_boost", "service_guarantee.tiers", "contracts.term_months",
            "value_delta_mean", "p_loss", "strategy_cost_total_mean", "budget", "customer_retention_annual_mean",
            "retention_target", "feasible"} <= set(plans.columns)
    assert len(plans) >= 1 and (plans["budget"] == 2000).all() and (plans["retention_target"] == 0.5).all()
    spec = json.loads((study / "spec.json").read_text())
    assert spec["trials"] == 12 and spec["base"] == TINY["base"]


def test_a_lever_left_out_has_no_settings(study):
    trials = read(study, "trials.csv")
    off = trials[~trials["contracts"]]
    assert len(off) and off["contracts.discount"].isna().all() and off["contracts.term_months"].isna().all()
    on = trials[trials["contracts"]]
    assert on["contracts.term_months"].between(6, 24).all() and (on["contracts.term_months"] % 1 == 0).all()


def dominates(a: pd.Series, b: pd.Series) -> bool:
    better_or_equal = a["value_delta_mean"] >= b["value_delta_mean"] and a["p_loss"] <= b["p_loss"]
    return better_or_equal and (a["value_delta_mean"], a["p_loss"]) != (b["value_delta_mean"], b["p_loss"])


def test_the_pareto_plans_are_feasible_and_non_dominated(study):
    trials, plans = read(study, "trials.csv"), read(study, "pareto.csv")
    feasible = trials[trials["feasible"]]
    assert plans["feasible"].all()
    assert (plans["strategy_cost_total_mean"] <= plans["budget"]).all()
    assert (plans["customer_retention_annual_mean"] >= plans["retention_target"]).all()
    for _, plan in plans.iterrows():
        assert not any(dominates(other, plan) for _, other in feasible.iterrows())
    # and every feasible trial not dominated is one of them (up to repeats of the same plan)
    front = [t for _, t in feasible.iterrows() if not any(dominates(o, t) for _, o in feasible.iterrows())]
    assert {(t["value_delta_mean"], t["p_loss"]) for t in front} == set(zip(plans["value_delta_mean"], plans["p_loss"],
                                                                            strict=True))
    assert plans["value_delta_mean"].is_monotonic_decreasing
    assert trials.set_index("trial").loc[plans["trial"], "plan"].tolist() == plans["plan"].tolist()


def test_the_check_rescores_the_plans_on_fresh_replicates(study):
    plans, check = read(study, "pareto.csv"), read(study, "pareto_check.csv")
    assert check["plan"].tolist() == plans["plan"].tolist() and set(check["replicates"]) == {"2-3"}
    assert check["search_value_delta_mean"].tolist() == plans["value_delta_mean"].tolist()
    assert check["search_p_loss"].tolist() == plans["p_loss"].tolist()
    assert not np.allclose(check["strategy_cost_total_mean"], plans["strategy_cost_total_mean"])  # other worlds


def test_parallel_jobs_give_byte_identical_results(study, tmp_path):
    optimise(write_spec(tmp_path), tmp_path / "out", jobs=2, **QUIET)
    for name in RESULTS:
        assert (tmp_path / "out" / name).read_bytes() == (study / name).read_bytes(), name


def test_a_plan_runs_with_churnsim_config_dir(study, tmp_path):
    preset = yaml.safe_load((study / "strategy" / "plan_0.yaml").read_text())
    assert (study / "strategy" / "plan_0.yaml").read_text().startswith("# plan_0: a Pareto plan of ")
    done = subprocess.run([sys.executable, "-m", "churnsim.app", "--config-dir", str(study), "strategy=plan_0",
                           "n_accounts=300", "months=3", "burn_in_months=0", "output.tables=[]", "hydra.run.dir=run"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    strategy = json.loads((tmp_path / "run" / "run.json").read_text())["config"]["strategy"]
    assert strategy["name"] == "plan_0" and strategy["components"] == preset["components"]


# ---- resume ----------------------------------------------------------------------------------------------------
def test_a_stopped_study_continues_to_the_same_result(study, tmp_path, monkeypatch):
    spec, out = write_spec(tmp_path), tmp_path / "out"
    runs, run = [], Evaluator._run

    def stopped(self, plans, replicates):  # Ctrl-C while a generation is scored
        raise KeyboardInterrupt

    def stop_then_continue(trials: int) -> None:
        with monkeypatch.context() as patch:
            patch.setattr(Evaluator, "score", stopped)
            with pytest.raises(KeyboardInterrupt):
                optimise(spec, out, **QUIET)
        assert not (out / "pareto.csv").exists()  # nothing that looks complete
        optimise(spec, out, trials=trials, **QUIET)

    optimise(spec, out, trials=4, **QUIET)  # generation 0
    stop_then_continue(5)  # generation 1 stopped before any of its trials was told, then left short: trial 4 only
    first = read(out, "trials.csv")

    def counted(self, tasks):
        runs.extend((plan_key(plan), r) for plan, r in tasks)
        return run(self, tasks)

    monkeypatch.setattr(Evaluator, "_run", counted)
    stop_then_continue(12)  # stopped again in the middle of generation 1, then run to the end
    resumed = read(out, "trials.csv")
    pd.testing.assert_frame_equal(resumed.head(5).drop(columns="plan"), first.drop(columns="plan"))
    journal = open_study(out, load_spec(spec)[0])
    kept = {plan_key(t.user_attrs["plan"]) for t in complete_trials(journal)[:5]} - {plan_key([])}
    assert runs and not kept & {key for key, r in runs if r < 2}  # finished trials were not run again
    for name in RESULTS:  # the same as a study run straight through
        assert (out / name).read_bytes() == (study / name).read_bytes(), name


def test_a_study_of_another_spec_is_not_continued(capsys, study, tmp_path):
    before = {name: (study / name).read_bytes() for name in (*RESULTS, "spec.json", "optimise.journal")}
    line = refused(capsys, tmp_path, [str(write_spec(tmp_path, replicates=3))], study)
    assert f"{study / 'spec.json'}: replicates = 2, this spec has replicates = 3: a study of another spec is not " \
           "continued" in line
    line = refused(capsys, tmp_path, [str(write_spec(tmp_path)), "n_accounts=400"], study)
    assert f"{study / 'spec.json'}: base = " in line
    assert before == {name: (study / name).read_bytes() for name in before}  # the refused commands touched nothing


# ---- no feasible plan ------------------------------------------------------------------------------------------
def test_no_feasible_plan_writes_an_empty_pareto_and_exits_1(capsys, tmp_path):
    levers = {"service_guarantee": {"optional": False, "params": {"service_boost": [0.05, 0.3]}}}
    spec = write_spec(tmp_path, levers=levers, budget=0, trials=4, risk={"cvar": 0.5})
    with pytest.raises(SystemExit) as stop:
        main([str(spec), "--out", str(tmp_path / "out")])
    assert stop.value.code == NO_FEASIBLE_PLAN == 1
    assert "no plan of the 4 trials met the constraints (mean cost ≤ 0 k€ and retention ≥ 0.5)" in \
           capsys.readouterr().out
    plans, trials = read(tmp_path / "out", "pareto.csv"), read(tmp_path / "out", "trials.csv")
    assert plans.empty and {"cvar", "cvar_level", "strategy_cost_total_mean"} <= set(plans.columns)
    assert len(trials) == 4 and not trials["feasible"].any() and (trials["strategy_cost_total_mean"] > 0).all()
    assert read(tmp_path / "out", "pareto_check.csv").empty and not (tmp_path / "out" / "strategy").exists()


# ---- memory ----------------------------------------------------------------------------------------------------
def test_an_optimisation_frees_every_model(built, tmp_path):  # noqa: F811
    optimise(write_spec(tmp_path, trials=4, risk={"cvar": 0.5}), tmp_path / "out", **QUIET)
    assert len(built) >= 2 * 2 and _none_alive(built)  # the baseline's and the plans' runs, all gone
