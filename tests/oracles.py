"""Numpy restatements of the compiled kernels: the oracles ``tests/test_oracles.py`` compares them with.

Before the engine was put in layers, every hot mechanism existed twice, a numba kernel and a numpy path, and whole
runs of the two were compared to the bit. The kernels are now the only implementation; the numpy path lives on
here, as test code: the old mechanism functions (``deliver``, ``remember``, ``satisfaction``, ``reported_level``,
``uncontrollable_events``, ``consideration_probability``, ``delight``, ``hazard_multiplier``, ``candidates``,
``negotiate``, ``unit``, ``gaussian``, ``price_discount``) and the numpy branches of the old
model and recorder that called them, adapted to take plain arrays. Functions return new arrays; none changes its
arguments. Each names the kernel it is the oracle of.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from churnsim.core.codes import KEY, code
from churnsim.core.config import BehaviourConfig, EnvironmentConfig, SalesForceConfig, ThreatsConfig
from churnsim.core.rng import GAMMA, MIX1, MIX2, NORMAL_CELLS, NORMAL_TABLE
from churnsim.mechanisms.environment import EXIT_CODES
from churnsim.mechanisms.money import FocalCosts, Month, ledger_of
from churnsim.mechanisms.salesforce import destinations, next_morale, quits

_TO_UNIT = 2.0**-53


# ---- churnsim.core.rng --------------------------------------------------------------------------------------

def unit(key: np.uint64, slots: np.ndarray) -> np.ndarray:
    """Oracle of ``churnsim.core.rng.unit`` and ``units``: the uniforms of ``slots`` under ``key``."""
    with np.errstate(over="ignore"):
        z = np.asarray(slots, dtype=np.uint64) + np.uint64(1)
        z *= GAMMA
        z += key
        z ^= z >> np.uint64(30)
        z *= MIX1
        z ^= z >> np.uint64(27)
        z *= MIX2
        z ^= z >> np.uint64(31)
    z >>= np.uint64(11)
    return z.astype(np.float64) * _TO_UNIT


def gaussian(u: np.ndarray) -> np.ndarray:
    """Oracle of ``churnsim.core.rng.gaussian`` and ``gaussians``, given the slots' uniforms ``u``."""
    t = u * NORMAL_CELLS
    k = t.astype(np.int64)
    f = t - k
    lo = NORMAL_TABLE[k]
    return lo + f * (NORMAL_TABLE[k + 1] - lo)


# ---- churnsim.mechanisms.pricing ----------------------------------------------------------------------------

def running_discounts(slots: np.ndarray, month: int, acc) -> np.ndarray:
    """(len(slots), 4) float32: the permanent, contract, promotional and price-match discounts running in
    ``month``."""
    contract = np.where(acc.contract_end[slots] >= month, acc.contract_discount[slots], 0)
    promo = np.where(acc.promo_end[slots] >= month, acc.promo_discount[slots], 0)
    return np.stack([acc.discount[slots], contract, promo, acc.match_discount[slots]], axis=1).astype(np.float32)


def price_discount(slots: np.ndarray, month: int, acc) -> np.ndarray:
    """Oracle of ``pricing.share_off`` and ``pricing.shares_off`` (the old ``AccountTable.price_discount``)."""
    return running_discounts(slots, month, acc).max(axis=1).astype(np.float64)


def conceded(slots: np.ndarray, month: int, acc) -> tuple[np.ndarray, np.ndarray]:
    """Oracle of ``pricing.conceded``: (the share the strategy concedes beyond the market's discounts, the component
    whose discount binds, -1 when the largest is the market's or none runs)."""
    shares = running_discounts(slots, month, acc)
    by = np.stack([acc.discount_by[slots], acc.contract_by[slots], acc.promo_by[slots], acc.match_by[slots]], axis=1)
    top = shares.max(axis=1)
    binding = np.argmax(shares, axis=1)  # the first of the largest
    grantor = np.where(top > 0, by[np.arange(len(slots)), binding], -1).astype(np.int64)
    market = np.where(by < 0, shares, 0).max(axis=1, initial=0)
    given = np.where(grantor >= 0, top.astype(np.float64) - market.astype(np.float64), 0.0)
    return given, grantor


# ---- churnsim.mechanisms.delivery and satisfaction ----------------------------------------------------------

def deliver(quality: np.ndarray, p_incident: np.ndarray, logistics: np.ndarray, service_level: np.ndarray,
            complaint_weight: np.ndarray, p_service_request: float, escalation: float,
            u_quality: np.ndarray, u_logistics: np.ndarray, u_request: np.ndarray, u_resolve: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray]:
    """Oracle of one account-month of ``delivery._deliver``: (experience (n, 3) float32, complaint weight)."""
    incident = u_quality < p_incident
    on_time = u_logistics < logistics
    new = incident.astype(np.float32) + ~on_time + (u_request < p_service_request)
    resolved = u_resolve < service_level
    weight = np.where(resolved, np.float32(0), complaint_weight * np.float32(1 + escalation) + new)
    experience = np.empty((len(quality), 3), dtype=np.float32)
    experience[:, 0] = quality * np.where(incident, np.float32(0.5), np.float32(1))
    experience[:, 1] = 1 / (1 + weight)
    experience[:, 2] = on_time
    return experience, weight.astype(np.float32)


def remember(memory: np.ndarray, experience: np.ndarray, weight: float) -> np.ndarray:
    """Oracle of ``satisfaction.remember`` (with ``keep = 1 − weight``, ``take = weight``)."""
    return ((1 - weight) * memory + weight * experience).astype(np.float32)


def delivery_month(live: np.ndarray, supplier: np.ndarray, quality_s: np.ndarray, p_incident_s: np.ndarray,
                   logistics_s: np.ndarray, service_s: np.ndarray, quality_bonus: np.ndarray,
                   incident_factor: np.ndarray, logistics_boost: np.ndarray, service_boost: np.ndarray,
                   complaint_weight: np.ndarray, mem: np.ndarray, keys: tuple, b: BehaviourConfig,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Oracle of ``delivery._deliver``: (complaint weight, memory) of every slot after the month.

    ``quality_s`` is quality × product value per supplier, the other ``*_s`` the suppliers' levels; ``keys`` the
    month's keys of ``delivery.STREAMS`` (the old ``MarketModel.delivery``, numpy branch).
    """
    weight, memory = complaint_weight.copy(), mem.copy()
    s = supplier[live]
    experience, weight[live] = deliver(
        np.minimum(1, quality_s[s] + quality_bonus[live]).astype(np.float32), p_incident_s[s] * incident_factor[live],
        np.minimum(1, logistics_s[s] + logistics_boost[live]), np.minimum(1, service_s[s] + service_boost[live]),
        complaint_weight[live], b.p_service_request, b.complaint_escalation, *(unit(key, live) for key in keys))
    memory[live] = remember(mem[live], experience, b.satisfaction_memory)
    return weight, memory


def satisfaction(memory: np.ndarray, taste: np.ndarray, expectation: np.ndarray, price_paid: np.ndarray,
                 ) -> np.ndarray:
    """Oracle of true satisfaction in ``satisfaction._experience``."""
    gap = (memory - expectation) * taste[:, :3]
    return (gap.sum(axis=1) + taste[:, 3] * (1 - price_paid)).astype(np.float32)


def reported_level(true_satisfaction: np.ndarray, noise: np.ndarray, cutpoints: np.ndarray) -> np.ndarray:
    """Oracle of the five-level survey answer in ``satisfaction._experience``."""
    seen = true_satisfaction + noise
    level = np.ones(len(seen), dtype=np.int8)
    for cut in cutpoints:
        level += seen > cut
    return level


def experience(live: np.ndarray, acc, list_price: np.ndarray, month: int, key: np.uint64, b: BehaviourConfig
               ) -> tuple[np.ndarray, np.ndarray]:
    """Oracle of ``satisfaction._experience``: (satisfaction, reported) of every slot of account table ``acc`` (the
    old ``MarketModel.experience`` and ``price_paid``, numpy branch)."""
    true, answer = acc.satisfaction.copy(), acc.reported.copy()
    mem, taste = acc.mem, acc.taste
    paid = list_price[acc.supplier[live]] * (1 - price_discount(live, month, acc)) + acc.margin_hit[live]
    true[live] = satisfaction(mem[live], taste[live], np.asarray(b.expectation, dtype=np.float32), paid)
    noise = gaussian(unit(key, live))
    answer[live] = reported_level(true[live], b.report_noise_sd * noise,
                                  np.asarray(b.report_cutpoints, dtype=np.float32))
    return true, answer


# ---- churnsim.mechanisms.environment ------------------------------------------------------------------------

def uncontrollable_events(active: np.ndarray, volume: np.ndarray, size0: np.ndarray, u_event: np.ndarray,
                          u_contraction: np.ndarray, env: EnvironmentConfig, tier: np.ndarray | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Oracle of one month of ``environment._events`` over a mask: (exits, reason or -1); ``volume`` in place."""
    tier = np.ones(len(active), np.int8) if tier is None else tier  # regular: the rates as given
    factor = np.array([env.exit_factor_key, 1.0, env.exit_factor_small])[tier]
    edges = [np.cumsum(np.stack([np.full(len(active), p) * factor for p in
                                 (env.p_closure, env.p_acquisition, env.p_upstream_integration)]), axis=0)[k]
             for k in range(3)]
    kind = sum((u_event >= edge).astype(np.int8) for edge in edges)  # 0, 1, 2 = an exit of that kind; 3 = none
    reason = np.full(len(active), -1, dtype=np.int8)
    exits = active & (kind < 3)
    reason[exits] = EXIT_CODES[kind[exits]]
    shrinks = active & ~exits & (u_contraction < env.p_contraction)
    volume[shrinks] *= np.float32(env.contraction_factor)
    too_small = shrinks & (volume < env.contraction_exit_share * size0)
    reason[too_small] = code("contraction")
    return exits | too_small, reason


def events(live: np.ndarray, volume: np.ndarray, size0: np.ndarray, keys: tuple, env: EnvironmentConfig,
           tier: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Oracle of ``environment._events``: (gone, reason, staying, volume after the month) for ``live`` ascending
    (the old ``MarketModel.environment``, numpy branch)."""
    n = len(volume)
    active = np.zeros(n, bool)
    active[live] = True
    volume = volume.copy()
    exits, reason = uncontrollable_events(active, volume, size0, *(unit(key, np.arange(n)) for key in keys), env,
                                          tier)
    gone = np.flatnonzero(exits)
    return gone, reason[gone], live[~exits[live]], volume


# ---- churnsim.mechanisms.contagion and choice ---------------------------------------------------------------

def hazard_multiplier(exposure: np.ndarray, tenure_months: np.ndarray, hr_per_contact: float,
                      tenure_damping: float) -> np.ndarray:
    """Oracle of ``contagion.log_multiplier`` (this is ``exp`` of it)."""
    log_hr = np.log(hr_per_contact) / (1 + tenure_damping * tenure_months / 12.0)
    return np.exp(log_hr * exposure)


def delight(satisfaction: np.ndarray, b: BehaviourConfig) -> np.ndarray:
    """Oracle of the delight factor in ``choice._consider``."""
    return np.where(satisfaction > b.delight_threshold, b.delight_hazard_ratio, 1.0)


def consideration_probability(propensity: np.ndarray, satisfaction: np.ndarray, contract_ends: np.ndarray,
                              offered: np.ndarray, rep_left: np.ndarray, wake: np.ndarray,
                              threat_refused: np.ndarray, contagion: np.ndarray, b: BehaviourConfig) -> np.ndarray:
    """Oracle of the chance ``choice.considering`` computes from ``choice._consider``."""
    triggers = (b.consider_base_per_month + b.trigger_contract_end * contract_ends + b.trigger_offer * offered
                + b.trigger_dissatisfaction * np.maximum(0.0, -satisfaction) + b.trigger_rep_left * rep_left + wake
                + b.trigger_threat_refused * threat_refused)
    return -np.expm1(-propensity * (triggers * delight(satisfaction, b)) * contagion)


def considering(live: np.ndarray, since_month: np.ndarray, month: int, propensity: np.ndarray,
                satisfaction: np.ndarray, contract_end: np.ndarray, offer_from: np.ndarray, supplier: np.ndarray,
                rep_left: np.ndarray, wake_hazard: np.ndarray, threat_refused: np.ndarray, exposure: np.ndarray,
                key: np.uint64, b: BehaviourConfig) -> np.ndarray:
    """Oracle of ``choice._consider``: the slots that consider leaving (the old
    ``DecisionStep.considering`` and ``consideration``, numpy branch)."""
    slots = live[since_month[live] < month]
    tenure = month - since_month[slots]
    chance = consideration_probability(
        propensity[slots].astype(np.float64), satisfaction[slots].astype(np.float64), contract_end[slots] == month,
        (offer_from[slots] >= 0) & (offer_from[slots] != supplier[slots]), rep_left[slots],
        wake_hazard[slots].astype(np.float64), threat_refused[slots],
        hazard_multiplier(exposure[slots].astype(np.float64), tenure, b.contagion_hr_per_contact,
                          b.contagion_tenure_damping), b)
    return slots[unit(key, slots) < chance]


def value_components(incumbent: np.ndarray, taste: np.ndarray, memory: np.ndarray, price_paid: np.ndarray,
                     offer_from: np.ndarray, offer_discount: np.ndarray, relationship: np.ndarray,
                     pull_supplier: np.ndarray, pull: np.ndarray, money_lost_months: np.ndarray,
                     list_price: np.ndarray, reputation: np.ndarray, brand: np.ndarray,
                     b: BehaviourConfig) -> np.ndarray:
    """Oracle of ``choice.value_components`` and ``choice._component_row``: (m, K, 9) components of m choosers,
    ``incumbent`` -1 for one entering the market (the old numpy ``value_components`` over a ``ChoiceSet``)."""
    m, k = len(incumbent), len(list_price)
    inc = (incumbent[:, None] == np.arange(k)[None, :])
    taste = taste.astype(np.float64)
    levels = np.where(inc[:, :, None], memory[:, None, :].astype(np.float64), reputation[None, :, :])
    price = np.where(inc, price_paid[:, None].astype(np.float64), list_price[None, :])
    offered = offer_from[:, None] == np.arange(k)[None, :]
    out = np.zeros((m, k, 9))
    out[:, :, :3] = b.choice_beta * taste[:, None, :3] * levels
    out[:, :, 3] = -b.choice_beta * taste[:, 3:4] * price
    out[:, :, 4] = np.where(offered, b.choice_beta * taste[:, 3:4] * list_price[None, :] * offer_discount[:, None], 0.0)
    out[:, :, 5] = brand[None, :]
    out[:, :, 6] = np.where(pull_supplier[:, None] == np.arange(k)[None, :], b.relationship_weight * pull[:, None], 0.0)
    out[:, :, 7] = np.where(inc, b.relationship_weight * relationship[:, None], 0.0)
    entering = incumbent < 0
    cost = b.procedural_cost + b.money_lost_weight * money_lost_months.astype(np.float64)
    out[:, :, 8] = np.where(inc | entering[:, None], 0.0, -cost[:, None])
    return out


def choice_components(acc, slots: np.ndarray, month: int, list_price: np.ndarray, reputation: np.ndarray,
                      brand: np.ndarray, b: BehaviourConfig, entering: bool) -> np.ndarray:
    """The components of account table ``acc``'s ``slots`` (the old ``choice_set`` and ``ChoiceSet.entering``)."""
    m, none = len(slots), np.full(len(slots), -1)
    if entering:
        return value_components(none, acc.taste[slots], acc.mem[slots], np.ones(m), none, np.zeros(m), np.zeros(m),
                                none, np.zeros(m), np.zeros(m), list_price, reputation, brand, b)
    off = price_discount(slots, month, acc)
    paid = list_price[acc.supplier[slots]] * (1 - off) + acc.margin_hit[slots]
    penalty = np.where(acc.contract_end[slots] > month, acc.exit_penalty_months[slots], 0)
    lost = (penalty + acc.points_months[slots] + acc.bundle_months[slots]).astype(np.float64)
    return value_components(acc.supplier[slots].astype(np.int64), acc.taste[slots], acc.mem[slots], paid,
                            acc.offer_from[slots].astype(np.int64), acc.offer_discount[slots],
                            acc.rc_firm[slots].astype(np.float64) + acc.rc_rep[slots],
                            acc.pull_supplier[slots].astype(np.int64), acc.pull[slots], lost, list_price, reputation,
                            brand, b)


def choose(utility: np.ndarray, u: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Oracle of ``choice._pick``: logit draw by inverting the cumulative distribution (the old numpy ``choose``)."""
    utility = np.where(present[None, :], utility, -np.inf)
    z = np.exp(utility - utility.max(axis=1, keepdims=True))
    cum = np.cumsum(z, axis=1)
    return np.minimum((u[:, None] * cum[:, -1:] >= cum).sum(axis=1), utility.shape[1] - 1)


def main_reason(components: np.ndarray, chosen: np.ndarray, incumbent: np.ndarray) -> np.ndarray:
    """Oracle of ``choice._reason`` (the old numpy ``main_reason``)."""
    rows = np.arange(len(chosen))
    gain = components[rows, chosen, :7] - components[rows, incumbent, :7]
    return np.array([code(c) for c in ("quality", "service", "logistics", "price", "competitor_offer", "brand",
                                       "salesperson_left")], dtype=np.int8)[np.argmax(gain, axis=1)]


def choose_suppliers(acc, slots: np.ndarray, month: int, key: np.uint64, list_price: np.ndarray,
                     reputation: np.ndarray, brand: np.ndarray, present: np.ndarray, b: BehaviourConfig,
                     entering: bool) -> tuple[np.ndarray, np.ndarray]:
    """Oracle of ``choice.choose_suppliers``: (chosen, reason or -1) (the old ``decide`` after consideration)."""
    comps = choice_components(acc, slots, month, list_price, reputation, brand, b, entering)
    chosen = choose(comps.sum(axis=2), unit(key, slots), present)
    reason = np.full(len(slots), -1, np.int8)
    if not entering:
        incumbent = acc.supplier[slots].astype(np.int64)
        switched = chosen != incumbent
        reason[switched] = main_reason(comps[switched], chosen[switched], incumbent[switched])
    return chosen, reason


# ---- churnsim.mechanisms.reputation -------------------------------------------------------------------------

def reputation(live: np.ndarray, supplier: np.ndarray, mem: np.ndarray, quality_s: np.ndarray,
               p_incident_s: np.ndarray, logistics_s: np.ndarray) -> np.ndarray:
    """Oracle of ``reputation._totals``: the (K, 3) reputation it makes (the old
    ``MarketModel._compute_reputation``, numpy branch); ``quality_s`` is quality × product value."""
    k = len(quality_s)
    s = supplier[live]
    n = np.bincount(s, minlength=k).astype(np.float64)
    total = np.stack([np.bincount(s, weights=mem[live, c], minlength=k) for c in range(3)], 1)
    nominal = np.stack([quality_s, 1.0 / (1.0 + p_incident_s), logistics_s], 1)
    return np.where(n[:, None] > 0, total / np.maximum(n, 1)[:, None], nominal)


# ---- churnsim.mechanisms.money ------------------------------------------------------------------------------

def revenue(slots: np.ndarray, acc, list_price: np.ndarray, month: int) -> np.ndarray:
    """Oracle of ``money._revenue_at`` (and of ``money._revenue``'s revenue per slot): the old
    ``MarketModel.revenue``, every account buying from one supplier (share of wallet: tests/test_wallet.py)."""
    return acc.volume[slots] * list_price[acc.supplier[slots]] * (1 - price_discount(slots, month, acc))


def money_month(live: np.ndarray, acc, list_price: np.ndarray, month: int, n_components: int, costs: tuple,
                focal_costs: FocalCosts) -> tuple:
    """Oracle of ``money.revenue`` through ``ledger_of``: (revenue per live slot, ledger, lifetime revenue, lifetime
    focal revenue, concessions per component, concessions per live slot, the focal accounts' margin in present
    value, the month's margin per live slot) (the old ``MarketModel.money``, numpy branch); ``costs`` are
    ``ledger_of``'s last four arguments."""
    paid = revenue(live, acc, list_price, month)
    total, focal, margin = acc.revenue_total.copy(), acc.revenue_focal.copy(), acc.margin_focal_npv.copy()
    s, k = acc.supplier[live], len(list_price)
    if month >= 0:
        total[live] += paid
        mine = live[s == 0]
        focal[mine] += paid[s == 0]
        present = (1.0 + focal_costs.discount_rate_per_year) ** (-np.float64(month) / 12.0)
        margin[mine] += (paid[s == 0] - focal_costs.unit_cost * acc.volume[mine].astype(np.float64)
                         - focal_costs.cost_to_serve[acc.tier[mine]]) * present
    share, grantor = conceded(live, month, acc)
    given = acc.volume[live].astype(np.float64) * list_price[s] * share
    counted = grantor >= 0
    taken = Month(
        paid=paid,
        given=np.where(counted, given, 0.0),
        margin=np.where(s == 0, paid - focal_costs.unit_cost * acc.volume[live].astype(np.float64)
                        - focal_costs.cost_to_serve[acc.tier[live]], 0.0),
        focal=np.where(s == 0, paid, 0.0),
        held=s == 0,
        revenue=np.bincount(s, weights=paid, minlength=k).astype(np.float64),  # int64 if no accounts
        volume=np.bincount(s, weights=acc.volume[live].astype(np.float64), minlength=k).astype(np.float64),
        wallets=np.bincount(s, weights=acc.volume[live].astype(np.float64), minlength=k).astype(np.float64),
        by_tier=np.bincount(s.astype(np.int64) * 3 + acc.tier[live], minlength=3 * k).reshape(k, 3),
        concessions=np.bincount(s[counted], weights=given[counted], minlength=k).astype(np.float64),
        conceded_by_component=np.bincount(grantor[counted], weights=given[counted],
                                          minlength=n_components).astype(np.float64))
    return paid, ledger_of(taken, *costs), total, focal, taken.conceded_by_component, taken.given, margin, taken.margin


# ---- churnsim.mechanisms.relationships ----------------------------------------------------------------------

def grow(active: np.ndarray, supplier: np.ndarray, rc_firm: np.ndarray, rc_rep: np.ndarray, pull: np.ndarray,
         selling: np.ndarray, b: BehaviourConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Oracle of ``relationships._grow`` (and the pull decay of ``relationships.grow``): (rc_firm, rc_rep, pull)
    (the old ``MarketModel.end_month``, numpy branch, which decays every slot's pull)."""
    gap = 1 - rc_firm - rc_rep
    growth = np.float32(b.relationship_growth_per_month) * gap * active * selling.astype(np.float32)[supplier]
    return (rc_firm + growth * np.float32(1 - b.rep_owned_share), rc_rep + growth * np.float32(b.rep_owned_share),
            pull * np.float32(1 - b.pull_decay_per_month))


# ---- churnsim.mechanisms.salesforce -------------------------------------------------------------------------

def books(active: np.ndarray, rep: np.ndarray, supplier: np.ndarray, n_reps: int, n_suppliers: int,
          ) -> tuple[np.ndarray, np.ndarray]:
    """Oracle of ``salesforce._books``: active accounts per salesperson slot and per supplier."""
    return np.bincount(rep[active], minlength=n_reps), np.bincount(supplier[active], minlength=n_suppliers)


def served_by(live: np.ndarray, rep: np.ndarray, flagged: np.ndarray) -> np.ndarray:
    """Oracle of ``salesforce._served_by``."""
    return live[flagged[rep[live]]]


def turnover(live: np.ndarray, active: np.ndarray, rep: np.ndarray, supplier: np.ndarray, rc_rep: np.ndarray,
             pull: np.ndarray, pull_supplier: np.ndarray, rep_left: np.ndarray, employer: np.ndarray,
             person: np.ndarray, morale: np.ndarray, tenure_months: np.ndarray, courted_by: np.ndarray,
             book_departures: np.ndarray, hired: int, morale_target: np.ndarray, present: np.ndarray,
             u_quit: np.ndarray, u_destination: np.ndarray, sf: SalesForceConfig) -> dict[str, np.ndarray]:
    """Oracle of ``salesforce.turnover`` with ``_books`` and ``_served_by``: every array it changes and the quits
    (the old ``MarketModel.sales_force``, numpy branch)."""
    out = {"rc_rep": rc_rep.copy(), "pull": pull.copy(), "pull_supplier": pull_supplier.copy(),
           "rep_left": rep_left.copy(), "person": person.copy(), "tenure_months": tenure_months.copy()}
    book, share = books(active, rep, supplier, len(employer), len(present))
    book = book + book_departures
    churn_share = book_departures / np.maximum(book, 1)
    target = morale_target[employer]
    out["morale"] = next_morale(morale, churn_share, target, sf.morale_recovery_per_month,
                                sf.morale_churn_sensitivity)
    quitting = quits(out["morale"], courted_by, u_quit, sf.quit_rate_per_year, sf.quit_morale_elasticity,
                     sf.courted_quit_multiplier)
    quitting &= present[employer]
    dest = destinations(quitting, courted_by, employer, u_destination, sf.p_join_competitor,
                        share.astype(np.float64))
    leavers = np.flatnonzero(quitting)
    out |= {"quit_person": person[leavers], "quit_employer": employer[leavers], "quit_to": dest[leavers],
            "quit_poached": courted_by[leavers] >= 0}
    affected = served_by(live, rep, quitting)
    new_employer = dest[rep[affected]]
    moved = new_employer >= 0
    out["pull_supplier"][affected[moved]] = new_employer[moved]
    out["pull"][affected[moved]] = rc_rep[affected[moved]]
    out["rc_rep"][affected] = 0
    out["rep_left"][affected] = True
    out["person"][leavers] = hired + np.arange(len(leavers))
    out["morale"][leavers] = target[leavers]
    out["tenure_months"][leavers] = 0
    out["book_departures"] = np.zeros_like(book_departures)
    out["hired"] = np.int64(hired + len(leavers))
    return out


# ---- churnsim.mechanisms.threats ----------------------------------------------------------------------------

def candidates(live: np.ndarray, tier: np.ndarray, promo_end: np.ndarray, month: int) -> np.ndarray:
    """Oracle of ``threats._candidates``."""
    return live[(tier[live] == KEY) & (promo_end[live] < month)]


def negotiate(candidates: np.ndarray, satisfaction: np.ndarray, supplier: np.ndarray, p_concede: np.ndarray,
              u_threat: Callable[[np.ndarray], np.ndarray], u_concede: Callable[[np.ndarray], np.ndarray],
              cfg: ThreatsConfig) -> tuple[np.ndarray, np.ndarray]:
    """Oracle of the threats and outcomes of ``threats.negotiate``: (conceded, refused)."""
    hazard = cfg.rate_per_month + cfg.dissatisfaction_rate * np.maximum(
        0.0, -satisfaction[candidates].astype(np.float64))
    threat = candidates[u_threat(candidates) < -np.expm1(-hazard)]
    concede = u_concede(threat) < p_concede[supplier[threat]]
    return threat[concede], threat[~concede]


def threats_month(live: np.ndarray, tier: np.ndarray, satisfaction: np.ndarray, supplier: np.ndarray,
                  promo_discount: np.ndarray, promo_end: np.ndarray, p_concede: np.ndarray, month: int, keys: tuple,
                  cfg: ThreatsConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Oracle of ``threats.negotiate`` with ``threats._candidates``: (conceded, refused, promo_discount, promo_end,
    threat_refused) (the old ``MarketModel.threats``, numpy branch)."""
    conceded, refused = negotiate(candidates(live, tier, promo_end, month), satisfaction, supplier, p_concede,
                                  lambda slots: unit(keys[0], slots), lambda slots: unit(keys[1], slots), cfg)
    discount, end = promo_discount.copy(), promo_end.copy()
    discount[conceded] = cfg.discount
    end[conceded] = month + cfg.months - 1
    refused_flag = np.zeros(len(tier), bool)
    refused_flag[refused] = True
    return conceded, refused, discount, end, refused_flag


# ---- churnsim.engine.recorder -------------------------------------------------------------------------------

def aggregates(idx: np.ndarray, supplier: np.ndarray, reported: np.ndarray, satisfaction: np.ndarray,
               cohort: np.ndarray, n_suppliers: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Oracle of ``recorder._aggregates`` (the old ``Recorder.end_month``, numpy branch)."""
    s = supplier[idx]
    active = np.bincount(s, minlength=n_suppliers)
    levels = np.bincount(s.astype(np.int64) * 5 + reported[idx] - 1, minlength=5 * n_suppliers).reshape(n_suppliers, 5)
    total = np.bincount(s, weights=satisfaction[idx], minlength=n_suppliers).astype(np.float64)  # int64 if empty
    return active, levels, total, cohort[idx] & (s == 0)
