"""The per-account Mesa reference path makes the same decisions as the vectorised path."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import small_config

from churnsim.core.config import (
    CompetitorsConfig,
    ParallelTradingConfig,
    PoachingConfig,
    StrategyConfig,
    SupplierConfig,
    ThreatsConfig,
)
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan
from churnsim.engine.run import simulate


def _busy_market():
    """A small market where every trigger fires: offers, courted salespeople, contracts ending, a survey."""
    poacher = PoachingConfig(offer_rate_per_month=0.03, offer_discount=0.15, rep_court_rate_per_month=0.05)
    rivals = [SupplierConfig(name="rival_a", initial_share=0.4, poaching=poacher),
              SupplierConfig(name="rival_b", initial_share=0.3, brand=0.3)]
    strategy = StrategyConfig("mix", [{"kind": "contracts", "term_months": 6}, {"kind": "satisfaction_survey"}])
    return small_config(n_accounts=800, months=18, competitors=CompetitorsConfig("busy", rivals), strategy=strategy)


def _scenario_market():
    """The busy market with every scenario of DESIGN §3.6 on: a launching entrant, the focal firm's own online
    channel (channel conflict), parallel trading countered by market monitoring, and key accounts' threats."""
    cfg = _busy_market()
    launch = PoachingConfig(offer_rate_per_month=0.03, offer_discount=0.2, rep_court_rate_per_month=0.05)
    cfg.competitors.rivals += [
        SupplierConfig(name="entrant", enters_at_month=5, initial_share=0.2, quality=0.9, poaching=launch),
        SupplierConfig(name="online", enters_at_month=3, initial_share=0.1, price=0.85, service_level=0.4,
                       relationship_selling=0.1, channel_owner="focal", channel_margin_hit=0.05)]
    cfg.market.parallel_trading = ParallelTradingConfig(p_start_per_region_month=0.1, margin_hit=0.15)
    cfg.market.threats = ThreatsConfig(rate_per_month=0.1)
    cfg.strategy.components.append({"kind": "market_monitoring", "p_detect_per_month": 0.3})
    return cfg


@pytest.mark.parametrize("market", [_busy_market, _scenario_market])
def test_reference_path_gives_the_same_decisions(market):
    fast = simulate(market())
    slow = simulate(market(), reference=True)
    events = fast.tables["events"]
    assert (events["event"] == "switch").sum() > 50, "the comparison needs decisions to compare"
    assert events["reason"].isin(["competitor_offer"]).any()
    for name in fast.tables:
        pd.testing.assert_frame_equal(fast.tables[name], slow.tables[name])
    assert fast.summary == slow.summary


def test_the_scenario_market_exercises_every_scenario():
    model = MarketModel(make_plan(_scenario_market()))
    refused = entrant_chosen_early = 0
    while model.month < model.cfg.months:
        model.step()
        refused += int(model.accounts.threat_refused.sum())
        entrant_chosen_early += model.month <= 5 and bool((model.accounts.supplier == 3).any())
    tables = model.recorder.tables()
    switches = tables["events"].query("event == 'switch'")
    assert refused > 10 and model.threat_outcomes[:, 0].sum() > 10
    assert {"start", "stopped"} <= {kind for *_, kind in model.market.trading.log}
    assert entrant_chosen_early == 0 and (switches["to_supplier"] == "entrant").sum() > 5
    assert (switches["to_supplier"] == "online").sum() > 5 and (switches["reason"] == "price").sum() > 5


def test_reference_views_are_mesa_agents_that_leave_no_trace():
    from churnsim.engine.model import MarketModel

    model = MarketModel(make_plan(_busy_market()), reference=True)
    before = len(model.agents)
    model.step()
    assert len(model.agents) == before
    view = model.account(0)
    assert view.tier in ("key", "regular", "small") and view.unique_id is not None
    view.remove()
