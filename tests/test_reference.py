"""The per-account Mesa reference path makes the same decisions as the vectorised path."""

from __future__ import annotations

import pandas as pd
from conftest import small_config

from churnsim.config import CompetitorsConfig, PoachingConfig, StrategyConfig, SupplierConfig
from churnsim.model import simulate


def _busy_market():
    """A small market where every trigger fires: offers, courted salespeople, contracts ending, a survey."""
    poacher = PoachingConfig(offer_rate_per_month=0.03, offer_discount=0.15, rep_court_rate_per_month=0.05)
    rivals = [SupplierConfig(name="rival_a", initial_share=0.4, poaching=poacher),
              SupplierConfig(name="rival_b", initial_share=0.3, brand=0.3)]
    strategy = StrategyConfig("mix", [{"kind": "contracts", "term_months": 6}, {"kind": "satisfaction_survey"}])
    return small_config(n_accounts=800, months=18, competitors=CompetitorsConfig("busy", rivals), strategy=strategy)


def test_reference_path_gives_the_same_decisions():
    fast = simulate(_busy_market())
    slow = simulate(_busy_market(), reference=True)
    events = fast.tables["events"]
    assert (events["event"] == "switch").sum() > 50, "the comparison needs decisions to compare"
    assert events["reason"].isin(["competitor_offer"]).any()
    for name in fast.tables:
        pd.testing.assert_frame_equal(fast.tables[name], slow.tables[name])
    assert fast.summary == slow.summary


def test_reference_views_are_mesa_agents_that_leave_no_trace():
    from churnsim.model import MarketModel

    model = MarketModel(_busy_market(), reference=True)
    before = len(model.agents)
    model.step()
    assert len(model.agents) == before
    view = model.account(0)
    assert view.tier in ("key", "regular", "small") and view.unique_id is not None
    view.remove()
