"""Every compiled kernel gives exactly what its numpy restatement (tests/oracles.py) gives, on random inputs.

The kernels restate the numpy rules operation for operation in the same float32/float64 types, and the numpy
path they replaced gave bit-identical whole runs, so every comparison here is exact (values and dtypes). Inputs are
random small markets: an account table from :func:`~churnsim.state.accounts.new_accounts`, its state columns
filled from a generator seeded by hypothesis (with a share of edge values: contracts ending this month, zero or
full probabilities, delighted and dissatisfied accounts), random supplier levels, a random ascending subset of live
slots, random keys and parameters drawn within their declared bounds. ``derandomize=True``: the same examples on
every machine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import oracles
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from churnsim.core.codes import ACTIVE, EXITED, NO_CONTRACT, NOT_YET
from churnsim.core.config import (
    AccountsConfig,
    BehaviourConfig,
    CompetitorsConfig,
    EnvironmentConfig,
    MarketConfig,
    RunConfig,
    SalesForceConfig,
    SupplierConfig,
    ThreatsConfig,
)
from churnsim.core.rng import gaussian, gaussians, unit, units
from churnsim.engine.recorder import _aggregates
from churnsim.mechanisms import choice, delivery, environment, money, relationships, salesforce, satisfaction, threats
from churnsim.mechanisms.contagion import log_multiplier
from churnsim.mechanisms.pricing import conceded, share_off, shares_off, shares_off_of
from churnsim.mechanisms.reputation import reputation
from churnsim.state.accounts import AccountTable, new_accounts
from churnsim.state.reps import RepTable
from churnsim.state.suppliers import SupplierArrays

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

keys = st.integers(0, 2**64 - 1).map(np.uint64)


def assert_same(actual, expected, what: str = "") -> None:
    """Equal to the bit (NaN-free inputs), with the same dtype."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, oracle {expected.dtype}"
    np.testing.assert_array_equal(actual, expected, err_msg=what, strict=True)


def _bounded(cls: type, name: str, cap: float | tuple[float, float] | None = None) -> st.SearchStrategy[float]:
    """Floats within the declared bounds of ``cls.name``, and at most ``cap`` (or within ``cap = (lo, hi)``)."""
    meta = next(f.metadata for f in dataclasses.fields(cls) if f.name == name)
    lo, cap = cap if isinstance(cap, tuple) else (meta["lo"], cap)
    hi = min(h for h in (meta["hi"], cap) if h is not None)
    return st.floats(max(lo, meta["lo"]), hi, exclude_min=meta["strict_lo"] and lo <= meta["lo"], allow_nan=False)


def configs(cls: type, **caps: float | tuple[float, float] | None) -> st.SearchStrategy:
    """``cls`` with the named fields drawn within their bounds (capped where given), the rest at defaults."""
    return st.fixed_dictionaries({name: _bounded(cls, name, cap) for name, cap in caps.items()}).map(
        lambda values: cls(**values))


behaviours = configs(BehaviourConfig, p_service_request=None, complaint_escalation=None, satisfaction_memory=None,
                     report_noise_sd=0.2, consider_base_per_month=None, trigger_contract_end=None,
                     trigger_offer=None, trigger_dissatisfaction=10.0, trigger_rep_left=None,
                     trigger_threat_refused=None, delight_threshold=0.3, delight_hazard_ratio=None,
                     contagion_hr_per_contact=None, contagion_tenure_damping=None, rep_owned_share=None,
                     relationship_growth_per_month=None, pull_decay_per_month=None)


# ---- random markets ------------------------------------------------------------------------------------------

@dataclass
class World:
    """A random small market: the account table, its live slots and its suppliers' levels."""

    acc: AccountTable
    live: np.ndarray  # active slots, ascending
    n_entered: int  # slots entered so far (live ⊂ [0, n_entered))
    month: int
    sup: SupplierArrays
    product_value: np.ndarray  # (K,)
    list_price: np.ndarray  # (K,)
    gen: np.random.Generator  # for anything else a test needs

    @property
    def k(self) -> int:
        return len(self.sup)

    def active(self) -> np.ndarray:
        return self.acc.status == ACTIVE


def _mixed(gen: np.random.Generator, n: int, lo: float, hi: float, edge: float = 0.2) -> np.ndarray:
    """Uniform in [lo, hi], with about ``edge`` of the values exactly ``lo`` and as many exactly ``hi``."""
    x = lo + (hi - lo) * gen.random(n)
    pick = gen.random(n)
    return np.where(pick < edge, lo, np.where(pick > 1 - edge, hi, x))


def _months(gen: np.random.Generator, n: int, month: int) -> np.ndarray:
    """End months of contracts or promotions: none, ended, ending now, running, or anywhere near."""
    choices = np.array([NO_CONTRACT, month - 1, month, month + 1, month + 12])
    return np.where(gen.random(n) < 0.6, choices[gen.integers(0, len(choices), n)],
                    month + gen.integers(-12, 13, n)).astype(np.int32)


def _suppliers(gen: np.random.Generator, k: int) -> SupplierArrays:
    def level(name: str) -> SupplierConfig:
        return SupplierConfig(
            name=name, price=float(0.6 + 0.8 * gen.random()), quality=float(_mixed(gen, 1, 0.3, 1.0)[0]),
            p_quality_incident=float(_mixed(gen, 1, 0.0, 1.0)[0]), service_level=float(_mixed(gen, 1, 0.0, 1.0)[0]),
            logistics_reliability=float(_mixed(gen, 1, 0.0, 1.0)[0]),
            relationship_selling=float(_mixed(gen, 1, 0.0, 1.0)[0]), p_concede=float(_mixed(gen, 1, 0.0, 1.0)[0]))

    cfg = RunConfig(market=MarketConfig(focal=level("focal")),
                    competitors=CompetitorsConfig(rivals=[level(f"rival_{j}") for j in range(1, k)]))
    return SupplierArrays.of(cfg)


@st.composite
def worlds(draw, max_accounts: int = 60, max_suppliers: int = 5) -> World:
    n = draw(st.integers(1, max_accounts))
    k = draw(st.integers(1, max_suppliers))
    month = draw(st.integers(-6, 36))
    live_share = draw(st.sampled_from([0.6, 1.0, 0.3, 0.0]))
    gen = np.random.Generator(np.random.PCG64(draw(st.integers(0, 2**63))))
    acc = new_accounts(AccountsConfig(), np.zeros(n, np.int32), gen)
    live = np.flatnonzero(gen.random(n) < live_share)
    n_entered = int(gen.integers(live[-1] + 1 if len(live) else 0, n + 1))
    entered = np.arange(n) < n_entered

    acc.status[:] = np.where(entered, EXITED, NOT_YET)
    acc.status[live] = ACTIVE
    acc.tier[:] = gen.integers(0, 3, n)  # key accounts in every small table
    acc.supplier[:] = np.where(entered, gen.integers(0, k, n), -1)
    acc.rep[:] = gen.integers(0, 12, n)
    acc.volume[:] = acc.size0 * gen.uniform(0.15, 1.2, n)
    acc.since_month[:] = month - gen.integers(0, 40, n)
    acc.since_month[gen.random(n) < 0.15] = month  # joined this month: decides from next month
    acc.contract_end[:] = _months(gen, n, month)
    acc.promo_end[:] = _months(gen, n, month)
    for name, hi in [("discount", 0.3), ("contract_discount", 0.3), ("promo_discount", 0.3), ("match_discount", 0.3),
                     ("margin_hit", 0.1),
                     ("quality_bonus", 0.3), ("service_boost", 0.5), ("logistics_boost", 0.5),
                     ("wake_hazard", 0.2), ("exposure", 4.0), ("complaint_weight", 6.0), ("offer_discount", 0.3)]:
        getattr(acc, name)[:] = _mixed(gen, n, 0.0, hi, edge=0.3)
    for name in ("discount_by", "contract_by", "promo_by", "match_by", "offer_by"):  # granted by the market or
        getattr(acc, name)[:] = gen.integers(-1, 4, n)  # by one of four components
    acc.incident_factor[:] = _mixed(gen, n, 0.0, 3.0)
    acc.mem[:] = gen.random((n, 3))
    acc.satisfaction[:] = np.where(gen.random(n) < 0.1, 0.0, gen.uniform(-0.4, 0.4, n))
    acc.reported[:] = gen.integers(1, 6, n)
    firm = gen.random(n)
    acc.rc_firm[:] = firm
    acc.rc_rep[:] = gen.random(n) * (1 - firm)
    acc.pull[:] = np.where(entered, _mixed(gen, n, 0.0, 1.0), 0)  # slots not yet entered hold no pull
    acc.pull_supplier[:] = np.where(acc.pull > 0, gen.integers(0, k, n), -1)
    acc.offer_from[:] = gen.integers(-1, k, n)
    acc.rep_left[:] = gen.random(n) < 0.3
    acc.threat_refused[:] = gen.random(n) < 0.3
    acc.revenue_total[:] = 100 * gen.random(n)
    acc.revenue_focal[:] = np.where(gen.random(n) < 0.5, acc.revenue_total * gen.random(n), 0)

    sup = _suppliers(gen, k)
    return World(acc, live, n_entered, month, sup, product_value=_mixed(gen, k, 0.5, 1.0),
                 list_price=sup.list_prices(month) * (1 - 0.2 * gen.random(k)), gen=gen)


def _copy(acc: AccountTable) -> AccountTable:
    return AccountTable(**{f.name: getattr(acc, f.name).copy() for f in dataclasses.fields(acc)})


def assert_unchanged_but(acc: AccountTable, before: AccountTable, *changed: str) -> None:
    """Every column of ``acc`` but ``changed`` is as it was."""
    for f in dataclasses.fields(acc):
        if f.name not in changed:
            assert_same(getattr(acc, f.name), getattr(before, f.name), f.name)


# ---- churnsim.core.rng ---------------------------------------------------------------------------------------

slot_lists = st.lists(st.one_of(st.integers(0, 2**16), st.integers(0, 2**62)), max_size=40).map(
    lambda s: np.array(s, dtype=np.int64))


@SETTINGS
@given(key=st.one_of(keys, st.sampled_from([np.uint64(0), np.uint64(2**64 - 1)])), slots=slot_lists)
def test_unit_and_units_are_the_numpy_splitmix(key, slots):
    expected = oracles.unit(key, slots)
    assert_same(units(key, slots), expected, "units")
    assert_same(np.array([unit(key, i) for i in slots], dtype=np.float64), expected, "unit")


@SETTINGS
@given(key=keys, slots=slot_lists)
def test_gaussian_and_gaussians_interpolate_the_normal_table(key, slots):
    expected = oracles.gaussian(oracles.unit(key, slots))
    assert_same(gaussians(key, slots), expected, "gaussians")
    assert_same(np.array([gaussian(key, i) for i in slots], dtype=np.float64), expected, "gaussian")


# ---- pricing -------------------------------------------------------------------------------------------------

@SETTINGS
@given(w=worlds())
def test_share_off_is_the_best_running_discount(w):
    acc, slots = w.acc, np.arange(w.acc.capacity)
    columns = (acc.discount, acc.contract_end, acc.contract_discount, acc.promo_end, acc.promo_discount,
               acc.match_discount)
    expected = oracles.price_discount(slots, w.month, acc)
    assert_same(shares_off(slots, w.month, *columns), expected, "shares_off")
    assert_same(shares_off_of(acc, slots, w.month), expected, "shares_off_of")
    assert_same(np.array([share_off(i, w.month, *columns) for i in slots], dtype=np.float64), expected, "share_off")


@SETTINGS
@given(w=worlds())
def test_conceded_is_what_the_strategy_gives_beyond_the_market(w):
    acc, slots = w.acc, np.arange(w.acc.capacity)
    given, grantor = oracles.conceded(slots, w.month, acc)
    out = [conceded(i, w.month, acc.discount, acc.discount_by, acc.contract_end, acc.contract_discount,
                    acc.contract_by, acc.promo_end, acc.promo_discount, acc.promo_by, acc.match_discount, acc.match_by)
           for i in slots]
    assert_same(np.array([o[0] for o in out], dtype=np.float64), oracles.price_discount(slots, w.month, acc),
                "share off")
    assert_same(np.array([o[1] for o in out], dtype=np.float64), given, "conceded share")
    assert_same(np.array([o[2] for o in out], dtype=np.int64), grantor, "grantor")


# ---- delivery and satisfaction -------------------------------------------------------------------------------

@SETTINGS
@given(w=worlds(), b=behaviours, k=st.tuples(keys, keys, keys, keys))
def test_deliver_is_the_numpy_delivery_and_memory(w, b, k):
    acc, sup = w.acc, w.sup
    before = _copy(acc)
    weight, mem = oracles.delivery_month(
        w.live, acc.supplier, sup.quality * w.product_value, sup.p_quality_incident, sup.logistics_reliability,
        sup.service_level, acc.quality_bonus, acc.incident_factor, acc.logistics_boost, acc.service_boost,
        acc.complaint_weight, acc.mem, k, b)
    delivery.deliver(w.live, acc, sup, w.product_value, k, b)
    assert_same(acc.complaint_weight, weight, "complaint_weight")
    assert_same(acc.mem, mem, "mem")
    assert_unchanged_but(acc, before, "complaint_weight", "mem")


@SETTINGS
@given(memory=st.floats(0, 1), seen=st.floats(0, 1), weight=_bounded(BehaviourConfig, "satisfaction_memory"))
def test_remember_is_the_numpy_exponential_memory(memory, seen, weight):
    m, s = np.array([memory], np.float32), np.array([seen], np.float32)
    got = satisfaction.remember(m[0], s[0], np.float32(1 - weight), np.float32(weight))
    assert_same(np.array([got], np.float32), oracles.remember(m, s, weight))  # a compiled call boxes its float32


@SETTINGS
@given(w=worlds(), b=behaviours, key=keys)
def test_experience_is_the_numpy_satisfaction_and_survey_answer(w, b, key):
    acc = w.acc
    before = _copy(acc)
    expected = oracles.experience(w.live, acc, w.list_price, w.month, key, b)
    satisfaction.experience(w.live, acc, w.list_price, w.month, key, b)
    assert_same(acc.satisfaction, expected[0], "satisfaction")
    assert_same(acc.reported, expected[1], "reported")
    assert_unchanged_but(acc, before, "satisfaction", "reported")


# ---- environment ---------------------------------------------------------------------------------------------

environments = configs(EnvironmentConfig, p_closure=0.3, p_acquisition=0.3, p_upstream_integration=0.3,
                       p_contraction=None, contraction_factor=None, contraction_exit_share=None,
                       exit_factor_key=1.1, exit_factor_small=1.1)


@SETTINGS
@given(w=worlds(), env=environments, k=st.tuples(keys, keys))
def test_uncontrollable_events_are_the_numpy_events(w, env, k):
    acc = w.acc
    gone, reason, staying, volume = oracles.events(w.live, acc.volume, acc.size0, k, env, acc.tier)
    before = _copy(acc)
    got = environment.uncontrollable_events(w.live, acc.volume, acc.size0, acc.development, acc.tier, k, env)
    for name, actual, expected in zip(("gone", "reason", "staying"), got, (gone, reason, staying), strict=True):
        assert_same(actual, expected, name)
    assert_same(acc.volume, volume, "volume")
    assert_unchanged_but(acc, before, "volume")


# ---- contagion and choice ------------------------------------------------------------------------------------

@SETTINGS
@given(seed=st.integers(0, 2**32), hr=_bounded(BehaviourConfig, "contagion_hr_per_contact"),
       damping=_bounded(BehaviourConfig, "contagion_tenure_damping"))
def test_log_multiplier_is_the_log_of_the_numpy_hazard_multiplier(seed, hr, damping):
    gen = np.random.Generator(np.random.PCG64(seed))
    exposure = _mixed(gen, 30, 0.0, 5.0).astype(np.float32)
    tenure = gen.integers(1, 400, 30)
    logs = np.array([log_multiplier(e, t, np.log(hr), damping) for e, t in zip(exposure, tenure, strict=True)])
    assert_same(np.exp(logs), oracles.hazard_multiplier(exposure.astype(np.float64), tenure, hr, damping))


@SETTINGS
@given(w=worlds(), b=behaviours, key=keys)
def test_considering_is_the_numpy_consideration(w, b, key):
    acc = w.acc
    before = _copy(acc)
    expected = oracles.considering(w.live, acc.since_month, w.month, acc.propensity, acc.satisfaction,
                                   acc.contract_end, acc.offer_from, acc.supplier, acc.rep_left, acc.wake_hazard,
                                   acc.threat_refused, acc.exposure, key, b)
    assert_same(choice.considering(w.live, acc, w.month, key, b), expected)
    assert_unchanged_but(acc, before)


@st.composite
def choosers(draw):
    """A random market, the slots that choose this month (a subset of the live ones, or entrants), and the
    suppliers' reputation, brand and presence."""
    w = draw(worlds())
    acc, gen, k = w.acc, w.gen, w.k
    n = len(acc.supplier)
    acc.exit_penalty_months[:] = _mixed(gen, n, 0.0, 6.0, edge=0.3)
    acc.points_months[:] = _mixed(gen, n, 0.0, 2.0, edge=0.3)
    acc.bundle_months[:] = _mixed(gen, n, 0.0, 1.0, edge=0.3)
    entering = draw(st.booleans())
    slots = w.live[gen.random(len(w.live)) < draw(st.sampled_from([1.0, 0.5]))]
    reputation = np.where(gen.random((k, 3)) < 0.2, 1.0, gen.random((k, 3)))
    brand = gen.normal(0, 0.5, k)
    present = gen.random(k) < 0.8
    present[gen.integers(0, k)] = True  # someone to choose
    return w, slots, entering, reputation, brand, present


@SETTINGS
@given(c=choosers(), b=behaviours, key=keys)
def test_choice_is_the_numpy_logit_with_its_reasons(c, b, key):
    """Components, chosen supplier and reason of every chooser, exact (``np.exp`` and the libm ``exp`` numba calls
    agree on this machine, checked over a million arguments; where a SIMD ``np.exp`` differs by an ulp, a draw
    that lands within that ulp of a boundary would pick the neighbour)."""
    w, slots, entering, reputation, brand, present = c
    acc = w.acc
    before = _copy(acc)
    comps = choice.value_components(slots, acc, w.month, w.list_price, reputation, brand, b, entering)
    assert_same(comps, oracles.choice_components(acc, slots, w.month, w.list_price, reputation, brand, b, entering),
                "components")
    chosen, reason = choice.choose_suppliers(slots, acc, w.month, key, w.list_price, reputation, brand, present, b,
                                             entering)
    expected = oracles.choose_suppliers(acc, slots, w.month, key, w.list_price, reputation, brand, present, b,
                                        entering)
    assert_same(chosen, expected[0].astype(np.int64), "chosen")
    assert_same(reason, expected[1], "reason")
    assert not np.isin(chosen, np.flatnonzero(~present)).any()
    assert_unchanged_but(acc, before)


# ---- reputation ----------------------------------------------------------------------------------------------

@SETTINGS
@given(w=worlds())
def test_reputation_is_the_numpy_mean_memory_or_the_nominal_levels(w):
    sup = w.sup
    expected = oracles.reputation(w.live, w.acc.supplier, w.acc.mem, sup.quality * w.product_value,
                                  sup.p_quality_incident, sup.logistics_reliability)
    assert_same(reputation(w.live, w.acc, sup, w.product_value), expected)


# ---- money ---------------------------------------------------------------------------------------------------

@SETTINGS
@given(w=worlds())
def test_revenue_and_ledger_are_the_numpy_ones(w):
    acc, sup, gen, k = w.acc, w.sup, w.gen, w.k
    costs = (sup.unit_cost, 0.1 + 3 * gen.random((k, 3)), gen.integers(0, 4, (k, 3)), sup.acquisition_cost_multiple,
             10 * gen.random(k))
    focal_costs = money.FocalCosts(float(sup.unit_cost[0]), 0.1 + gen.random(3), float(gen.uniform(0, 0.3)))
    before = _copy(acc)
    paid, ledger, total, focal, by_component, given, margin, month_margin = oracles.money_month(
        w.live, acc, w.list_price, w.month, 4, costs, focal_costs)
    taken = money.revenue(w.live, acc, w.list_price, w.month, k, 4, focal_costs)
    assert_same(taken.paid, paid, "revenue")
    assert_same(taken.given, given, "conceded per slot")
    assert_same(taken.margin, month_margin, "margin per slot")
    assert_same(taken.conceded_by_component, by_component, "conceded_by_component")
    for name, value in money.ledger_of(taken, *costs).items():
        assert_same(value, ledger[name], name)
    assert_same(acc.revenue_total, total, "revenue_total")
    assert_same(acc.revenue_focal, focal, "revenue_focal")
    assert_same(acc.margin_focal_npv, margin, "margin_focal_npv")
    assert_unchanged_but(acc, before, "revenue_total", "revenue_focal", "margin_focal_npv")
    slots = np.sort(gen.choice(w.live, size=len(w.live) // 2, replace=False)) if len(w.live) else w.live
    assert_same(money.revenue_of(acc, slots, w.list_price, w.month), oracles.revenue(slots, acc, w.list_price, w.month),
                "revenue_of")


# ---- relationships -------------------------------------------------------------------------------------------

@SETTINGS
@given(w=worlds(), b=behaviours)
def test_relationships_grow_as_the_numpy_ones(w, b):
    acc, selling = w.acc, w.sup.relationship_selling
    before = _copy(acc)
    rc_firm, rc_rep, pull = oracles.grow(w.active(), acc.supplier, acc.rc_firm, acc.rc_rep, acc.pull, selling, b)
    relationships.grow(w.live, acc, selling, w.n_entered, b)
    assert_same(acc.rc_firm, rc_firm, "rc_firm")
    assert_same(acc.rc_rep, rc_rep, "rc_rep")
    assert_same(acc.pull, pull, "pull")
    assert_unchanged_but(acc, before, "rc_firm", "rc_rep", "pull")


# ---- sales force ---------------------------------------------------------------------------------------------

@SETTINGS
@given(w=worlds(), seed=st.integers(0, 2**32))
def test_books_and_served_by_are_the_numpy_counts_and_mask(w, seed):
    acc, n_reps = w.acc, 12
    for got, expected in zip(salesforce._books(w.live, acc.rep, acc.supplier, n_reps, w.k),
                             oracles.books(w.active(), acc.rep, acc.supplier, n_reps, w.k), strict=True):
        assert_same(got, expected)
    flagged = np.random.Generator(np.random.PCG64(seed)).random(n_reps) < 0.3
    assert_same(salesforce._served_by(w.live, acc.rep, flagged), oracles.served_by(w.live, acc.rep, flagged))


salesforces = configs(SalesForceConfig, quit_rate_per_year=(0.3, 1.0), morale_recovery_per_month=None,
                      morale_churn_sensitivity=10.0, quit_morale_elasticity=(1.0, 5.0),
                      courted_quit_multiplier=20.0, p_join_competitor=None)


@SETTINGS
@given(w=worlds(), sf=salesforces)
def test_turnover_is_the_numpy_sales_force_step(w, sf):
    acc, gen, k = w.acc, w.gen, w.k
    reps = RepTable.for_suppliers([1 + int(gen.integers(0, 6)) for _ in range(k)])
    n_reps = len(reps)
    acc.rep[:] = gen.integers(0, n_reps, acc.capacity)
    reps.morale[:] = gen.uniform(-1.5, 1, n_reps)  # low morale: quits in most examples
    reps.tenure_months[:] = gen.integers(0, 60, n_reps)
    reps.courted_by[:] = np.where(gen.random(n_reps) < 0.3, gen.integers(0, k, n_reps), -1)
    reps.book_departures[:] = gen.integers(0, 3, n_reps)
    reps.hired = n_reps + int(gen.integers(0, 50))
    morale_target, present = gen.uniform(-0.5, 0.5, k), gen.random(k) < 0.9
    u_quit, u_destination = gen.random(n_reps), gen.random(n_reps)
    expected = oracles.turnover(w.live, w.active(), acc.rep, acc.supplier, acc.rc_rep, acc.pull, acc.pull_supplier,
                                acc.rep_left, reps.employer, reps.person, reps.morale, reps.tenure_months,
                                reps.courted_by, reps.book_departures, reps.hired, morale_target, present, u_quit,
                                u_destination, sf)
    before = _copy(acc)
    quits = salesforce.turnover(w.live, acc, reps, morale_target, present, u_quit, u_destination, sf)
    for name in ("person", "employer", "to", "poached"):
        assert_same(getattr(quits, name), expected[f"quit_{name}"], name)
    for name in ("rc_rep", "pull", "pull_supplier", "rep_left"):
        assert_same(getattr(acc, name), expected[name], name)
    for name in ("person", "morale", "tenure_months", "book_departures", "hired"):
        assert_same(getattr(reps, name), expected[name], name)
    assert_unchanged_but(acc, before, "rc_rep", "pull", "pull_supplier", "rep_left")


# ---- threats -------------------------------------------------------------------------------------------------

threat_configs = configs(ThreatsConfig, rate_per_month=(0.05, 3.0), dissatisfaction_rate=20.0, discount=None)


@SETTINGS
@given(w=worlds(), cfg=threat_configs, months=st.integers(1, 24), k=st.tuples(keys, keys))
def test_negotiate_is_the_numpy_threats_step(w, cfg, months, k):
    acc = w.acc
    cfg = dataclasses.replace(cfg, months=months)
    expected = oracles.threats_month(w.live, acc.tier, acc.satisfaction, acc.supplier, acc.promo_discount,
                                     acc.promo_end, w.sup.p_concede, w.month, k, cfg)
    before = _copy(acc)
    conceded, refused = threats.negotiate(w.live, acc, w.sup.p_concede, w.month, k, cfg)
    assert_same(conceded, expected[0], "conceded")
    assert_same(refused, expected[1], "refused")
    assert_same(acc.promo_discount, expected[2], "promo_discount")
    assert_same(acc.promo_end, expected[3], "promo_end")
    assert_same(acc.threat_refused, expected[4], "threat_refused")
    by = before.promo_by.copy()
    by[conceded] = -1  # a concession won by a threat is the market's, not a strategy's
    assert_same(acc.promo_by, by, "promo_by")
    assert_unchanged_but(acc, before, "promo_discount", "promo_end", "promo_by", "threat_refused")


# ---- recorder ------------------------------------------------------------------------------------------------

@SETTINGS
@given(w=worlds())
def test_month_aggregates_are_the_numpy_counts_and_sums(w):
    acc = w.acc
    cohort = w.gen.random(acc.capacity) < 0.5
    got = _aggregates(w.live, acc.supplier, acc.supplier[w.live] == 0, acc.reported, acc.satisfaction, cohort, w.k)
    expected = oracles.aggregates(w.live, acc.supplier, acc.reported, acc.satisfaction, cohort, w.k)
    for name, actual, oracle in zip(("active", "levels", "satisfaction", "in_cohort"), got, expected, strict=True):
        assert_same(actual, oracle, name)
