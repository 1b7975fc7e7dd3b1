"""The economics of a long relationship (issue 18, point 2): account development, cheaper service, referrals.

Each is off by default (the golden summary, tests/test_golden.py, is unchanged to the bit); here each is switched
on alone in small runs of the same seed, so that what it changes is measured against the run without it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from churnsim.core.config import AccountsConfig, EconomicsConfig
from churnsim.core.hydra_schemas import load_config
from churnsim.engine.run import simulate
from churnsim.mechanisms.economics import develop, refer, serve_factor
from churnsim.state.accounts import new_accounts


def _table(n: int = 6):
    acc = new_accounts(AccountsConfig(), np.zeros(n, np.int32), np.random.Generator(np.random.PCG64(1)))
    acc.status[:] = 1
    acc.supplier[:] = 0
    acc.volume[:] = 10.0
    return acc


def test_an_account_buys_more_the_longer_it_stays_and_starts_again_after_a_switch():
    acc = _table()
    acc.since_month[:] = [0, -11, -23, -59, -119, 0]  # tenure next month: 1, 12, 24, 60, 120, 1 months
    econ = EconomicsConfig(spend_growth_per_year=0.1, spend_growth_years=5)
    live = np.arange(6)
    develop(live, acc, 0, econ)
    expected = 10.0 * 1.1 ** (np.minimum([1, 12, 24, 60, 120, 1], 60) / 12)
    np.testing.assert_allclose(acc.volume, expected, rtol=1e-6)  # capped after five years
    develop(live, acc, 0, econ)  # the same month again: the same volume (set from the base, not compounded twice)
    np.testing.assert_allclose(acc.volume, expected, rtol=1e-6)
    acc.join(np.array([3]), np.array([1]), 1, np.array([0]), np.zeros((1, 3), np.float32))
    assert acc.volume[3] == pytest.approx(10.0, rel=1e-6) and acc.development[3] == 0  # back to its base
    develop(live, acc, 0, EconomicsConfig())  # off: nothing moves
    assert acc.volume[3] == pytest.approx(10.0, rel=1e-6)


def test_the_cost_to_serve_falls_with_tenure_to_its_floor():
    assert serve_factor(0, 0.0, 0.5) == 1.0
    assert serve_factor(240, 0.0, 0.5) == 1.0  # off
    assert serve_factor(12, 0.2, 0.5) == pytest.approx(0.8)
    assert serve_factor(24, 0.2, 0.5) == pytest.approx(0.64)
    assert serve_factor(120, 0.2, 0.5) == 0.5  # the floor


def _run(**economics):
    cfg = load_config(["n_accounts=3000", "months=24", "burn_in_months=12", "output.tables=[monthly]"])
    cfg.market.economics = dataclasses.replace(cfg.market.economics, **economics)
    return simulate(cfg)


@pytest.fixture(scope="module")
def plain():
    return _run()


def test_development_raises_revenue_and_leaves_who_stays_alone(plain):
    grown = _run(spend_growth_per_year=0.1)
    # the same accounts choose the same way (volume does not enter satisfaction or choice) ...
    assert grown.summary["customer_retention_annual"] == pytest.approx(plain.summary["customer_retention_annual"],
                                                                       abs=0.01)
    # ... and buy more: with a mean tenure of a few years, several per cent more revenue
    assert grown.summary["revenue_total"] > 1.03 * plain.summary["revenue_total"]


def test_a_falling_cost_to_serve_lowers_the_ledgers_cost_to_serve_and_raises_profit(plain):
    cheaper = _run(cost_to_serve_decline_per_year=0.2, cost_to_serve_floor=0.5)
    m0, m1 = plain.tables["monthly"], cheaper.tables["monthly"]
    focal0, focal1 = m0[m0["supplier"] == "focal"], m1[m1["supplier"] == "focal"]
    ratio = focal1["cost_to_serve"].sum() / focal0["cost_to_serve"].sum()
    assert 0.5 <= ratio < 0.95  # every account's cost falls with its tenure, never below the floor
    np.testing.assert_array_equal(focal0["revenue"], focal1["revenue"])  # nothing else moved
    assert cheaper.summary["net_profit"] > plain.summary["net_profit"]


def test_referrals_send_entrants_to_the_suppliers_with_delighted_accounts():
    acc = _table(400)
    acc.supplier[:] = np.repeat([0, 1], 200)
    acc.satisfaction[:] = np.where(np.arange(400) < 100, 1.0, -1.0)  # 100 delighted accounts, all of supplier 0
    market = load_config([]).market
    market.economics = EconomicsConfig(referral_rate_per_year=12.0 * 0.5)  # 0.5 a month each
    entering, chosen = np.arange(400, 500), np.full(100, 1, np.int8)  # 100 entrants, all of whom chose supplier 1

    class Streams:  # the entrants' uniforms: evenly spread, so the expected share is met exactly
        @staticmethod
        def uniform_at(stream, month, slots):
            return (np.arange(len(slots)) + 0.5) / len(slots)

    got = refer(entering, chosen, acc, np.arange(400), np.ones(2, bool), Streams, 0, market)
    # 100 delighted × 0.5 a month = 50 expected referrals among 100 entrants: half go to supplier 0; supplier 1, with
    # no delighted account, is referred none and keeps the entrants that chose it
    assert (got == 0).sum() == 50 and (got == 1).sum() == 50
    market.economics = EconomicsConfig()
    assert (refer(entering, chosen, acc, np.arange(400), np.ones(2, bool), Streams, 0, market) == 1).all()


def test_referrals_move_entrants_between_suppliers_without_adding_any(plain):
    referred = _run(referral_rate_per_year=0.5)
    m0, m1 = plain.tables["monthly"], referred.tables["monthly"]
    won = [m[m["supplier"] == "focal"]["acquisitions"].sum() for m in (m0, m1)]
    assert won[0] != won[1]  # the rivals hold 70 % of the accounts, so most referrals go to them
    # entrants are redirected, not created: the market holds as many accounts in its first month with them or not
    first = [m[m["month"] == 0]["active_accounts"].sum() for m in (m0, m1)]
    assert first[0] == first[1]
