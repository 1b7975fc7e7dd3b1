"""Value after the horizon (issue 14, point 5): the terminal value's rule, and one value measure in a whole run."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_config

from churnsim.core.config import StrategyConfig
from churnsim.engine.run import simulate
from churnsim.mechanisms.valuation import retention_per_month, terminal_value


def test_terminal_value_is_the_retained_discounted_margin_over_the_horizon():
    margin, spending, concession = np.array([10.0, 4.0, -1.0]), 0.5, np.array([1.0, 0.0, 0.0])
    segment, retention = np.array([0, 1, 1]), np.array([0.9, 0.5])
    # no discounting: a geometric sum, s (1 − s^H) / (1 − s) months of margin
    undiscounted = terminal_value(margin, spending, concession, segment, retention, months=12, horizon_months=24,
                                  rate_per_year=0.0)
    months = (retention * (1 - retention**24) / (1 - retention))[segment]
    np.testing.assert_allclose(undiscounted.per_account, margin * months, rtol=1e-12)
    assert undiscounted.value == pytest.approx(((margin - spending) * months).sum(), rel=1e-12)
    assert undiscounted.strategy_cost == pytest.approx(((spending + concession) * months).sum(), rel=1e-12)
    # discounted from month 0: the first valued month is the month after the last reported one
    one = terminal_value(np.array([1.0]), 0.0, np.array([0.0]), np.array([0]), np.array([1.0]), months=12,
                         horizon_months=1, rate_per_year=0.1)
    assert one.value == pytest.approx(1.1 ** -1.0, rel=1e-12)
    assert terminal_value(margin, spending, concession, segment, retention, 12, 0, 0.1).value == 0.0


def test_retention_per_month_counts_the_accounts_at_risk():
    np.testing.assert_allclose(retention_per_month(np.array([1, 0, 0]), np.array([9, 5, 0])), [0.9, 1.0, 1.0])


def test_a_strategy_that_only_costs_money_loses_exactly_its_cost_in_both_value_measures():
    # It covers nobody (no tier), so nothing in the market changes; it still pays 5 k€ a month. Every account keeps
    # its fate, so the value lost is the cost: in the reported months and, as the strategy keeps running, after.
    base = simulate(small_config()).summary
    idle = simulate(small_config(strategy=StrategyConfig("idle", [
        {"kind": "quality_guarantee", "tiers": [], "cost_fixed_per_month": 5.0}]))).summary
    assert idle["strategy_cost"] == pytest.approx(5.0 * 12)
    assert idle["net_profit_npv"] - base["net_profit_npv"] == pytest.approx(-idle["strategy_cost_npv"], rel=1e-9)
    assert idle["value_total"] - base["value_total"] == pytest.approx(-idle["strategy_cost_total"], rel=1e-9)
    assert idle["strategy_cost_total"] > idle["strategy_cost_npv"] > 0
    assert idle["retention_monthly_by_tier"] == base["retention_monthly_by_tier"]


def test_value_total_adds_the_terminal_value_and_the_horizon_sets_it():
    def run(horizon: int, rate: float = 0.1) -> dict:
        cfg = small_config()
        cfg.market.terminal_horizon_months, cfg.market.discount_rate_per_year = horizon, rate
        return simulate(cfg).summary

    none, five, ten = run(0), run(60), run(120)
    assert none["terminal_value"] == 0 and none["value_total"] == none["net_profit_npv"]
    assert five["value_total"] == five["net_profit_npv"] + five["terminal_value"]
    assert 0 < five["terminal_value"] < ten["terminal_value"]
    assert run(60, rate=0.0)["terminal_value"] > five["terminal_value"]
    assert all(0 < r <= 1 for r in five["retention_monthly_by_tier"].values())


def test_the_accounts_values_add_up_to_the_firms_value_before_acquisition_costs():
    # Without a strategy, the focal firm's value is its accounts' margins (over the run and after it) less what it
    # paid to win accounts: Σ value_focal = value_total + the present value of acquisition costs.
    cfg = small_config()
    result = simulate(cfg)
    monthly, accounts, summary = result.tables["monthly"], result.tables["accounts"], result.summary
    focal = monthly[monthly["is_focal"]]
    acquisition = (focal["acquisition_cost"] * 1.1 ** (-focal["month"] / 12.0)).sum()
    assert cfg.market.discount_rate_per_year == 0.1 and acquisition > 0
    assert accounts["value_focal"].sum() == pytest.approx(summary["value_total"] + acquisition, rel=1e-9)
    held = accounts[(accounts["status"] == "active") & (accounts["last_supplier"] == "focal")]
    assert (accounts.loc[~accounts.index.isin(held.index) & (accounts["revenue_focal"] == 0), "value_focal"] == 0).all()
    assert held["value_focal"].sum() > summary["terminal_value"]  # their margin in the run, then after it
