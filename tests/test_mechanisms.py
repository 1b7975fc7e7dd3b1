"""The mechanisms (churnsim.mechanisms.*): each test checks the rule stated in the module's docstring.

Statistical tests draw their uniforms from a fixed seed, so they are deterministic; their tolerances are set where
a correct implementation would fail by chance with probability below about 1e-6 (5 binomial standard deviations),
while a wrong rate (a missing factor, a swapped probability) lands far outside.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from churnsim.core.codes import ACTIVE, NO_CONTRACT, code
from churnsim.core.config import AccountsConfig, BehaviourConfig, EnvironmentConfig, RunConfig
from churnsim.core.rng import RandomStreams, gaussians, units
from churnsim.mechanisms import money, satisfaction
from churnsim.mechanisms.choice import (
    COMPONENTS,
    choose,
    choose_suppliers,
    considering,
    main_reason,
    value_components,
)
from churnsim.mechanisms.contagion import log_multiplier, spread
from churnsim.mechanisms.delivery import deliver
from churnsim.mechanisms.environment import uncontrollable_events
from churnsim.mechanisms.innovation import product_value
from churnsim.mechanisms.money import discount_factor, ledger_of
from churnsim.mechanisms.poaching import court_reps, target_offers
from churnsim.mechanisms.salesforce import destinations, next_morale, quits
from churnsim.mechanisms.satisfaction import remember
from churnsim.state.accounts import AccountTable, new_accounts
from churnsim.state.network import Network
from churnsim.state.suppliers import SupplierArrays

STREAMS = RandomStreams(20240611)
SUPPLIERS = SupplierArrays.of(RunConfig())  # the focal firm and two rivals, at the default levels
FOCAL_COSTS = money.FocalCosts(0.7, np.array([0.1, 0.05, 0.02]), 0.1)  # what the focal firm's margin nets


def u(name: str, n: int, month: int = 0) -> np.ndarray:
    return STREAMS.uniform(f"test.{name}", month, n)


def assert_binomial(hits: int, n: int, p: float, z: float = 5.0) -> None:
    """``hits`` is consistent with Binomial(n, p): within ``z`` standard deviations (z = 5: chance < 1e-6)."""
    sd = np.sqrt(n * p * (1 - p))
    assert abs(hits - n * p) <= z * sd, f"{hits} hits of {n}, expected {n * p:.1f} ± {z * sd:.1f}"


def keys(*names: str, month: int = 0) -> tuple:
    """This month's keys of the test streams ``names`` (what the mechanisms draw from as they go)."""
    return tuple(STREAMS.key(f"test.{name}", month) for name in names)


def accounts(n: int) -> AccountTable:
    """``n`` active account slots, all served by supplier 0, with no terms, discounts or contracts."""
    acc = new_accounts(AccountsConfig(), np.zeros(n, np.int32), STREAMS.generator("test.accounts"))
    acc.status[:] = ACTIVE
    acc.supplier[:] = 0
    return acc


def first_slots(stream_keys: tuple, chances: tuple, rows: list[tuple[bool, ...]], n: int = 400_000) -> np.ndarray:
    """The first slots, ascending, whose draws under ``stream_keys`` fall below ``chances`` as each of ``rows``
    says (True: below): how a test picks accounts with given draws now that mechanisms draw for themselves."""
    below = np.stack([units(key, np.arange(n)) < chance for key, chance in zip(stream_keys, chances, strict=True)], 1)
    out, start = [], 0
    for row in rows:
        start = start + int(np.flatnonzero((below[start:] == np.array(row)).all(axis=1))[0])
        out.append(start)
        start += 1
    return np.array(out)


def csr(n: int, edges: list[tuple[int, int]]) -> Network:
    """An undirected network from an edge list."""
    src = np.array([a for a, b in edges] + [b for a, b in edges])
    dst = np.array([b for a, b in edges] + [a for a, b in edges])
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return Network(indptr, dst[order].astype(np.int32))


# ---- environment ---------------------------------------------------------------------------------------------

def _events(live, volume, size0=None, env=None, month=0):
    """uncontrollable_events over ``live``; per slot of ``live``: (exits, reason or -1), and ``volume`` (in place)."""
    size0 = np.full(len(volume), 10.0, np.float32) if size0 is None else size0
    n = len(volume)
    gone, reason, staying = uncontrollable_events(live, volume, size0, np.zeros(n, np.float32), np.ones(n, np.int8),
                                                  keys("event", "contraction", month=month),
                                                  env or EnvironmentConfig())
    exits = np.isin(live, gone)
    out = np.full(len(live), -1, np.int8)
    out[np.searchsorted(live, gone)] = reason
    np.testing.assert_array_equal(staying, live[~exits])  # the rest of live, in order
    return exits, out, volume


def _rates_with_edges(edges, **others) -> EnvironmentConfig:
    """Exit rates whose cumulative sums (the edges of the slices) are exactly ``edges``; no contraction."""
    p = [float(edges[0])]
    for j in (1, 2):
        q = float(edges[j] - edges[j - 1])
        for _ in range(100):
            total = np.cumsum([*p, q])[j]
            if total == edges[j]:
                break
            q = float(np.nextafter(q, np.inf if total < edges[j] else -np.inf))
        p.append(q)
    env = EnvironmentConfig(p_closure=p[0], p_acquisition=p[1], p_upstream_integration=p[2], p_contraction=0.0,
                            **others)
    assert np.array_equal(np.cumsum([env.p_closure, env.p_acquisition, env.p_upstream_integration]), edges)
    return env


@pytest.mark.parametrize("shift", [0, 1], ids=["draw_on_edge", "draw_one_ulp_below_edge"])
def test_event_kind_follows_the_slices_of_the_unit_interval(shift):
    n = 4000
    live = np.arange(n)
    u_event = units(keys("event")[0], live)
    on = np.sort(u_event)[[1000, 2000, 3000]]  # three draws; the edges are put on them, or one ulp above
    edges = np.nextafter(on, 1.0) if shift else on
    exits, reason, _ = _events(live, np.full(n, 10.0, np.float32), env=_rates_with_edges(edges))
    names = ["closure", "acquisition", "upstream_integration"]
    expected = np.select([u_event < edges[0], u_event < edges[1], u_event < edges[2]], [code(r) for r in names], -1)
    np.testing.assert_array_equal(reason, expected)
    np.testing.assert_array_equal(exits, expected >= 0)
    at = [int(np.flatnonzero(u_event == d)[0]) for d in on]
    # a draw on an edge falls in the next slice; one just below it (one ulp) in this one
    kinds = [code(r) for r in names[1:]] + [-1] if not shift else [code(r) for r in names]
    np.testing.assert_array_equal(reason[at], kinds)
    assert set(np.unique(reason)) == {-1, *(code(r) for r in names)}


def test_exit_and_contraction_rates_match_the_configured_probabilities():
    env = EnvironmentConfig()
    n = 400_000
    exits, reason, volume = _events(np.arange(n), np.full(n, 10.0, np.float32), env=env)
    for name, p in [("closure", env.p_closure), ("acquisition", env.p_acquisition),
                    ("upstream_integration", env.p_upstream_integration)]:
        assert_binomial(int((reason == code(name)).sum()), n, p)
    stayed = int((~exits).sum())
    assert_binomial(int((volume < 10.0).sum()), stayed, env.p_contraction)
    assert not np.any(reason == code("contraction"))  # one contraction keeps 70 % > 25 % of the entry volume


NO_EXITS = dict(p_closure=0.0, p_acquisition=0.0, p_upstream_integration=0.0)


def test_contraction_multiplies_volume_and_exits_below_the_share_of_entry_size():
    env = EnvironmentConfig(contraction_factor=0.7, contraction_exit_share=0.25, p_contraction=0.5, **NO_EXITS)
    live = first_slots(keys("contraction"), (0.5,), [(True,), (False,), (True,), (False,)])  # contracts or not
    volume = np.zeros(live[-1] + 1, np.float32)
    volume[live] = [10, 10, 3, 3]
    exits, reason, volume = _events(live, volume, env=env)
    np.testing.assert_allclose(volume[live], [7, 10, 2.1, 3], rtol=1e-6)
    np.testing.assert_array_equal(exits, [False, False, True, False])
    np.testing.assert_array_equal(reason, [-1, -1, code("contraction"), -1])


def test_repeated_contractions_exit_once_volume_falls_below_the_share():
    env = EnvironmentConfig(contraction_factor=0.7, contraction_exit_share=0.25, p_contraction=1.0, **NO_EXITS)
    volume = np.array([10.0], np.float32)
    history = []
    for month in range(4):  # 7, 4.9, 3.43 stay (≥ 2.5); 2.401 leaves
        exits, _, volume = _events(np.array([0]), volume, env=env, month=month)
        history.append(bool(exits[0]))
    assert history == [False, False, False, True]


def test_inactive_slots_never_exit_or_shrink():
    n = 100
    live, others = np.arange(0, n, 2), np.arange(1, n, 2)
    volume, size0, grown = np.full(n, 10.0, np.float32), np.full(n, 10.0, np.float32), np.zeros(n, np.float32)
    regular = np.ones(n, np.int8)
    gone, reason, staying = uncontrollable_events(live, volume, size0, grown, regular, keys("event", "contraction"),
                                                  EnvironmentConfig(p_closure=1.0))  # every live slot closes
    np.testing.assert_array_equal(gone, live)
    assert np.all(reason == code("closure")) and len(staying) == 0
    gone, _, staying = uncontrollable_events(live, volume, size0, grown, regular, keys("event", "contraction"),
                                             EnvironmentConfig(p_contraction=1.0, contraction_exit_share=0.0,
                                                               **NO_EXITS))  # every live slot shrinks
    assert len(gone) == 0
    np.testing.assert_array_equal(staying, live)
    np.testing.assert_allclose(volume[live], 7.0, rtol=1e-6)
    np.testing.assert_array_equal(volume[others], 10.0)


# ---- delivery ------------------------------------------------------------------------------------------------

def _deliver(n, *, quality=0.8, p_incident=0.03, logistics=0.95, service=0.7, weight=0.0, p_request=0.1,
             escalation=0.5, live=None, month=0):
    """One month of ``deliver`` for ``n`` slots at one supplier's levels, remembering this month only (memory
    weight 1, so the memory is the month's experience): (experience (m, 3), complaint weight) of ``live``."""
    acc = accounts(n)
    acc.complaint_weight[:] = weight
    sup = dataclasses.replace(SUPPLIERS, quality=np.full(3, quality), p_quality_incident=np.full(3, p_incident),
                              logistics_reliability=np.full(3, logistics), service_level=np.full(3, service))
    b = BehaviourConfig(p_service_request=p_request, complaint_escalation=escalation, satisfaction_memory=1.0)
    live = np.arange(n) if live is None else live
    deliver(live, acc, sup, np.ones(3), keys("quality", "logistics", "request", "resolve", month=month), b)
    return acc.mem[live], acc.complaint_weight[live]


def test_incident_and_late_delivery_frequencies():
    n = 200_000
    experience, _ = _deliver(n, quality=0.8, p_incident=0.03, logistics=0.95)
    incident = experience[:, 0] < 0.8 - 1e-6
    np.testing.assert_allclose(experience[incident, 0], 0.4, rtol=1e-6)  # halved in a month with an incident
    np.testing.assert_allclose(experience[~incident, 0], 0.8, rtol=1e-6)
    assert_binomial(int(incident.sum()), n, 0.03)
    assert set(np.unique(experience[:, 2])) == {0.0, 1.0}
    assert_binomial(int((experience[:, 2] == 0).sum()), n, 0.05)


def test_service_request_frequency():
    n = 200_000
    _, weight = _deliver(n, p_incident=0.0, logistics=1.0, service=0.0, p_request=0.1)
    assert set(np.unique(weight)) == {0.0, 1.0}  # nothing but requests opens a complaint
    assert_binomial(int((weight == 1).sum()), n, 0.1)


def test_open_complaints_are_resolved_with_the_service_level():
    n = 200_000
    _, weight = _deliver(n, p_incident=0.0, logistics=1.0, service=0.7, p_request=0.0, weight=1.0, escalation=0.5)
    assert set(np.unique(weight)) == {0.0, 1.5}
    assert_binomial(int((weight == 0).sum()), n, 0.7)


def test_complaint_weight_and_experience_per_the_rule():
    # row 0: incident, late, request, not resolved; row 1: the same but resolved; row 2: a quiet month
    # (below the chance: an incident, on time, a request, resolved, at the levels of _deliver's defaults)
    rows = [(True, False, True, False), (True, False, True, True), (False, True, False, False)]
    live = first_slots(keys("quality", "logistics", "request", "resolve"), (0.03, 0.95, 0.1, 0.7), rows)
    n = live[-1] + 1
    before = np.zeros(n, np.float32)
    before[live] = [2, 2, 0]
    experience, weight = _deliver(n, weight=before, escalation=0.5, live=live)
    np.testing.assert_allclose(weight, [2 * 1.5 + 3, 0, 0])
    np.testing.assert_allclose(experience, [[0.4, 1 / 7, 0], [0.4, 1, 0], [0.8, 1, 1]], rtol=1e-6)
    assert experience.dtype == weight.dtype == np.float32


def test_unresolved_complaints_escalate_each_month():
    weight = np.array([1.0], np.float32)
    quiet = dict(p_incident=0.0, logistics=1.0, p_request=0.0, service=0.0)  # no new complaint, never resolved
    for month in range(3):
        experience, weight = _deliver(1, weight=weight, escalation=0.5, month=month, **quiet)
    np.testing.assert_allclose(weight, [1.5**3])
    np.testing.assert_allclose(experience[:, 1], [1 / (1 + 1.5**3)], rtol=1e-6)


# ---- satisfaction --------------------------------------------------------------------------------------------

def _remember(memory, experience, weight):
    """``remember`` of every component, with the weight in float32 as delivery applies it."""
    keep, take = np.float32(1 - weight), np.float32(weight)
    return np.array([[remember(m, e, keep, take) for m, e in zip(row_m, row_e, strict=True)]
                     for row_m, row_e in zip(memory, experience, strict=True)], np.float32)


def test_remember_is_an_exponentially_weighted_average():
    memory = np.array([[0.5, 0.5, 0.5]], np.float32)
    experience = np.array([[1.0, 0.0, 0.5]], np.float32)
    np.testing.assert_allclose(_remember(memory, experience, 0.3), [[0.65, 0.35, 0.5]], rtol=1e-6)
    np.testing.assert_array_equal(_remember(memory, experience, 0.0), memory)
    np.testing.assert_array_equal(_remember(memory, experience, 1.0), experience)
    m = memory
    for _ in range(10):
        m = _remember(m, experience, 0.3)
    np.testing.assert_allclose(m - experience, 0.7**10 * (memory - experience), atol=1e-6)


def _experience(memory, taste, price, noise_sd=0.0, cuts=(-0.08, -0.03, 0.02, 0.07)):
    """``experience`` of accounts with remembered levels ``memory`` (n, 3), tastes (n, 4) and paying ``price``
    (a list price of 1, the rest as margin lost): (true satisfaction, reported level)."""
    n = len(memory)
    acc = accounts(n)
    acc.mem[:], acc.taste[:] = memory, taste
    acc.margin_hit[:] = np.asarray(price) - 1.0
    b = BehaviourConfig(expectation=[0.75, 0.80, 0.93], report_noise_sd=noise_sd, report_cutpoints=list(cuts))
    satisfaction.experience(np.arange(n), acc, np.ones(3), 0, keys("report")[0], b)
    return acc.satisfaction, acc.reported


def _with_satisfaction(true, **kwargs):
    """``_experience`` of accounts whose true satisfaction is ``true``: price is all they weigh."""
    n = len(true)
    return _experience(np.tile([0.75, 0.80, 0.93], (n, 1)), np.tile([0.0, 0.0, 0.0, 1.0], (n, 1)),
                       1.0 - np.asarray(true), **kwargs)


def test_satisfaction_is_taste_weighted_gap_plus_price_value():
    n = 50
    rng = STREAMS.generator("test.satisfaction")
    memory, taste, price = rng.random((n, 3)), rng.random((n, 4)), 0.8 + 0.4 * rng.random(n)
    memory, taste = memory.astype(np.float32), taste.astype(np.float32)  # as the account table holds them
    expectation = np.array([0.75, 0.80, 0.93])
    expected = [sum(taste[i, c] * (memory[i, c] - expectation[c]) for c in range(3)) + taste[i, 3] * (1 - price[i])
                for i in range(n)]
    np.testing.assert_allclose(_experience(memory, taste, price)[0], expected, rtol=1e-5, atol=1e-6)
    as_expected, _ = _experience(np.tile(expectation, (n, 1)), taste, np.ones(n))
    np.testing.assert_allclose(as_expected, 0.0, atol=1e-7)


def test_reported_level_cut_points_give_levels_one_to_five():
    cuts = np.array([-0.08, -0.03, 0.02, 0.07])
    true = np.array([-0.5, -0.05, 0.0, 0.05, 0.5])
    _, levels = _with_satisfaction(true)
    np.testing.assert_array_equal(levels, [1, 2, 3, 4, 5])
    assert levels.dtype == np.int8
    # the survey cuts true satisfaction plus its noise: with the truth 0, the noise alone sets the level
    n = 1000
    _, levels = _with_satisfaction(np.zeros(n), noise_sd=0.04)
    noise = 0.04 * gaussians(keys("report")[0], np.arange(n))
    np.testing.assert_array_equal(levels, 1 + (noise[:, None] > cuts.astype(np.float32)).sum(axis=1))
    assert {2, 4} <= set(np.unique(levels))
    many = np.sort(np.linspace(-1, 1, 1001))
    _, out = _with_satisfaction(many)
    assert np.all(np.diff(out) >= 0) and out.min() == 1 and out.max() == 5


# ---- innovation ----------------------------------------------------------------------------------------------

def test_product_value_decays_without_innovation_and_is_capped_at_one():
    value = np.array([1.0])
    for _ in range(12):
        value = product_value(value, np.array([0.005]), np.array([0.0]))
    assert 0.055 < 1 - value[0] < 0.065  # "loses about 6 % a year"
    np.testing.assert_allclose(product_value(np.array([1.0]), np.array([0.005]), np.array([0.005])), [1.0])
    np.testing.assert_allclose(product_value(np.array([0.5, 0.99]), np.array([0.1, 0.0]), np.array([0.02, 0.05])),
                               [0.5 * 0.9 + 0.02, 1.0])


# ---- money ---------------------------------------------------------------------------------------------------

def revenue_of_month(acc: AccountTable, k: int):
    """``revenue`` of every slot of ``acc`` at list price 1, month 0."""
    return money.revenue(np.arange(acc.capacity), acc, np.ones(k), 0, k, 2, FOCAL_COSTS)


def test_ledger_identity_and_costs_by_tier():
    supplier = np.array([0, 0, 1, 1, 1, 2])
    tier = np.array([0, 2, 1, 1, 2, 0], np.int8)
    revenue = np.array([10.0, 1.0, 5.0, 5.0, 1.0, 20.0])
    unit_cost = np.array([0.7, 0.6, 0.7, 0.5])
    cts = np.array([[2.0, 0.5, 0.1], [3.0, 0.4, 0.2], [1.0, 1.0, 1.0], [2.0, 0.5, 0.1]])
    acquired = np.array([[1, 0, 2], [0, 3, 0], [0, 0, 0], [1, 1, 1]])
    multiple = np.array([5.5, 5.0, 6.0, 4.0])
    strategy = np.array([2.0, 0.0, 0.0, 1.0])
    acc = accounts(len(supplier))  # list price 1, no discounts: each account's revenue is its volume
    acc.supplier[:], acc.tier[:], acc.volume[:] = supplier, tier, revenue
    acc.contract_end[:], acc.contract_discount[:] = 0, [0.1, 0, 0, 0, 0, 0]  # the first: a tenth off, by the
    acc.contract_by[:] = [1, -1, -1, -1, -1, -1]  # strategy's second component
    led = ledger_of(revenue_of_month(acc, 4), unit_cost, cts, acquired, multiple, strategy)
    np.testing.assert_allclose(led["revenue"], [10, 11, 20, 0])
    np.testing.assert_allclose(led["cogs"], [7.7, 6.6, 14, 0])
    np.testing.assert_allclose(led["cost_to_serve"], [2.0 + 0.1, 0.4 * 2 + 0.2, 1.0, 0])
    np.testing.assert_allclose(led["acquisition_cost"],
                               [5.5 * 12 * (2.0 + 2 * 0.1), 5.0 * 12 * 3 * 0.4, 0, 4.0 * 12 * (2.0 + 0.5 + 0.1)])
    np.testing.assert_allclose(led["concessions"], [1.0, 0, 0, 0])  # the tenth off 10 k€ at list price
    np.testing.assert_allclose(led["strategy_cost"], strategy + led["concessions"])  # spending and concessions
    np.testing.assert_allclose(led["profit"], led["revenue"] - led["cogs"] - led["cost_to_serve"]  # counted once
                               - (led["strategy_cost"] - led["concessions"]) - led["acquisition_cost"])
    assert led["profit"][3] == pytest.approx(-1.0 - 4.0 * 12 * 2.6)  # no accounts: only costs


def test_cost_of_goods_is_per_unit_of_volume_so_discounts_and_price_cuts_lower_revenue_only():
    """Issue 14, point 1: a discount or a price cut is revenue given up; the goods cost what they cost."""
    cfg = RunConfig()
    cfg.market.focal.price, cfg.market.focal.cogs_share = 1.2, 0.7  # unit cost 0.84: a 30 % margin at list price
    cfg.competitors.rivals[0].unit_cost = 0.5  # said outright
    cfg.competitors.rivals[0].poaching.price_cut = 0.2  # a price war from month 0
    sup = SupplierArrays.of(cfg)
    np.testing.assert_allclose(sup.unit_cost[:2], [0.84, 0.5])
    k = len(sup)
    acc = accounts(4)
    acc.supplier[:], acc.tier[:], acc.volume[:] = [0, 0, 1, 1], [1, 1, 1, 1], [10.0, 10.0, 10.0, 10.0]
    acc.discount[:] = [0.0, 0.25, 0.0, 0.0]  # the second focal account pays a quarter less
    taken = money.revenue(np.arange(4), acc, sup.list_prices(0), 0, k, 0, FOCAL_COSTS)
    led = ledger_of(taken, sup.unit_cost, np.zeros((k, 3)), np.zeros((k, 3)), np.zeros(k), np.zeros(k))
    rival_price = cfg.competitors.rivals[0].price * 0.8
    np.testing.assert_allclose(led["revenue"][:2], [1.2 * 10 + 1.2 * 0.75 * 10, 2 * rival_price * 10], rtol=1e-12)
    np.testing.assert_allclose(led["cogs"][:2], [0.84 * 20, 0.5 * 20], rtol=1e-12)  # as if nothing were off
    full = money.revenue(np.arange(1), acc, sup.list_prices(0), 0, k, 0, FOCAL_COSTS).revenue[0]
    assert full * 0.7 == pytest.approx(0.84 * 10)  # at list price the preset's margin, as before


def test_a_concession_is_what_the_strategy_gives_beyond_the_market_and_is_counted_to_its_grantor():
    """Issue 14, point 4: four focal accounts of 10 k€ at list price 1; components 0 and 1 of the strategy."""
    acc = accounts(5)
    acc.supplier[:], acc.tier[:], acc.volume[:] = [0, 0, 0, 0, 1], 1, 10.0
    acc.contract_end[:], acc.promo_end[:] = 5, 5  # contracts and promotions run in month 0
    acc.contract_discount[:], acc.contract_by[:] = [0.05, 0.05, 0.02, 0.0, 0.0], [0, 0, 0, -1, -1]
    acc.promo_discount[:], acc.promo_by[:] = [0.0, 0.03, 0.10, 0.0, 0.0], [-1, -1, -1, -1, -1]  # conceded threats
    acc.match_discount[:], acc.match_by[:] = [0.0, 0.0, 0.0, 0.2, 0.2], [-1, -1, -1, 1, -1]
    taken = money.revenue(np.arange(5), acc, np.ones(2), 0, 2, 2, FOCAL_COSTS)
    # 1: its contract alone (0.5 k€); 2: 0.05 over the market's 0.03 (0.2 k€); 3: the market's 0.10 binds (none);
    # 4: the price match (2 k€, component 1); the rival's account concedes nothing to a focal component
    np.testing.assert_allclose(taken.conceded_by_component, [0.5 + 0.2, 2.0])
    np.testing.assert_allclose(taken.concessions, [2.7, 0.0])
    np.testing.assert_allclose(taken.revenue, [10 * (0.95 + 0.95 + 0.9 + 0.8), 8.0])


def test_discount_factor():
    np.testing.assert_allclose(discount_factor(np.array([0, 6, 12, 24]), 0.1),
                               [1, 1.1**-0.5, 1 / 1.1, 1 / 1.21])
    np.testing.assert_allclose(discount_factor(np.arange(5), 0.0), 1.0)


# ---- contagion -----------------------------------------------------------------------------------------------

def hazard_multiplier(exposure, tenure_months, hr_per_contact, tenure_damping):
    """``exp`` of ``log_multiplier`` of each account (what ``considering`` multiplies the hazard by)."""
    return np.exp([log_multiplier(e, t, np.log(hr_per_contact), tenure_damping)
                   for e, t in zip(exposure, tenure_months, strict=True)])


def test_hazard_multiplier_is_hr_to_the_exposure_for_new_accounts_and_weaker_with_tenure():
    exposure = np.array([0.0, 1.0, 2.0, 3.5])
    np.testing.assert_allclose(hazard_multiplier(exposure, np.zeros(4), 1.8, 0.05), 1.8**exposure)
    tenure = np.array([0, 12, 60, 240])
    by_tenure = hazard_multiplier(np.full(4, 2.0), tenure, 1.8, 0.05)
    np.testing.assert_allclose(by_tenure, 1.8 ** (2.0 / (1 + 0.05 * tenure / 12)))
    assert np.all(np.diff(by_tenure) < 0) and np.all(by_tenure > 1)


def test_spread_counts_defecting_contacts_of_the_same_supplier_and_decays():
    net = csr(7, [(0, 1), (0, 2), (0, 3), (1, 2), (4, 5), (5, 6), (3, 6)])
    defectors = np.array([1, 2, 5])
    left = np.array([0, 0, 1])  # the suppliers they left
    supplier = np.array([0, 2, 2, 0, 1, 2, -1])  # after the switches; slot 6 is out of the market
    exposure = np.array([1, 0, 0, 2, 0.5, 0, 4], np.float32)
    out = spread(exposure.copy(), 0.6, net, defectors, left, supplier, supplier >= 0)
    # 0: two contacts left its supplier 0; 4: one contact left its supplier 1; 1 and 2 moved away from 0 themselves;
    # 6 is out of the market; 3 has no defecting contact
    np.testing.assert_allclose(out, [0.6 + 2, 0, 0, 1.2, 0.3 + 1, 0, 2.4], rtol=1e-6)
    none = np.zeros(0, np.int64)
    np.testing.assert_allclose(spread(exposure.copy(), 0.6, net, none, none, supplier, supplier >= 0), exposure * 0.6,
                               rtol=1e-6)


# ---- poaching ------------------------------------------------------------------------------------------------

def _offers(supplier, active, size, reported, rate, exponent=1.0, unhappiness=2.0, month=0):
    k, n = len(rate), len(supplier)
    return target_offers(supplier.astype(np.int8), active, size, reported.astype(np.int8), np.asarray(rate, float),
                         np.full(k, exponent), np.full(k, unhappiness), u("offer", n, month), u("pick", n, month))


def _market(n):
    supplier = np.floor(3 * u("supplier", n)).astype(np.int8)
    return supplier, u("active", n) > 0.1, 0.5 + u("size", n), 1 + np.floor(5 * u("reported", n))


def test_expected_offers_are_the_rate_times_rivals_accounts_and_never_own_or_inactive():
    n = 30_000
    supplier, active, size, reported = _market(n)
    out = _offers(supplier, active, size, reported, [0.0, 0.05, 0.0], unhappiness=0.5)
    expected = 0.05 * (active & (supplier != 1)).sum()
    # the count is a sum of independent Bernoullis (no p clipped at 1 here), variance ≤ its mean: 5 sd
    assert abs((out == 1).sum() - expected) <= 5 * np.sqrt(expected)
    assert set(np.unique(out)) == {-1, 1}
    assert np.all(out[supplier == 1] == -1) and np.all(out[~active] == -1)


def test_several_poachers_never_target_their_own_accounts():
    n = 30_000
    supplier, active, size, reported = _market(n)
    out = _offers(supplier, active, size, reported, [0.2, 0.2, 0.2])
    offered = out >= 0
    assert offered.sum() > 1000
    assert not np.any(out[offered] == supplier[offered])


def test_offers_prefer_large_accounts():
    n = 40_000
    size = np.where(np.arange(n) < n // 2, 1.0, 4.0)
    out = _offers(np.zeros(n), np.ones(n, bool), size, np.full(n, 3), [0.0, 0.1], exponent=1.0)
    # weight ∝ size: mean weight 2.5, so p = 0.1 × n × w / (n × 2.5) = 0.04 (small) and 0.16 (large)
    small, large = out[: n // 2] == 1, out[n // 2:] == 1
    assert_binomial(int(small.sum()), n // 2, 0.04)
    assert_binomial(int(large.sum()), n // 2, 0.16)


def test_offers_prefer_visibly_unhappy_accounts():
    n = 40_000
    reported = np.where(np.arange(n) < n // 2, 1, 5)
    out = _offers(np.zeros(n), np.ones(n, bool), np.ones(n), reported, [0.0, 0.1], unhappiness=0.5)
    # weight exp(0.5 × (3 − level)): e and 1/e, mean cosh(1)
    unhappy, happy = out[: n // 2] == 1, out[n // 2:] == 1
    assert_binomial(int(unhappy.sum()), n // 2, 0.1 * np.e / np.cosh(1))
    assert_binomial(int(happy.sum()), n // 2, 0.1 / np.e / np.cosh(1))


def test_competing_offers_keep_one_drawn_in_proportion_to_the_chances():
    n = 40_000
    out = _offers(np.zeros(n), np.ones(n, bool), np.ones(n), np.full(n, 3), [0.0, 0.02, 0.06])
    any_offer = int((out >= 0).sum())
    assert_binomial(any_offer, n, 1 - 0.98 * 0.94)
    assert_binomial(int((out == 1).sum()), any_offer, 0.25)


def test_no_poacher_means_no_offers():
    n = 100
    out = _offers(np.zeros(n), np.ones(n, bool), np.ones(n), np.full(n, 1), [0.0, 0.0])
    assert np.all(out == -1)


def test_court_reps_never_courts_own_reps_and_matches_the_rate():
    n = 30_000
    employer = np.floor(3 * u("employer", n)).astype(np.int8)
    courted = court_reps(employer, np.array([0.0, 0.1, 0.0]), u("court", n), u("court_pick", n))
    assert np.all(courted[employer == 1] == -1)
    assert set(np.unique(courted)) == {-1, 1}
    assert_binomial(int((courted == 1).sum()), int((employer != 1).sum()), 0.1)
    two = court_reps(employer, np.array([0.1, 0.1, 0.0]), u("court", n, 1), u("court_pick", n, 1))
    assert not np.any(two == employer)
    assert_binomial(int((two[employer == 2] >= 0).sum()), int((employer == 2).sum()), 1 - 0.9**2)
    assert_binomial(int((two[employer == 0] == 1).sum()), int((employer == 0).sum()), 0.1)


# ---- sales force ---------------------------------------------------------------------------------------------

def _quits(morale, courted_by, month=0, rate=0.2, elasticity=1.5, multiplier=4.0):
    return quits(morale, courted_by, u("quit", len(morale), month), rate, elasticity, multiplier)


def test_quit_rate_is_twenty_percent_a_year_at_neutral_morale():
    n = 20_000
    ever = np.zeros(n, bool)
    for month in range(12):
        ever |= _quits(np.zeros(n, np.float32), np.full(n, -1), month)
    assert_binomial(int(ever.sum()), n, 0.2)


@pytest.mark.parametrize("morale, courted, factor", [(0.0, -1, 1.0), (-1.0, -1, np.exp(1.5)), (1.0, -1, np.exp(-1.5)),
                                                     (0.0, 2, 4.0), (-0.5, 1, 4 * np.exp(0.75))])
def test_monthly_quit_hazard_rises_at_low_morale_and_when_courted(morale, courted, factor):
    n = 100_000
    base = -np.log(0.8) / 12
    out = _quits(np.full(n, morale, np.float32), np.full(n, courted))
    assert_binomial(int(out.sum()), n, 1 - np.exp(-base * factor))
    neutral = _quits(np.zeros(n, np.float32), np.full(n, -1))
    if factor >= 1:
        assert np.all(out[neutral])  # the same draws: a higher hazard keeps every neutral quit
    else:
        assert np.all(neutral[out])  # ... and a lower one quits only where neutral morale would


def test_morale_recovers_toward_target_and_falls_with_churn():
    out = next_morale(np.array([0, -1, 0.5], np.float32), np.array([0.1, 0, 0]), np.array([0.0, 0.0, 0.0]),
                      0.15, 3.0)
    np.testing.assert_allclose(out, [-0.3, -0.85, 0.425], rtol=1e-6)


def test_destinations_courted_go_to_the_courter_others_never_to_own_employer():
    n = 40_000
    employer = np.floor(4 * u("employer", n)).astype(np.int8)
    courted_by = np.where(np.arange(n) % 4 == 0, (employer + 1) % 4, -1).astype(np.int8)
    quitting = u("quitting", n) < 0.9
    share = np.array([0.4, 0.3, 0.2, 0.1])
    dest = destinations(quitting, courted_by, employer, u("destination", n), 0.5, share)
    np.testing.assert_array_equal(dest[~quitting], -2)
    courted = quitting & (courted_by >= 0)
    np.testing.assert_array_equal(dest[courted], courted_by[courted])
    free = quitting & (courted_by < 0)
    assert not np.any(dest[free] == employer[free])
    assert_binomial(int((dest[free] == -1).sum()), int(free.sum()), 0.5)
    joiners = free & (dest >= 0) & (employer == 0)  # rivals 1, 2, 3 in proportion 0.3 : 0.2 : 0.1
    for k, p in [(1, 0.5), (2, 1 / 3), (3, 1 / 6)]:
        assert_binomial(int((dest[joiners] == k).sum()), int(joiners.sum()), p)


def test_destination_is_out_of_the_market_when_no_competitor_has_a_share():
    dest = destinations(np.array([True]), np.array([-1]), np.array([0]), np.array([0.1]), 0.5,
                        np.array([1.0, 0.0, 0.0]))
    np.testing.assert_array_equal(dest, [-1])


# ---- choice --------------------------------------------------------------------------------------------------

CONSIDER_KEY, CONSIDER_MONTH = keys("consider")[0], 5


def _consider(propensity=0.5, satisfaction_=0.0, contract_ends=False, offered=False, rep_left=False, wake=0.0,
              threat_refused=False, contagion=1.0):
    """The chance that an account in this state considers leaving, as ``considering`` applies it.

    ``considering`` keeps the account (slot 0, its draw ``u``) when ``u < 1 − exp(−propensity × H)``, ``H`` the
    rest of its hazard. The smallest float32 propensity at which it considers gives ``H = −log(1 − u) /
    propensity`` to one float32 ulp (~1e-7 relative), hence the chance at ``propensity``; at ``propensity`` itself
    the account must consider exactly when ``u`` is below that chance.
    """
    b = BehaviourConfig()
    acc = accounts(1)
    acc.since_month[0] = CONSIDER_MONTH - 1  # a month's tenure
    acc.satisfaction[0] = satisfaction_
    acc.contract_end[0] = CONSIDER_MONTH if contract_ends else NO_CONTRACT
    acc.offer_from[0] = 1 if offered else -1
    acc.rep_left[0], acc.wake_hazard[0], acc.threat_refused[0] = rep_left, wake, threat_refused
    # hr ** (exposure / (1 + damping × tenure years)) is the contagion multiplier
    acc.exposure[0] = np.log(contagion) / np.log(b.contagion_hr_per_contact) * (1 + b.contagion_tenure_damping / 12)

    def considers(p) -> bool:
        acc.propensity[0] = p
        return len(considering(np.array([0]), acc, CONSIDER_MONTH, CONSIDER_KEY, b)) == 1

    lo, hi = 0, int(np.float32(1).view(np.int32))  # float32 bit patterns, ordered as the (positive) floats
    while not considers(np.int32(hi).view(np.float32)):
        hi += 1 << 23  # double the propensity
    while hi - lo > 1:  # lo does not consider, hi does
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if considers(np.int32(mid).view(np.float32)) else (mid, hi)
    u = units(CONSIDER_KEY, np.array([0]))[0]
    chance = float(-np.expm1(np.log1p(-u) / np.float64(np.int32(hi).view(np.float32)) * propensity))
    assert considers(propensity) == (u < chance)
    return chance


def test_consideration_probability_formula_and_each_trigger_raises_it():
    b = BehaviourConfig()
    base = _consider()
    assert base == pytest.approx(1 - np.exp(-0.5 * b.consider_base_per_month))
    for trigger in [dict(contract_ends=True), dict(offered=True), dict(rep_left=True), dict(satisfaction_=-0.1),
                    dict(wake=0.05), dict(threat_refused=True), dict(contagion=2.0)]:
        assert _consider(**trigger) > base, trigger
    # satisfied, not delighted: no trigger (float32 satisfaction at the threshold is 1e-9 below it)
    assert _consider(satisfaction_=b.delight_threshold) == base
    # delight (satisfaction above the threshold) scales every trigger alike, a salesperson's leaving included
    delighted = b.delight_threshold + 0.01
    h = 0.5 * (b.consider_base_per_month + b.trigger_offer + b.trigger_rep_left) * b.delight_hazard_ratio
    assert _consider(satisfaction_=delighted, offered=True, rep_left=True) == pytest.approx(1 - np.exp(-h))
    assert _consider(satisfaction_=0.5) == _consider(satisfaction_=delighted) < base  # a step, not a slope
    assert _consider(propensity=0.0, contract_ends=True, offered=True) == 0.0
    h = 0.5 * (b.consider_base_per_month + b.trigger_contract_end + b.trigger_offer + b.trigger_dissatisfaction * 0.1
               + b.trigger_rep_left + 0.05 + b.trigger_threat_refused) * 1.5
    assert _consider(satisfaction_=-0.1, contract_ends=True, offered=True, rep_left=True, wake=0.05,
                     threat_refused=True, contagion=1.5) == pytest.approx(1 - np.exp(-h))


def _choosers() -> AccountTable:
    """Slot 0: customer of 0 paying 5 % off, with an offer from 1, a former rep at 2 and 3 months' exit penalty in
    term; slot 1: about to enter the market; slot 2: customer of 2 at list price, with an offer from 0."""
    acc = new_accounts(AccountsConfig(), np.zeros(3, np.int32), RandomStreams(0).generator("test"))
    acc.taste[:] = [0.3, 0.3, 0.2, 0.2]
    acc.mem[:] = [[0.9, 0.8, 1.0], [0.5, 0.5, 0.5], [0.6, 0.7, 0.8]]
    acc.supplier[:] = [0, -1, 2]
    acc.discount[:] = [0.05, 0, 0]
    acc.contract_end[:] = [12, NO_CONTRACT, NO_CONTRACT]
    acc.exit_penalty_months[:] = [3, 0, 2]  # slot 2's is not in term
    acc.offer_from[:], acc.offer_discount[:] = [1, 1, 0], [0.1, 0.3, 0.2]  # an entrant has no offer yet
    acc.rc_firm[:], acc.rc_rep[:] = [0.4, 0, 0.3], [0.2, 0, 0]
    acc.pull_supplier[:], acc.pull[:] = [2, -1, -1], [0.4, 0, 0]
    return acc


def test_value_components_per_the_rule():
    b = BehaviourConfig()
    list_price, brand = np.array([1.0, 0.9, 1.1]), np.array([0.2, 0.0, -0.1])
    reputation = np.array([[0.8, 0.7, 0.9], [0.7, 0.8, 0.95], [0.75, 0.75, 0.85]])
    acc, month = _choosers(), 0
    staying = value_components(np.array([0, 2]), acc, month, list_price, reputation, brand, b)
    entering = value_components(np.array([1]), acc, month, list_price, reputation, brand, b, entering=True)
    comps = np.concatenate([staying[:1], entering, staying[1:]])
    assert comps.shape == (3, 3, len(COMPONENTS))
    c = {name: comps[:, :, i] for i, name in enumerate(COMPONENTS)}
    beta, close = b.choice_beta, {"rtol": 1e-6}  # float32 columns
    # switching cost only for non-incumbents of an account that has an incumbent
    lost = b.procedural_cost + b.money_lost_weight * 3
    np.testing.assert_allclose(c["switching_cost"], [[0, -lost, -lost], [0, 0, 0],
                                                     [-b.procedural_cost, -b.procedural_cost, 0]], **close)
    # relationship only for the incumbent
    np.testing.assert_allclose(c["relationship"], [[1.5 * 0.6, 0, 0], [0, 0, 0], [0, 0, 1.5 * 0.3]], **close)
    # the offer only for the offerer
    np.testing.assert_allclose(c["competitor_offer"], [[0, beta * 0.2 * 0.9 * 0.1, 0], [0, 0, 0],
                                                       [beta * 0.2 * 1.0 * 0.2, 0, 0]], **close)
    np.testing.assert_allclose(c["salesperson_left"], [[0, 0, b.relationship_weight * 0.4], [0, 0, 0], [0, 0, 0]],
                               **close)
    # own experience for the incumbent, reputation for rivals
    np.testing.assert_allclose(c["quality"][0], beta * 0.3 * np.array([0.9, 0.7, 0.75]), **close)
    np.testing.assert_allclose(c["service"][1], beta * 0.3 * reputation[:, 1], **close)
    np.testing.assert_allclose(c["logistics"][2], beta * 0.2 * np.array([0.9, 0.95, 0.8]), **close)
    # price: the incumbent at the price paid, rivals at list price, always a cost
    np.testing.assert_allclose(c["price"], -beta * 0.2 * np.array([[0.95, 0.9, 1.1], [1.0, 0.9, 1.1],
                                                                   [1.0, 0.9, 1.1]]), **close)
    np.testing.assert_allclose(c["brand"], np.tile(brand, (3, 1)))


def test_choice_draws_the_logit_of_the_summed_components_and_names_the_largest_gain():
    b = BehaviourConfig()
    list_price, brand = np.array([1.0, 0.9, 1.1]), np.array([0.2, 0.0, -0.1])
    reputation = np.array([[0.8, 0.7, 0.9], [0.7, 0.8, 0.95], [0.75, 0.75, 0.85]])
    acc, slots, present = _choosers(), np.array([0, 2]), np.array([True, True, False])
    key = RandomStreams(5).key("decision.choice", 0)
    comps = value_components(slots, acc, 0, list_price, reputation, brand, b)
    chosen, reason = choose_suppliers(slots, acc, 0, key, list_price, reputation, brand, present, b)
    np.testing.assert_array_equal(chosen, choose(comps.sum(axis=2), units(key, slots), present))
    assert not (chosen == 2).any()  # not in the market
    switched = chosen != acc.supplier[slots]
    np.testing.assert_array_equal(reason[switched], main_reason(comps[switched], chosen[switched],
                                                                acc.supplier[slots][switched].astype(np.int64)))
    assert (reason[~switched] == -1).all()


def test_choose_frequencies_match_softmax():
    n = 50_000
    utility = np.array([0.0, 1.0, -0.5, 2.0, 0.3])
    chosen = choose(np.tile(utility, (n, 1)), u("choice", n))
    p = np.exp(utility) / np.exp(utility).sum()
    counts = np.bincount(chosen, minlength=5)
    chi2 = ((counts - n * p) ** 2 / (n * p)).sum()
    # chi-square with 4 degrees of freedom exceeds 33.4 with probability 1e-6
    assert chi2 < 33.4, (counts, n * p)


def test_choose_inverts_the_cumulative_distribution_and_survives_large_utilities():
    np.testing.assert_array_equal(choose(np.zeros((4, 2)), np.array([0.0, 0.49, 0.51, 0.999])), [0, 0, 1, 1])
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is harmless
        out = choose(np.tile([1000.0, 0.0, -1000.0], (3, 1)), np.array([0.0, 0.5, 0.999999]))
    np.testing.assert_array_equal(out, [0, 0, 0])


def test_main_reason_is_the_reason_component_with_the_largest_gain():
    idx = {name: i for i, name in enumerate(COMPONENTS)}
    comps = np.zeros((3, 3, len(COMPONENTS)))
    comps[0, 1, idx["price"]], comps[0, 1, idx["quality"]] = 0.5, 0.2
    comps[0, 1, idx["switching_cost"]] = 5.0  # not a reason, however large
    comps[1, 2, idx["relationship"]] = 3.0  # the incumbent's relationship is not a reason either
    comps[1, 2, idx["quality"]], comps[1, 0, idx["quality"]] = 1.0, 0.1
    comps[1, 0, idx["brand"]] = 0.3
    comps[2, 0, idx["price"]], comps[2, 1, idx["price"]] = -1.5, -0.9  # gain 0.6
    comps[2, 0, idx["service"]], comps[2, 1, idx["service"]] = 0.8, 1.0  # larger level, gain only 0.2
    comps[2, 1, idx["salesperson_left"]] = 0.1
    reason = main_reason(comps, np.array([1, 0, 1]), np.array([0, 2, 0]))
    np.testing.assert_array_equal(reason, [code("price"), code("brand"), code("price")])


def test_exit_rates_scale_by_tier():
    """Key accounts × exit_factor_key, small × exit_factor_small, regular as given (closures only here)."""
    n = 60_000
    live, tier = np.arange(n), np.repeat(np.array([0, 1, 2], np.int8), n // 3)
    env = EnvironmentConfig(p_closure=0.1, p_acquisition=0.0, p_upstream_integration=0.0, p_contraction=0.0,
                            exit_factor_key=0.5, exit_factor_small=2.0)
    volume, size0 = np.full(n, 10.0, np.float32), np.full(n, 10.0, np.float32)
    gone, _, _ = uncontrollable_events(live, volume, size0, np.zeros(n, np.float32), tier, keys("event", "contraction"),
                                       env)
    share = np.bincount(tier[gone], minlength=3) / (n // 3)
    # 20,000 accounts a tier: the binomial sd of a share near 0.2 is 0.003; 0.01 is over three sd
    np.testing.assert_allclose(share, [0.05, 0.1, 0.2], atol=0.01)
