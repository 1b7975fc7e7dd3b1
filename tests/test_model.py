"""Integration of the mechanisms: reproducibility, common random numbers, conservation, money."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small_config

from churnsim.core.config import ConfigError, StrategyConfig
from churnsim.core.hydra_schemas import load_config
from churnsim.core.rng import RandomStreams
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan
from churnsim.engine.run import simulate
from churnsim.engine.sizing import sized


def test_same_config_and_seed_give_identical_outputs():
    a, b = simulate(small_config()), simulate(small_config())
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert a.summary == b.summary


def test_another_seed_gives_another_market():
    a, b = simulate(small_config()), simulate(small_config(seed=1))
    assert a.summary["revenue_total"] != b.summary["revenue_total"]


def test_replicates_differ_but_strategies_share_replicate_seeds():
    base = MarketModel(make_plan(small_config(replicate=3)))
    surveyed = small_config(replicate=3, strategy=StrategyConfig("s", [{"kind": "satisfaction_survey"}]))
    survey = MarketModel(make_plan(surveyed))
    assert base.run_seed == survey.run_seed != MarketModel(make_plan(small_config(replicate=4))).run_seed
    np.testing.assert_array_equal(base.accounts.size0, survey.accounts.size0)


class _LoggingStreams(RandomStreams):
    """Records the key of every (stream, month) drawn per slot: the key fixes every draw of that stream-month."""

    def __init__(self, seed):
        super().__init__(seed)
        self.log = {}

    def key(self, stream, month):
        out = super().key(stream, month)
        self.log.setdefault((stream, month), out)
        return out


def _draws(cfg):
    model = MarketModel(make_plan(cfg))
    model.streams = model.market.streams = _LoggingStreams(model.run_seed)
    model.run()
    return model.streams.log


def test_turning_a_strategy_on_leaves_unrelated_draws_unchanged():
    survey = StrategyConfig("survey", [{"kind": "satisfaction_survey", "interval_months": 1}])
    base, treated = _draws(small_config()), _draws(small_config(strategy=survey))
    own = {key for key in treated if key[0].startswith("strategy.")}
    assert own, "the survey draws from its own streams"
    assert set(treated) - own == set(base)
    for key, draws in base.items():
        assert draws == treated[key], key


def test_accounts_are_conserved_and_shares_sum_to_one():
    result = simulate(small_config(months=24))
    monthly, events, accounts = (result.tables[k] for k in ("monthly", "events", "accounts"))
    per_month = monthly.groupby("month")
    np.testing.assert_allclose(per_month["market_share"].sum(), 1.0)
    np.testing.assert_allclose(per_month["revenue_share"].sum(), 1.0)
    last = monthly[monthly["month"] == monthly["month"].max()]
    assert last["active_accounts"].sum() == (accounts["status"] == "active").sum()
    exits = events[events["event"] == "exit"]
    assert len(exits) == (accounts["end_month"] >= 0).sum()
    switches = events[events["event"] == "switch"]
    assert switches["account"].value_counts().sum() == accounts["n_switches"].sum()
    focal = monthly[monthly["is_focal"]]
    start = focal["active_accounts"].iloc[0] - focal["acquisitions"].iloc[0] + focal["departures"].iloc[0]
    assert start + focal["acquisitions"].sum() - focal["departures"].sum() == focal["active_accounts"].iloc[-1]


def test_money_adds_up_every_month():
    monthly = simulate(small_config(strategy=StrategyConfig("c", [{"kind": "contracts"}]))).tables["monthly"]
    # the contracts' discounts are strategy cost (concessions) that revenue already lacks: profit counts them once
    costs = monthly[["cogs", "cost_to_serve", "strategy_cost", "acquisition_cost"]].sum(axis=1) - monthly["concessions"]
    np.testing.assert_allclose(monthly["profit"], monthly["revenue"] - costs, rtol=1e-12)
    focal = monthly[monthly["is_focal"]]
    assert (focal["concessions"] > 0).any() and (monthly["concessions"][~monthly["is_focal"]] == 0).all()
    assert (monthly["revenue"] > 0).all() and (monthly["strategy_cost"][monthly["is_focal"]] >= 0).all()


def test_every_departure_has_a_reason_and_events_agree_with_monthly():
    result = simulate(small_config(months=24))
    monthly, events = result.tables["monthly"], result.tables["events"]
    gone = events[events["event"].isin(["switch", "exit"])]
    assert gone["reason"].notna().all()
    counts = gone.groupby(["month", "from_supplier"], observed=False).size()
    expected = monthly.set_index(["month", "supplier"])["departures"]
    pd.testing.assert_series_equal(counts.reindex(expected.index, fill_value=0), expected, check_names=False)
    assert (gone["controllable"] == (gone["event"] == "switch")).all()


@pytest.mark.parametrize("competitors", ["price_war", "aggressive_poacher"])
def test_competitor_scenarios_take_customers(competitors):
    from churnsim.core.config import CompetitorsConfig, PoachingConfig, SupplierConfig

    aggressive = PoachingConfig(offer_rate_per_month=0.02, offer_discount=0.15, rep_court_rate_per_month=0.05)
    if competitors == "price_war":
        aggressive = PoachingConfig(price_cut=0.15)
    rivals = [SupplierConfig(name="rival_a", initial_share=0.4, poaching=aggressive),
              SupplierConfig(name="rival_b", initial_share=0.3)]
    calm = simulate(small_config(n_accounts=3000, months=24)).summary
    hot = simulate(small_config(n_accounts=3000, months=24, competitors=CompetitorsConfig(competitors, rivals)))
    assert hot.summary["customer_retention_annual"] < calm["customer_retention_annual"]
    if competitors == "aggressive_poacher":
        moves = hot.tables["events"].query("event == 'rep_move'")
        assert (moves["reason"] == "poached").any()
        assert "competitor_offer" in hot.summary["churn_by_reason"]


def test_first_supplier_is_the_supplier_at_month_0_or_at_entry():
    model = MarketModel(make_plan(small_config(months=6)))
    while model.month < 0:
        model.step()
    at_start = np.where(model.accounts.active(), model.accounts.supplier, -1)
    accounts = model.run().tables["accounts"]
    names = [s.name for s in model.suppliers]
    present = accounts[accounts["entry_month"] < 0]
    expected = [names[at_start[a]] for a in present["account"]]
    assert list(present["first_supplier"]) == expected
    entrants = accounts[accounts["entry_month"] >= 0]
    assert len(entrants) > 0 and entrants["first_supplier"].notna().all()


# ---- sizing the market from the focal firm's side (issue 14, point 8) ------------------------------------------

@pytest.mark.parametrize("market", ["generic_b2b", "fader_hardie_regular"])
def test_focal_accounts_sizes_the_market_so_the_focal_firm_holds_that_many_at_month_0(market):
    """The realised count is within 6 % of the request: the pilot's share (20,000 accounts) errs by about 1.3 %
    (one sd) and the run's own count of ~3,000 by about 1.5 %; 6 % is over 2.5 combined sd. fader_hardie_regular
    holds 10 % more than its initial_share weight at month 0, generic_b2b 2.5 % less: both corrected."""
    cfg = load_config([f"market={market}", "focal_accounts=3000", "months=2", "output.tables=[]"])
    planned = sized(cfg)
    assert planned.n_accounts == sized(cfg).n_accounts != cfg.n_accounts  # derived, the same every time
    summary = simulate(cfg).summary
    assert summary["focal_accounts_start"] == pytest.approx(3000, rel=0.06)
    assert summary["market_accounts_start"] > summary["focal_accounts_start"]


def test_the_summary_counts_the_accounts_at_month_0():
    result = simulate(small_config(months=3))
    monthly = result.tables["monthly"]
    month0 = monthly[monthly["month"] == 0]
    # month 0's row counts the accounts at its end; the summary counts those at its start: entries and exits apart
    start, end = result.summary["market_accounts_start"], int(month0["active_accounts"].sum())
    assert abs(start - end) <= int(month0["acquisitions"].sum() + month0["departures"].sum())
    assert result.summary["focal_accounts_start"] > 0


def test_a_focal_firm_with_no_account_at_month_0_cannot_be_sized():
    with pytest.raises(ConfigError, match="focal_accounts = 500: the focal firm holds no account at month 0"):
        sized(load_config(["focal_accounts=500", "market.focal.initial_share=1e-9", "burn_in_months=0",
                           "months=1"]))
