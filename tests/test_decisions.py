"""The decision figures of a report (issue 15, point 2) on a sweep whose answer is known.

A synthetic sweep of 400 replicates: θ and φ are drawn per replicate (uniform on [0, 1]); every strategy shares the
replicate's world noise ε (sd 1); A's value is 10 (θ − ½) + ε + η, B's 1 + ε + η, baseline's ε, with a small
strategy-own noise η (sd 0.3). Without information B is best (mean 1 against 0); knowing θ, A is chosen when
10 (θ − ½) > 1: EVPPI(θ) = ∫_{0.6}^{1} (10 θ − 6) dθ = 0.8, and φ is worth nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from churnsim.report.compare import summary_table
from churnsim.report.decisions import decision_columns, voi_table
from churnsim.report.load import Sweep

N = 400


def _sweep() -> Sweep:
    gen = np.random.Generator(np.random.PCG64(11))
    theta, phi, world = gen.random(N), gen.random(N), gen.normal(0, 1, N)
    values = {"baseline": world, "A": 10 * (theta - 0.5) + world + gen.normal(0, 0.3, N),
              "B": 1 + world + gen.normal(0, 0.3, N)}
    rows = []
    for strategy, value in values.items():
        for r in range(N):
            rows.append({"job": f"{strategy}/{r}", "status": "complete", "market": "m", "competitors": "c",
                         "strategy": strategy, "seed": 0, "replicate": r, "value_total": value[r],
                         "strategy_cost_total": 0.0 if strategy == "baseline" else 1.0,
                         "customer_retention_annual": 0.8, "uncertainty.market.x.theta": theta[r],
                         "uncertainty.market.x.phi": phi[r]})
    return Sweep(Path("."), pd.DataFrame(rows), ["market", "competitors"],
                 ["value_total", "strategy_cost_total", "customer_retention_annual"])


@pytest.fixture(scope="module")
def sweep() -> Sweep:
    return _sweep()


def test_probabilities_of_beating_baseline_and_of_being_best(sweep):
    table = decision_columns(summary_table(sweep), sweep).set_index("strategy")
    assert table.loc["B", "p_beats_baseline"] == 1.0 and table.loc["baseline", "p_beats_baseline"] == 0.0
    # P(A beats baseline) = P(10 (θ − ½) + η > 0) = ½; 400 replicates: binomial sd 0.025, so ±0.1 is 4 sd
    assert table.loc["A", "p_beats_baseline"] == pytest.approx(0.5, abs=0.1)
    assert table.loc["A", "p_beats_baseline.ci_low"] < 0.5 < table.loc["A", "p_beats_baseline.ci_high"]
    # A is best when θ > 0.6 (η blurs the edge): 0.4; B otherwise; baseline never (it is below B by 1 ± 0.3)
    assert table.loc["A", "p_best"] == pytest.approx(0.4, abs=0.1)
    assert table[["p_best"]].sum().item() == pytest.approx(1.0) and table.loc["baseline", "p_best"] < 0.01


def test_the_assumptions_explain_the_spread_of_a_strategy_that_depends_on_them(sweep):
    table = decision_columns(summary_table(sweep), sweep).set_index("strategy")
    # A's Δ value: variance 100/12 ≈ 8.3 from θ against 0.09 from η: R² ≈ 0.99; B's Δ is η only: R² ≈ 0
    assert table.loc["A", "delta_share_assumptions"] > 0.95
    assert table.loc["B", "delta_share_assumptions"] < 0.05
    assert np.isnan(table.loc["baseline", "delta_share_assumptions"])


def test_evppi_finds_the_parameter_that_decides_and_not_the_one_that_does_not(sweep):
    voi = voi_table(sweep).set_index("parameter")
    # the spline fit's error at 400 replicates is a few hundredths; 0.15 leaves room
    assert voi.loc["market.x.theta", "evppi"] == pytest.approx(0.8, abs=0.15)
    assert voi.loc["market.x.phi", "evppi"] < voi.loc["market.x.phi", "evppi_noise_floor"]
    assert voi.loc["market.x.theta", "evppi"] > 5 * voi.loc["market.x.theta", "evppi_noise_floor"]
    assert voi.loc["all (linear)", "evppi"] == pytest.approx(0.8, abs=0.25)  # a linear fit of a linear truth
    assert (voi["n_replicates"] == N).all()


def test_without_draws_there_is_no_value_of_information_and_no_share():
    sweep = _sweep()
    sweep.jobs = sweep.jobs.drop(columns=["uncertainty.market.x.theta", "uncertainty.market.x.phi"])
    assert voi_table(sweep).empty
    table = decision_columns(summary_table(sweep), sweep)
    assert table["delta_share_assumptions"].isna().all() and table["p_best"].notna().all()
