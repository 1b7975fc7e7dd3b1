"""Every component of the strategy catalogue changes what its docstring says, for the accounts it covers only,
and costs what it should. Each test runs a small market to month 0, then calls the component once directly."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_config

from churnsim.core.codes import TIERS
from churnsim.core.config import CompetitorsConfig, PoachingConfig, SupplierConfig
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan
from churnsim.engine.run import simulate
from churnsim.mechanisms.choice import money_lost_months
from churnsim.mechanisms.pricing import shares_off_of
from churnsim.strategies import build_components

KEY = TIERS.index("key")


@pytest.fixture
def model() -> MarketModel:
    poacher = PoachingConfig(offer_rate_per_month=0.05, offer_discount=0.12)
    rivals = [SupplierConfig(name="rival_a", initial_share=0.4, poaching=poacher),
              SupplierConfig(name="rival_b", initial_share=0.3)]
    m = MarketModel(make_plan(small_config(n_accounts=2000, competitors=CompetitorsConfig("poacher", rivals))))
    while m.month < 1:  # month 1: not a redemption or survey month
        m.step()
    m.strategies_act()  # this month's offers are on the table, terms reset
    return m


def _component(kind: str, **params):
    (component,) = build_components([{"kind": kind, **params}])
    return component


def _copy(model, *names):
    return {n: getattr(model.accounts, n).copy() for n in names}


def test_deep_communication_builds_firm_relationships_notices_and_fixes(model):
    c = _component("deep_communication", visits_per_month=0.5, wake_up=0.05)
    before = _copy(model, "rc_firm", "rc_rep", "at_risk", "complaint_weight")
    covered = c.covered(model.market, 0)
    cost = c.act(model.market, 0)
    acc = model.accounts
    visited = covered & (c.uniform(model.market, "visit") < 0.5)
    gap = 1 - before["rc_firm"] - before["rc_rep"]
    np.testing.assert_allclose(acc.rc_firm[visited], before["rc_firm"][visited] + 0.1 * gap[visited], rtol=1e-6)
    np.testing.assert_array_equal(acc.rc_firm[~visited], before["rc_firm"][~visited])
    assert np.all(acc.tier[visited] == KEY)
    noticed = acc.at_risk & ~before["at_risk"]
    assert np.all(visited[noticed]) and np.all(acc.satisfaction[noticed] < 0)
    np.testing.assert_allclose(acc.wake_hazard[visited], 0.05)
    assert np.all(acc.wake_hazard[~visited] == 0)
    assert cost == pytest.approx(c.cost_fixed_per_month + c.cost_per_account_month * covered.sum())


def test_alignment_fits_quality_and_innovates(model):
    c = _component("alignment", tiers=["key", "regular"], fit_bonus=0.05, innovation_boost_per_month=0.01)
    model.market.product_value[0] = 0.9
    covered = c.covered(model.market, 0)
    cost = c.act(model.market, 0)
    np.testing.assert_allclose(model.accounts.quality_bonus[covered], 0.05)
    assert np.all(model.accounts.quality_bonus[~covered] == 0)
    assert model.suppliers[0].product_value == pytest.approx(0.91)
    assert cost == pytest.approx(c.cost_fixed_per_month + c.cost_per_account_month * covered.sum())


@pytest.mark.parametrize(("kind", "params", "term", "value"), [
    ("quality_guarantee", {"incident_factor": 0.4}, "incident_factor", 0.4),
    ("service_guarantee", {"service_boost": 0.3}, "service_boost", 0.3),
    ("logistics_guarantee", {"logistics_boost": 0.04}, "logistics_boost", 0.04),
    ("premium_service", {"service_boost": 0.25}, "service_boost", 0.25),
    ("premium_service", {"incident_factor": 0.6}, "incident_factor", 0.6),
])
def test_guarantees_set_the_terms_of_covered_accounts_only(model, kind, params, term, value):
    c = _component(kind, **params)
    covered = c.covered(model.market, 0)
    default = getattr(model.accounts, term)[~covered].copy()
    cost = c.act(model.market, 0)
    np.testing.assert_allclose(getattr(model.accounts, term)[covered], value, rtol=1e-6)
    np.testing.assert_array_equal(getattr(model.accounts, term)[~covered], default)
    assert cost == pytest.approx(c.cost_fixed_per_month + c.cost_per_account_month * covered.sum())


def test_value_guarantee_matches_rival_offers_to_key_accounts(model):
    acc = model.accounts
    c = _component("value_guarantee", max_discount=0.1, match_months=6)
    offered = c.covered(model.market, 0) & (acc.offer_from > 0)
    assert offered.sum() > 0, "the poacher targets large accounts: some key accounts have an offer"
    cost = c.act(model.market, 0)
    np.testing.assert_allclose(acc.promo_discount[offered], 0.1)  # capped at max_discount (offer is 12 %)
    assert np.all(acc.promo_end[offered] == model.month + 5)
    np.testing.assert_allclose(shares_off_of(acc, np.flatnonzero(offered), model.month), 0.1)
    assert cost == pytest.approx(c.cost_per_action * offered.sum())


def test_loyalty_rewards_accrue_redeem_and_cost_their_face_value(model):
    acc = model.accounts
    c = _component("loyalty_rewards", accrual_months_per_month=0.03, redeem_every_months=12)
    covered = c.covered(model.market, 0)
    revenue = model.market.revenue(np.flatnonzero(covered)).sum()
    cost = c.act(model.market, 0)
    np.testing.assert_allclose(acc.points_months[covered], 0.03)
    assert cost == pytest.approx(0.03 * revenue)
    model.month = 12  # a redemption month: the balance restarts
    acc.points_months[covered] = 0.5
    c.act(model.market, 0)
    np.testing.assert_allclose(acc.points_months[covered], 0.03)
    assert money_lost_months(acc, np.flatnonzero(covered), 12).min() >= 0.03 - 1e-6


def test_bundling_signs_accounts_who_then_lose_bundle_advantages_by_switching(model):
    acc = model.accounts
    c = _component("bundling", p_accept_per_month=0.5, bundle_months=2.0, discount=0.03)
    covered = c.covered(model.market, 0)
    joins = covered & (c.uniform(model.market, "accept") < 0.5)
    cost = c.act(model.market, 0)
    np.testing.assert_array_equal(acc.bundle_months > 0, joins)
    slots = np.flatnonzero(joins)
    np.testing.assert_allclose(shares_off_of(acc, slots, model.month), np.maximum(acc.discount[slots], 0.03))
    assert np.all(money_lost_months(acc, slots, model.month) >= 2.0)
    assert cost == pytest.approx(c.cost_per_action * joins.sum())


def test_tiered_service_boosts_by_tier_and_costs_by_tier(model):
    acc = model.accounts
    c = _component("tiered_service", service_boost=[0.2, 0.0, -0.1], cost_per_key_account=1.0,
                   cost_per_regular_account=0.1, cost_per_small_account=-0.05)
    covered = c.covered(model.market, 0)
    n = np.bincount(acc.tier[covered], minlength=3)
    cost = c.act(model.market, 0)
    for tier, boost in enumerate([0.2, 0.0, -0.1]):
        np.testing.assert_allclose(acc.service_boost[covered & (acc.tier == tier)], boost, atol=1e-7)
    assert cost == pytest.approx(1.0 * n[0] + 0.1 * n[1] - 0.05 * n[2])


def test_relationship_redundancy_moves_rep_owned_capital_to_the_firm(model):
    acc = model.accounts
    c = _component("relationship_redundancy", transfer_per_month=0.25)
    covered = c.covered(model.market, 0)
    before = _copy(model, "rc_firm", "rc_rep")
    c.act(model.market, 0)
    np.testing.assert_allclose(acc.rc_rep[covered], 0.75 * before["rc_rep"][covered], rtol=1e-6)
    np.testing.assert_allclose(acc.rc_firm + acc.rc_rep, before["rc_firm"] + before["rc_rep"], rtol=1e-6)
    np.testing.assert_array_equal(acc.rc_rep[~covered], before["rc_rep"][~covered])


def test_employee_loyalty_lifts_morale_target_and_pays_every_rep(model):
    c = _component("employee_loyalty", morale_lift=0.7, cost_per_rep=0.5)
    cost = c.act(model.market, 0)
    assert model.suppliers[0].morale_target == 0.7 and model.suppliers[1].morale_target == 0.0
    assert cost == pytest.approx(0.5 * np.sum(model.reps.employer == 0))


def test_win_back_offers_to_recently_lost_accounts_only(model):
    acc = model.accounts
    c = _component("win_back", p_approach=1.0, discount=0.07, window_months=24)
    lost = acc.active() & (acc.left_supplier == 0) & (acc.supplier != 0)
    assert lost.sum() > 0
    cost = c.act(model.market, 0)
    assert np.all(acc.offer_from[lost] == 0)
    np.testing.assert_allclose(acc.offer_discount[lost], 0.07)
    assert np.all(acc.supplier[acc.offer_from == 0] != 0)
    assert cost == pytest.approx(c.cost_per_action * lost.sum())


def test_targeting_at_risk_only_narrows_coverage(model):
    acc = model.accounts
    acc.at_risk[:] = False
    acc.at_risk[np.flatnonzero(acc.active() & (acc.supplier == 0))[:7]] = True
    c = _component("service_guarantee", at_risk_only=True)
    assert c.covered(model.market, 0).sum() == 7


def test_wake_up_raises_churn_of_contacted_accounts():
    # A monthly survey of everyone with a strong wake-up effect, against the same survey without it; the common
    # random numbers make the comparison paired, so a 0.5 wake-up (a large effect) shows at this size.
    def churn(wake_up):
        strategy = {"kind": "satisfaction_survey", "interval_months": 1, "sample_share": 1.0, "wake_up": wake_up}
        cfg = small_config(n_accounts=3000, months=24)
        cfg.strategy.components = [strategy]
        return simulate(cfg).summary["annual_churn_rate"]

    assert churn(0.5) > churn(0.0) * 1.1


def _price_war(model, cuts, enters=None):
    """Put the suppliers of ``model`` in a price war with list-price ``cuts`` from now on (``enters``: months)."""
    sup = model.market.suppliers
    sup.price_cut[:] = cuts
    sup.price_cut_from_month[:] = 0
    sup.price_cut_until_month[:] = 1 << 30
    if enters is not None:
        sup.enters_at_month[:] = enters


def test_price_response_matches_a_share_of_the_deepest_present_rivals_cut_for_covered_accounts(model):
    acc = model.accounts
    _price_war(model, [0.5, 0.1, 0.25])  # the owner's own cut (0.5) is not a rival's
    c = _component("price_response", tiers=["key"], fraction=0.5, max_discount=0.3, cost_per_action=0.01)
    covered = c.covered(model.market, 0)
    others = acc.active() & ~covered
    cost = c.act(model.market, 0)
    np.testing.assert_allclose(acc.match_discount[covered], 0.125)  # half of rival_b's 25 %
    assert np.all(acc.match_by[covered] == model.market.acting) and np.all(acc.match_discount[others] == 0)
    assert np.all(acc.tier[covered] == KEY) and covered.sum() > 0
    assert cost == pytest.approx(0.01 * covered.sum())

    model.accounts.reset_terms()
    _price_war(model, [0.5, 0.1, 0.25], enters=[0, 0, 99])  # rival_b is not in the market yet: rival_a's 10 %
    c.act(model.market, 0)
    np.testing.assert_allclose(acc.match_discount[covered], 0.05)
    capped = _component("price_response", fraction=1.0, max_discount=0.08)
    capped.act(model.market, 0)
    np.testing.assert_allclose(acc.match_discount[capped.covered(model.market, 0)], 0.08)


def test_price_response_gives_nothing_outside_its_window_or_without_a_rival_cut(model):
    acc = model.accounts
    _price_war(model, [0.0, 0.2, 0.0])
    for window in ({"from_month": model.month + 1}, {"until_month": model.month}):
        before = acc.match_discount.copy()
        assert _component("price_response", **window).run_month(model.market, 0)[1]["accounts_matched"] == 0
        np.testing.assert_array_equal(acc.match_discount, before)
    _price_war(model, [0.3, 0.0, 0.0])  # only the owner cuts
    assert _component("price_response").run_month(model.market, 0)[1]["accounts_matched"] == 0


def test_price_response_window_must_hold_a_month():
    from churnsim.core.config import ConfigError

    cfg = small_config()
    cfg.strategy.components = [{"kind": "price_response", "from_month": 6, "until_month": 6}]
    with pytest.raises(ConfigError, match=r"until_month = 6: must be after from_month \(6\)"):
        make_plan(cfg)


def test_price_match_keeps_accounts_through_a_price_war_and_pays_for_it_in_concessions():
    # A whole run: a 15 % war from month 0 to month 8 against a match of the full cut for every account, and one for
    # key accounts only. Same seed, so the runs are paired; the match removes the rivals' price advantage, so fewer
    # accounts leave for price (a large effect at 3,000 accounts: baseline loses dozens to price in the war).
    def run(components):
        cfg = small_config(n_accounts=3000, months=12)
        cfg.competitors = CompetitorsConfig("war", [
            SupplierConfig(name="rival_a", initial_share=0.4, poaching=PoachingConfig(price_cut=0.15)),
            SupplierConfig(name="rival_b", initial_share=0.3, poaching=PoachingConfig(price_cut=0.15))])
        for rival in cfg.competitors.rivals:
            rival.poaching.price_cut_until_month = 8
        cfg.strategy.components = components
        return simulate(cfg)

    base = run([])
    full = run([{"kind": "price_response"}])
    key = run([{"kind": "price_response", "tiers": ["key"]}])
    lost = lambda r: r.summary["churn_by_reason"].get("price", 0)  # noqa: E731
    assert lost(full) < 0.5 * lost(base)
    s = full.summary
    assert s["strategy_concessions"] == pytest.approx(s["strategy_cost"]) and s["strategy_cost"] > 0
    monthly = full.tables["monthly"][full.tables["monthly"].is_focal]
    assert (monthly.concessions[monthly.month >= 8] == 0).all()  # the match ends with the war
    assert (monthly.concessions[monthly.month < 8] > 0).all()
    assert 0 < key.summary["strategy_concessions"] < s["strategy_concessions"]
    acted = key.summary["strategy_actions_by_component"]["price_response"]
    assert 0 < acted["accounts_matched"] < acted["covered_account_months"]  # the war covers 8 of the 12 months


def test_sales_watch_flags_accounts_whose_sales_fall_below_their_reference(model):
    acc = model.accounts
    acc.at_risk[:] = False
    c = _component("sales_watch", drop_share=0.1, memory_months=3, cost_fixed_per_month=2.0, cost_per_alert=0.5)
    covered = c.covered(model.market, 0)
    mine = np.flatnonzero(covered)[:4]
    sales = acc.volume[mine].astype(np.float64)  # one supplier per account: its whole volume
    # no reference yet; 15 % below; 5 % below; 15 % below but believed at risk already
    acc.sales_reference[mine] = [0.0, sales[1] / 0.85, sales[2] / 0.95, sales[3] / 0.85]
    acc.at_risk[mine[3]] = True
    before = acc.sales_reference.copy()
    cost = c.act(model.market, 0)
    assert acc.at_risk[mine].tolist() == [False, True, False, True]
    assert acc.at_risk.sum() == 2  # every other covered account's sales are at their reference (0: none yet)
    weight = 2 / (3 + 1)
    np.testing.assert_allclose(acc.sales_reference[mine[0]], sales[0], rtol=1e-6)  # starts at this month's sales
    known = before[mine[1:]]
    np.testing.assert_allclose(acc.sales_reference[mine[1:]], known + weight * (sales[1:] - known), rtol=1e-6)
    np.testing.assert_array_equal(acc.sales_reference[~covered], before[~covered])  # rivals' accounts untouched
    assert cost == pytest.approx(2.0 + 0.5 * 1)  # one alert: the account already at risk is not one
