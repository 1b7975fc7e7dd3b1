"""The scenarios of DESIGN §3.6 beyond price war and poacher: a new entrant, a direct online channel with channel
conflict, parallel trading (and market monitoring against it), key accounts threatening to leave; and the presets.

Mechanism rules are checked on arrays, as in test_mechanisms.py (deterministic draws, 5-sigma tolerances); each
scenario is then checked in a small market against the same market without it: same seed, so common random
numbers make the comparison paired.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import small_config
from test_mechanisms import assert_binomial, u

from churnsim.core.config import (
    AccountsConfig,
    CompetitorsConfig,
    ConfigError,
    ParallelTradingConfig,
    PoachingConfig,
    StrategyConfig,
    SupplierConfig,
    ThreatsConfig,
    validate,
)
from churnsim.core.hydra_schemas import load_config
from churnsim.core.rng import RandomStreams
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan
from churnsim.engine.run import simulate
from churnsim.mechanisms import channel_conflict, parallel_trading, threats
from churnsim.mechanisms.choice import choose
from churnsim.state.accounts import AccountTable, new_accounts
from churnsim.state.suppliers import SupplierArrays

# ---- mechanisms ----------------------------------------------------------------------------------------------


def test_a_supplier_not_in_the_market_is_never_chosen():
    n = 20_000
    utility = np.tile([0.0, 3.0, 0.5], (n, 1))  # the absent supplier 1 would win most choices
    chosen = choose(utility, u("absent", n), np.array([True, False, True]))
    assert not np.any(chosen == 1)
    assert_binomial(int((chosen == 2).sum()), n, np.exp(0.5) / (1 + np.exp(0.5)))
    np.testing.assert_array_equal(choose(utility, u("absent", n), np.ones(3, bool)), choose(utility, u("absent", n)))


def test_parallel_trading_episodes_start_at_the_rate_run_their_course_and_end():
    regions, k, p = 2000, 3, 0.05
    present = np.array([True, True, False])
    age = parallel_trading.advance(np.zeros((regions, k), np.int32), u("pt", regions * k).reshape(regions, k), p, 3,
                                   present)
    assert set(np.unique(age)) <= {0, 1} and not age[:, 2].any()  # nothing for a supplier not yet in the market
    assert_binomial(int(age[:, :2].sum()), 2 * regions, p)
    never = np.ones((regions, k))  # no new episode can start: only the running ones change
    ages = [age := parallel_trading.advance(age, never, p, 3, present) for _ in range(3)]
    np.testing.assert_array_equal(ages[0], 2 * ages[0].astype(bool))
    np.testing.assert_array_equal(ages[1], 3 * ages[1].astype(bool))
    assert not ages[2].any()  # ended after max_months = 3
    restart = parallel_trading.advance(ages[2], np.zeros((regions, k)), p, 3, present)
    assert restart[:, :2].all()  # a region is free to start again


def test_parallel_trading_hits_only_that_suppliers_accounts_in_that_region():
    age = np.array([[0, 2], [1, 0]])  # region 0: supplier 1; region 1: supplier 0
    region = np.array([0, 0, 1, 1, 1])
    supplier = np.array([0, 1, 0, 1, -1])
    np.testing.assert_allclose(parallel_trading.margin_hit(age, region, supplier, 0.1), [0, 0.1, 0.1, 0, 0])


def test_channel_conflict_hits_the_owners_accounts_while_the_channel_is_present():
    owner, hit = np.array([-1, -1, 0, 0]), np.array([0.0, 0.0, 0.03, 0.02])  # 2 and 3 are channels of supplier 0
    supplier = np.array([0, 1, 2, 3, -1])
    np.testing.assert_allclose(channel_conflict.margin_hit(supplier, owner, hit, np.ones(4, bool)),
                               [0.05, 0, 0, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(channel_conflict.margin_hit(supplier, owner, hit, np.array([1, 1, 0, 1], bool)),
                               [0.02, 0, 0, 0, 0], rtol=1e-6)


def _threat_market(n: int, promo_end: np.ndarray) -> AccountTable:
    acc = new_accounts(AccountsConfig(), np.zeros(n, np.int32), np.random.Generator(np.random.PCG64(1)))
    i = np.arange(n)
    acc.tier[:] = np.where(i % 4 == 0, 0, 1)  # a quarter are key accounts
    acc.promo_end[:] = promo_end
    acc.satisfaction[:] = np.where((i // 4) % 2 == 0, 0.05, -0.1)
    acc.supplier[:] = i % 2
    return acc


def test_threats_come_from_key_accounts_off_terms_at_the_rate_and_rise_with_dissatisfaction():
    n = 40_000
    cfg = ThreatsConfig(rate_per_month=0.02, dissatisfaction_rate=1.0)
    i = np.arange(n)
    # at month 0 some regular accounts are on special terms, no key account
    acc = _threat_market(n, np.where(i % 4 == 1, 5, -1))
    tier, satisfaction = acc.tier.copy(), acc.satisfaction.copy()
    keys = tuple(RandomStreams(8).key(stream, 0) for stream in threats.STREAMS)
    conceded_slots, refused_slots = threats.negotiate(i, acc, np.array([0.3, 0.3]), 0, keys, cfg)
    conceded, refused = np.zeros(n, bool), np.zeros(n, bool)
    conceded[conceded_slots], refused[refused_slots] = True, True
    threat = conceded | refused
    assert not np.any(conceded & refused) and not threat[tier != 0].any()
    happy, unhappy = (tier == 0) & (satisfaction > 0), (tier == 0) & (satisfaction < 0)
    assert_binomial(int(threat[happy].sum()), int(happy.sum()), 1 - np.exp(-0.02))
    assert_binomial(int(threat[unhappy].sum()), int(unhappy.sum()), 1 - np.exp(-(0.02 + 0.1)))
    assert_binomial(int(conceded.sum()), int(threat.sum()), 0.3)
    np.testing.assert_allclose(acc.promo_discount[conceded], cfg.discount)  # the terms a conceded threat wins
    assert np.all(acc.promo_end[conceded] == cfg.months - 1) and np.all(acc.threat_refused == refused)
    on = threats.negotiate(i, _threat_market(n, np.full(n, 3)), np.array([0.3, 0.3]), 0, keys, cfg)
    assert sum(map(len, on)) == 0  # an account already on special terms does not threaten


# ---- configuration -------------------------------------------------------------------------------------------


def _with_rivals(*rivals: SupplierConfig, **kw):
    return small_config(competitors=CompetitorsConfig("test", list(rivals)), **kw)


@pytest.mark.parametrize("rival, message", [
    (SupplierConfig(name="new", enters_at_month=12), "competitors.rivals[1].enters_at_month = 12: must be < months"),
    (SupplierConfig(name="new", enters_at_month=-1), "competitors.rivals[1].enters_at_month = -1: must be ≥ 0"),
    (SupplierConfig(name="new", channel_owner="nobody"), "competitors.rivals[1].channel_owner = 'nobody'"),
    (SupplierConfig(name="new", channel_owner="new"), "competitors.rivals[1].channel_owner = 'new'"),
])
def test_bad_entrant_or_channel_is_named(rival, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate(_with_rivals(SupplierConfig(name="rival_a"), rival))


def test_the_focal_firm_cannot_be_an_entrant():
    cfg = small_config()
    cfg.market.focal.enters_at_month = 3
    with pytest.raises(ConfigError, match="market.focal.enters_at_month = 3"):
        validate(cfg)


# ---- scenarios in a small market -----------------------------------------------------------------------------


def _monthly(result, supplier: str):
    monthly = result.tables["monthly"]
    return monthly[monthly["supplier"] == supplier].set_index("month")


def test_a_new_entrant_holds_nothing_before_its_month_and_takes_accounts_after():
    entrant = SupplierConfig(name="entrant", enters_at_month=6, initial_share=0.2, quality=0.9,
                             poaching=PoachingConfig(offer_rate_per_month=0.02, offer_discount=0.15,
                                                     rep_court_rate_per_month=0.05))
    result = simulate(_with_rivals(SupplierConfig(name="rival_a", initial_share=0.4), entrant,
                                   n_accounts=2000, months=18))
    rows, events = _monthly(result, "entrant"), result.tables["events"]
    before, after = rows.loc[:5], rows.loc[6:]
    assert (before["active_accounts"] == 0).all() and (before["acquisitions"] == 0).all()
    assert (before["reps"] > 0).all() and (before["rep_quits"] == 0).all()  # hired, idle
    assert after["active_accounts"].iloc[-1] > 50 and after["acquisitions"].sum() > 50
    to_entrant = events[events["to_supplier"] == "entrant"]
    assert to_entrant["month"].min() == 6
    assert (to_entrant.query("event == 'switch'")["reason"] == "competitor_offer").any()  # the launch offers
    assert (to_entrant.query("event == 'rep_move'")["reason"] == "poached").any()
    assert not events.query("event == 'rep_move' and month < 6")["from_supplier"].eq("entrant").any()


def test_the_entrant_scenario_before_entry_is_the_market_without_it():
    # Until it enters, the entrant only adds idle salespeople: the incumbents' figures are identical month by month
    # (same seed, common random numbers).
    entrant = SupplierConfig(name="entrant", enters_at_month=8, initial_share=0.2)
    rivals = [SupplierConfig(name="rival_a", initial_share=0.4), SupplierConfig(name="rival_b", initial_share=0.3)]
    without = simulate(_with_rivals(*rivals, months=12)).tables["monthly"]
    with_it = simulate(_with_rivals(*rivals, entrant, months=12)).tables["monthly"]
    columns = ["active_accounts", "acquisitions", "departures", "revenue"]
    for name in ("focal", "rival_a", "rival_b"):
        a = without[without["supplier"] == name].set_index("month").loc[:7, columns]
        b = with_it[with_it["supplier"] == name].set_index("month").loc[:7, columns]
        assert (a["active_accounts"] > 0).all()
        np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), err_msg=name)


def _online(margin_hit: float, **kw):
    channel = SupplierConfig(name="online_direct", enters_at_month=3, initial_share=0.1, price=0.85,
                             service_level=0.4, accounts_per_rep=200, relationship_selling=0.1,
                             channel_owner="rival_a", channel_margin_hit=margin_hit)
    return _with_rivals(SupplierConfig(name="rival_a", initial_share=0.4), SupplierConfig(name="rival_b"), channel,
                        n_accounts=2000, months=18, **kw)


def test_an_online_channel_takes_share_and_its_owners_dealers_leave_over_the_margin():
    calm, conflict = simulate(_online(0.0)), simulate(_online(0.12))
    share = _monthly(calm, "online_direct")["market_share"]
    assert (share.loc[:2] == 0).all() and share.iloc[-1] > 0.03
    events = {name: r.tables["events"].query("event == 'switch' and from_supplier == 'rival_a' and month >= 3")
              for name, r in (("calm", calm), ("conflict", conflict))}
    price = {name: int((e["reason"] == "price").sum()) for name, e in events.items()}
    assert price["conflict"] > 1.5 * price["calm"] + 10, price
    lost = {name: _monthly(r, "rival_a")["active_accounts"].iloc[-1] for name, r in (("calm", calm),
                                                                                      ("conflict", conflict))}
    assert lost["conflict"] < lost["calm"]


def test_an_online_channel_builds_little_relationship_capital():
    model = MarketModel(make_plan(_online(0.0)))
    model.run()
    acc = model.accounts
    capital = acc.rc_firm + acc.rc_rep
    recent = acc.active() & (acc.since_month >= 3) & (acc.since_month <= 9)  # 8 to 14 months with their supplier
    online, others = recent & (acc.supplier == 3), recent & (acc.supplier != 3)
    assert online.sum() > 10 and others.sum() > 50
    assert capital[online].mean() < 0.25 * capital[others].mean()  # relationship_selling 0.1


def test_channel_conflict_hits_the_owners_accounts_only_while_the_channel_runs():
    model = MarketModel(make_plan(_online(0.08)))
    original, seen = model.channel_conflict, []

    def spy() -> None:
        original()
        acc = model.accounts
        owners = acc.active() & (acc.supplier == 1)
        np.testing.assert_allclose(acc.margin_hit[owners], 0.08 if model.month >= 3 else 0.0, rtol=1e-6)
        assert not acc.margin_hit[~owners].any()
        seen.append(model.month)

    model.channel_conflict = spy
    while model.month < 5:
        model.step()
    assert seen == list(range(-3, 5))


def _trading(p_start: float, monitoring: dict | None = None):
    cfg = small_config(n_accounts=3000, months=24)
    cfg.market.parallel_trading = ParallelTradingConfig(p_start_per_region_month=p_start, margin_hit=0.15,
                                                        max_months=6)
    if monitoring is not None:
        cfg.strategy = StrategyConfig("monitoring", [{"kind": "market_monitoring", **monitoring}])
    model = MarketModel(make_plan(cfg))
    return model, model.run()


def _focal_departures_for_value(result) -> int:
    events = result.tables["events"]
    gone = events.query("event == 'switch' and from_supplier == 'focal'")
    return int(gone["reason"].isin(["price", "quality"]).sum())


@pytest.fixture(scope="module")
def trading_runs():
    return {"none": _trading(0.0), "trading": _trading(0.05),
            "monitored": _trading(0.05, {"p_detect_per_month": 0.8, "cost_fixed_per_month": 2.0,
                                         "cost_per_episode": 0.5})}


def test_parallel_trading_drives_focal_dealers_away_for_price_and_monitoring_stops_it(trading_runs):
    lost = {name: _focal_departures_for_value(result) for name, (_, result) in trading_runs.items()}
    assert lost["trading"] > 1.3 * lost["none"] + 10, lost
    assert lost["monitored"] < lost["trading"] - 10, lost
    satisfaction = {name: result.summary["satisfaction_mean"] for name, (_, result) in trading_runs.items()}
    assert satisfaction["trading"] < satisfaction["monitored"] < satisfaction["none"]


def test_parallel_trading_departures_come_from_the_affected_regions(trading_runs):
    model, result = trading_runs["trading"]
    running = {(m, r) for m, r, k, kind in model.market.trading.log if k == 0 and kind == "start"}
    hit = {(m + d, r) for m, r in running for d in range(6)}  # an undetected episode runs 6 months
    gone = result.tables["events"].query("event == 'switch' and from_supplier == 'focal' and reason == 'price'")
    region = model.accounts.region[gone["account"].to_numpy()]
    in_hit = np.array([(m, r) in hit for m, r in zip(gone["month"], region, strict=True)])
    assert in_hit.mean() > 0.6, in_hit.mean()


def test_market_monitoring_stops_the_owners_episodes_and_costs_what_the_rule_says(trading_runs):
    model, result = trading_runs["monitored"]
    stopped = [(m, r, k) for m, r, k, kind in model.market.trading.log if kind == "stopped"]
    assert len(stopped) > 5 and all(k == 0 for _, _, k in stopped)  # only the owner's episodes
    reported = [m for m, _, _ in stopped if m >= 0]
    focal = result.tables["monthly"].query("is_focal")
    assert focal["strategy_cost"].sum() == pytest.approx(2.0 * 24 + 0.5 * len(reported))


def test_market_monitoring_watches_only_its_regions():
    model, _ = _trading(0.1, {"regions": [0, 1], "p_detect_per_month": 1.0})
    stopped = {r for _, r, _, kind in model.market.trading.log if kind == "stopped"}
    assert stopped and stopped <= {0, 1}
    with pytest.raises(ConfigError, match=r"strategy.components\[0\].regions = \[0, 99\]: must be regions 0 … 7"):
        _trading(0.1, {"regions": [0, 99]})


def _threat_run(p_concede: float, rate: float = 0.1):
    # Rivals always concede, so that no refused account of theirs comes over to the focal firm.
    rivals = [SupplierConfig(name="rival_a", initial_share=0.4, p_concede=1.0),
              SupplierConfig(name="rival_b", initial_share=0.3, p_concede=1.0)]
    # 6,000 accounts: refused key accounts that switch are few (~30 against ~14 when all are conceded), because
    # the delighted among them are deaf to a refusal as to any trigger; at 3,000 the gap was within noise.
    cfg = _with_rivals(*rivals, n_accounts=6000, months=24)
    cfg.market.threats = ThreatsConfig(rate_per_month=rate, discount=0.1, months=6)
    cfg.market.focal = dataclasses.replace(cfg.market.focal, p_concede=p_concede)
    model = MarketModel(make_plan(cfg))
    return model, model.run()


@pytest.fixture(scope="module")
def threat_runs():
    return {p: _threat_run(p) for p in (0.0, 1.0)} | {"off": _threat_run(0.5, rate=0.0)}


def test_conceded_threats_cost_revenue_and_refused_ones_cost_accounts(threat_runs):
    (m0, _), (m1, r1), (_, off) = threat_runs[0.0], threat_runs[1.0], threat_runs["off"]
    assert m1.threat_outcomes[0, 0] > 100 and m1.threat_outcomes[0, 1] == 0
    assert m0.threat_outcomes[0, 0] == 0 and m0.threat_outcomes[0, 1] > 100
    # conceding: key accounts hold promotional discounts, and the focal firm earns less from the same accounts
    acc = m1.accounts
    key_focal = (acc.tier == 0) & (acc.supplier == 0) & acc.active()
    on_terms = key_focal & (acc.promo_end >= m1.month - 1)
    assert on_terms.sum() > 0.2 * key_focal.sum()
    np.testing.assert_allclose(acc.promo_discount[on_terms], 0.1, rtol=1e-6)
    assert r1.summary["revenue_total"] < off.summary["revenue_total"]
    # refusing: more key accounts leave than when every threat is conceded
    key_gone = {}
    for name, (model, result) in (("refuse", threat_runs[0.0]), ("concede", threat_runs[1.0])):
        gone = result.tables["events"].query("event == 'switch' and from_supplier == 'focal'")["account"]
        key_gone[name] = int((model.accounts.tier[gone.to_numpy()] == 0).sum())
    assert key_gone["refuse"] > 1.5 * key_gone["concede"] + 5, key_gone


# ---- price war: depth and duration set once (issue 14, point 3) ------------------------------------------------

def test_one_override_sets_the_depth_and_the_end_of_every_rivals_price_war():
    shipped = SupplierArrays.of(load_config(["competitors=price_war"]))
    np.testing.assert_allclose(shipped.list_prices(0), [1.0, 0.9, 0.9])  # 10 % off every rival, from month 0 ...
    np.testing.assert_allclose(shipped.list_prices(1199), [1.0, 0.9, 0.9])  # ... to the end without until_month
    war = SupplierArrays.of(load_config(["competitors=price_war", "competitors.price_war.depth=0.2",
                                         "competitors.price_war.from_month=3", "competitors.price_war.until_month=12"]))
    assert [list(war.list_prices(m)) for m in (2, 3, 11, 12)] == [[1.0, 1.0, 1.0], [1.0, 0.8, 0.8], [1.0, 0.8, 0.8],
                                                                  [1.0, 1.0, 1.0]]
    # the war moves every rival of any scenario, never the focal firm
    passive = SupplierArrays.of(load_config(["competitors.price_war.depth=0.05"]))
    np.testing.assert_allclose(passive.list_prices(0), [1.0, 0.95, 0.95])


def test_a_price_war_that_ends_is_the_same_market_until_it_ends():
    """Common random numbers: the runs with and without an end to the war agree month by month before it."""
    base = ["competitors=price_war", "n_accounts=2000", "months=12", "burn_in_months=6"]
    endless = simulate(load_config(base)).tables["monthly"]
    short = simulate(load_config([*base, "competitors.price_war.until_month=6"])).tables["monthly"]
    columns = ["active_accounts", "departures", "revenue"]
    before = [frame[frame["month"] < 6][columns].to_numpy(float) for frame in (endless, short)]
    np.testing.assert_array_equal(*before)
    after = [frame[(frame["month"] >= 6) & (frame["supplier"] != "focal")]["revenue"].sum()
             for frame in (endless, short)]
    assert after[1] > after[0]  # the rivals charge list price again


def test_the_attack_is_set_once_for_the_attacking_rivals():
    """Issue 14, point 3: the aggressive poacher's headline numbers in one block; rival_b stays passive."""
    shipped = SupplierArrays.of(load_config(["competitors=aggressive_poacher"]))
    np.testing.assert_allclose(shipped.offer_rate_per_month, [0.0, 0.01, 0.0])
    np.testing.assert_allclose(shipped.rep_court_rate_per_month, [0.0, 0.02, 0.0])
    harder = SupplierArrays.of(load_config(["competitors=aggressive_poacher",
                                            "competitors.attack.offer_rate_per_month=0.03",
                                            "competitors.attack.offer_discount=0.2"]))
    np.testing.assert_allclose(harder.offer_rate_per_month, [0.0, 0.03, 0.0])
    np.testing.assert_allclose(harder.offer_discount[1], 0.2)
    everyone = SupplierArrays.of(load_config(["competitors.attack.offer_rate_per_month=0.005"]))  # passive rivals
    np.testing.assert_allclose(everyone.offer_rate_per_month, [0.0, 0.005, 0.005])  # empty rivals: every rival


def test_the_entrant_and_the_online_channel_are_set_once_by_their_headline_blocks():
    """Issue 14, point 3: the new entrant's and the online channel's headline numbers in one block each."""
    shipped = SupplierArrays.of(load_config(["competitors=new_entrant"]))
    assert shipped.names[3] == "entrant" and shipped.enters_at_month[3] == 12 and shipped.quality[3] == 0.9
    later = SupplierArrays.of(load_config(["competitors=new_entrant", "competitors.entrant.enters_at_month=30",
                                           "competitors.entrant.price=0.9"]))
    assert later.enters_at_month[3] == 30 and later.price[3] == 0.9 and later.price[1] == 1.0
    online = SupplierArrays.of(load_config(["competitors=online_channel", "competitors.online.opens_at_month=2",
                                            "competitors.online.margin_hit=0.1"]))
    assert online.names[3] == "online_direct" and online.enters_at_month[3] == 2
    assert online.channel_margin_hit[3] == 0.1 and online.price[3] == 0.85  # the file's price, untouched


@pytest.mark.parametrize(("overrides", "line"), [
    (["competitors=passive", "competitors.entrant.quality=0.9"],
     "competitors.entrant.name = 'entrant': no rival of that name in this scenario (the rivals are rival_a, "
     "rival_b); its settings have nothing to apply to"),
    (["competitors=new_entrant", "competitors.entrant.enters_at_month=99"],
     "competitors.entrant.enters_at_month = 99: must be < months (60), or left out for a supplier present from the "
     "start"),
])
def test_a_headline_block_with_nothing_to_apply_to_or_out_of_the_run_is_refused(overrides, line):
    with pytest.raises(ConfigError) as err:
        make_plan(load_config(overrides))
    assert str(err.value) == line
