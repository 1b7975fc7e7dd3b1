"""The switching decision (DESIGN §3.3 step 6): consideration triggers, then a multinomial logit over suppliers.

Consideration. An account considers leaving this month with probability ``1 − exp(−h)``, where
``h = propensity × (consider_base + trigger_contract_end·[contract ends] + trigger_offer·[offer received]
+ trigger_dissatisfaction·max(0, −satisfaction) + trigger_rep_left·[salesperson left] + wake-up from being
contacted + trigger_threat_refused·[its threat to leave was refused]) × delight × contagion multiplier``.
The latent propensity (Beta distributed) scales every trigger, so heterogeneity drives cohort selection.
Delight is ``delight_hazard_ratio`` for an account whose true satisfaction is above ``delight_threshold``, else 1:
a delighted account is deaf to every trigger alike (a rival's offer, a contract ending, its salesperson leaving),
so loyalty is steep only at the top of the satisfaction scale, the "zone of affection" of Jones & Sasser (1995),
"Why satisfied customers defect", and Heskett et al. (1994), "Putting the service-profit chain to work".

Choice. A considering account picks one supplier, staying included, among the suppliers in the market (one yet to
enter cannot be chosen) with logit probabilities ``P(k) ∝ exp(U_k)``, ``U_k = Σ components``:
- quality, service, logistics: ``choice_beta × taste_c × level_c``; the incumbent's levels are the account's own
  remembered experience, a rival's its reputation (the mean remembered experience of its customers);
- price: ``−choice_beta × taste_price × price`` (the incumbent at the price paid plus any margin the account loses
  to parallel trading or channel conflict, a rival at list price);
- competitor_offer: ``+choice_beta × taste_price × list price × offer discount`` for the supplier offering;
- brand: the supplier's brand strength;
- salesperson_left: ``relationship_weight × pull`` for the rival a former salesperson now works for;
- relationship: ``relationship_weight × (firm-owned + rep-owned capital)`` for the incumbent;
- switching_cost: for every rival, ``−(procedural_cost + money_lost_weight × (exit penalty in term + loyalty
  rewards forfeited + bundle discounts lost, months of revenue))``.
Only the accounts that consider leaving choose (a few per cent of the market a month): consideration is a compiled
loop over every account that may decide, the choice a compiled loop over those few (:func:`choose_suppliers`);
both read the account table directly. An account entering the market chooses the same way, with no incumbent:
every supplier at its reputation and list price, no switching cost.
Reason. A departure records the component with the largest gain of the chosen supplier over the incumbent
among quality, service, logistics, price, competitor_offer, brand and salesperson_left.
Sources: DESIGN §3.3; switching-cost types after Burnham, Frels & Mahajan (2003): procedural, financial, relational.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from churnsim.core.codes import code
from churnsim.core.config import BehaviourConfig
from churnsim.core.jit import kernel, parallel_kernel, rule
from churnsim.core.rng import unit
from churnsim.mechanisms.contagion import log_multiplier
from churnsim.mechanisms.pricing import share_off
from churnsim.state.accounts import AccountTable

__all__ = ["COMPONENTS", "STREAMS", "choose", "choose_suppliers", "considering", "main_reason", "money_lost_months",
           "value_components"]

COMPONENTS = ("quality", "service", "logistics", "price", "competitor_offer", "brand", "salesperson_left",
              "relationship", "switching_cost")
STREAMS = ("decision.consider", "decision.choice")
_N_REASONS = 7  # the first seven components are reasons a departure can be given
_REASON_CODES = np.array([code(c) for c in COMPONENTS[:_N_REASONS]], dtype=np.int8)


def considering(live: np.ndarray, acc: AccountTable, month: int, key: np.uint64, b: BehaviourConfig) -> np.ndarray:
    """The accounts that consider leaving this month (slots, ascending): of the active slots ``live``, those that
    may decide (not joined this month) and whose draw under ``key`` falls below their chance (module docstring)."""
    flags = np.empty(len(live), np.bool_)
    _consider(live, acc.since_month, month, acc.propensity, acc.satisfaction, acc.contract_end, acc.offer_from,
              acc.supplier, acc.rep_left, acc.wake_hazard, acc.threat_refused, acc.exposure, b.consider_base_per_month,
              b.trigger_contract_end, b.trigger_offer, b.trigger_dissatisfaction, b.trigger_rep_left,
              b.trigger_threat_refused, np.log(b.contagion_hr_per_contact), b.contagion_tenure_damping,
              b.delight_threshold, b.delight_hazard_ratio, key, flags)
    return live[flags]


@parallel_kernel
def _consider(live, since_month, month, propensity, satisfaction, contract_end, offer_from, supplier, rep_left,
              wake_hazard, threat_refused, exposure, base, w_contract_end, w_offer, w_dissatisfaction, w_rep_left,
              w_threat_refused, log_hr, damping, delight_threshold, delight_hazard_ratio, key, flags):
    """``flags[j]``: whether ``live[j]`` considers leaving this month."""
    for j in prange(len(live)):
        i = live[j]
        if since_month[i] >= month:  # joined this month: decides from next month
            flags[j] = False
            continue
        s = np.float64(satisfaction[i])
        offered = offer_from[i] >= 0 and offer_from[i] != supplier[i]
        t = (base + w_contract_end * (contract_end[i] == month) + w_offer * offered
             + w_dissatisfaction * max(0.0, -s) + w_rep_left * rep_left[i] + np.float64(wake_hazard[i])
             + w_threat_refused * threat_refused[i])
        if s > delight_threshold:  # delighted: deaf to every trigger alike
            t *= delight_hazard_ratio
        x = -np.float64(propensity[i]) * t  # −hazard
        if exposure[i] != 0:  # exp(0) is 1 exactly: most accounts need no exp
            x *= math.exp(log_multiplier(exposure[i], month - since_month[i], log_hr, damping))
        u = unit(key, i)
        # chance = 1 − exp(−hazard) ≤ hazard (expm1 rounds faithfully): a draw at or above the hazard needs no expm1
        flags[j] = u < -x and u < -math.expm1(x)


def value_components(slots: np.ndarray, acc: AccountTable, month: int, list_price: np.ndarray,
                     reputation: np.ndarray, brand: np.ndarray, b: BehaviourConfig,
                     entering: bool = False) -> np.ndarray:
    """Utility components of accounts ``slots``, shape (len(slots), K suppliers, len(:data:`COMPONENTS`)), in logit
    units: what :func:`choose_suppliers` sums (the module docstring). ``entering``: they have no incumbent yet."""
    out = np.empty((len(slots), len(list_price), len(COMPONENTS)))
    _components_of(np.asarray(slots, dtype=np.int64), entering, month, *_columns(acc), list_price, reputation, brand,
                   b.choice_beta, b.relationship_weight, b.procedural_cost, b.money_lost_weight, out)
    return out


def choose_suppliers(slots: np.ndarray, acc: AccountTable, month: int, key: np.uint64, list_price: np.ndarray,
                     reputation: np.ndarray, brand: np.ndarray, present: np.ndarray, b: BehaviourConfig,
                     entering: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The supplier each of accounts ``slots`` chooses (staying included) and, for one that leaves its incumbent,
    the reason code of the switch (-1 otherwise, and for every account ``entering`` the market).

    Args:
        key: the key of this month's choice draws (slot ``i`` draws ``unit(key, i)``).
        list_price, reputation, brand, present: the suppliers' this month ((K,), (K, 3), (K,), (K,) bool).
    """
    slots = np.asarray(slots, dtype=np.int64)
    comps = value_components(slots, acc, month, list_price, reputation, brand, b, entering)
    chosen, reason = np.empty(len(slots), np.int64), np.empty(len(slots), np.int8)
    _choose(slots, entering, key, acc.supplier, comps, present, np.empty((len(slots), len(list_price))), chosen,
            reason)
    return chosen, reason


def _columns(acc: AccountTable) -> tuple:
    """The account table's columns a choice reads, in the order the kernels take them."""
    return (acc.supplier, acc.taste, acc.mem, acc.discount, acc.contract_end, acc.contract_discount, acc.promo_end,
            acc.promo_discount, acc.match_discount, acc.margin_hit, acc.offer_from, acc.offer_discount, acc.rc_firm,
            acc.rc_rep, acc.pull_supplier, acc.pull, acc.exit_penalty_months, acc.points_months, acc.bundle_months)


@rule
def _account_terms(i, entering, month, supplier, discount, contract_end, contract_discount, promo_end,
                   promo_discount, match_discount, margin_hit, rc_firm, rc_rep, exit_penalty_months, points_months,
                   bundle_months, procedural_cost, money_lost_weight):
    """(incumbent, share off its list price, relationship capital, cost of leaving it) of account slot ``i``; an
    account ``entering`` has no incumbent (-1) and nothing to lose."""
    if entering:
        return np.int64(-1), 0.0, 0.0, 0.0
    incumbent = np.int64(supplier[i])
    off = share_off(i, month, discount, contract_end, contract_discount, promo_end, promo_discount, match_discount)
    relationship = np.float64(rc_firm[i]) + np.float64(rc_rep[i])
    money_lost = _money_lost(i, month, contract_end, exit_penalty_months, points_months, bundle_months)
    return incumbent, off, relationship, procedural_cost + money_lost_weight * money_lost


@rule
def _money_lost(i, month, contract_end, exit_penalty_months, points_months, bundle_months):
    """Months of revenue account slot ``i`` loses by switching in ``month``: the exit penalty while its contract is
    in force, the loyalty rewards it forfeits, the bundle discounts it loses (summed in float32, as held)."""
    penalty = exit_penalty_months[i] if contract_end[i] > month else np.float32(0)
    return np.float64(penalty + points_months[i] + bundle_months[i])


def money_lost_months(acc: AccountTable, slots: np.ndarray, month: int) -> np.ndarray:
    """Months of revenue each of ``slots`` would lose by switching in ``month`` (what the switching cost weighs)."""
    return _money_lost_of(np.asarray(slots, dtype=np.int64), month, acc.contract_end, acc.exit_penalty_months,
                          acc.points_months, acc.bundle_months)


@kernel
def _money_lost_of(slots, month, contract_end, exit_penalty_months, points_months, bundle_months):
    out = np.empty(len(slots))
    for j in range(len(slots)):
        out[j] = _money_lost(slots[j], month, contract_end, exit_penalty_months, points_months, bundle_months)
    return out


@rule
def _component_row(i, s, incumbent, off, relationship, switching_cost, taste, mem, offer_from, offer_discount,
                   pull_supplier, pull, margin_hit, list_price, reputation, brand, beta, relationship_weight):
    """The nine components (:data:`COMPONENTS`) of supplier ``s`` for account slot ``i``, whose terms with its
    ``incumbent`` (-1: none) :func:`_account_terms` gives. An account entering the market has no offer and no
    former salesperson to follow."""
    mine = s == incumbent
    if mine:
        l0, l1, l2 = np.float64(mem[i, 0]), np.float64(mem[i, 1]), np.float64(mem[i, 2])
        price = list_price[s] * (1 - off) + np.float64(margin_hit[i])
    else:
        l0, l1, l2 = reputation[s, 0], reputation[s, 1], reputation[s, 2]
        price = list_price[s]
    t3 = np.float64(taste[i, 3])
    offer = beta * t3 * list_price[s] * np.float64(offer_discount[i]) if incumbent >= 0 and offer_from[i] == s else 0.0
    # in float32, as the pull is held (and as numpy multiplies a float32 column by a Python float)
    left = np.float64(np.float32(relationship_weight) * pull[i]) if incumbent >= 0 and pull_supplier[i] == s else 0.0
    kept = relationship_weight * relationship if mine else 0.0
    switch = 0.0 if mine or incumbent < 0 else -switching_cost
    return (beta * np.float64(taste[i, 0]) * l0, beta * np.float64(taste[i, 1]) * l1,
            beta * np.float64(taste[i, 2]) * l2, -beta * t3 * price, offer, brand[s], left, kept, switch)


@rule
def _total(c):
    """The sum of nine components in numpy's pairwise order (eight in a tree, then the ninth)."""
    return ((c[0] + c[1]) + (c[2] + c[3])) + ((c[4] + c[5]) + (c[6] + c[7])) + c[8]


@rule
def _pick(utility, u):
    """The supplier drawn by inverting the cumulative logit distribution of one row of ``utility`` at ``u``;
    a supplier at ``-inf`` (not in the market) has probability 0."""
    k = len(utility)
    top = utility[0]
    for s in range(1, k):
        top = max(top, utility[s])
    cum = np.empty(k)
    running = 0.0
    for s in range(k):
        running += math.exp(utility[s] - top)
        cum[s] = running
    target, count = u * running, 0
    for s in range(k):
        count += target >= cum[s]
    return min(count, k - 1)


@rule
def _reason(chosen_row, incumbent_row, reason_codes):
    """Reason code of a switch: the first of the reason components with the largest gain of chosen over incumbent."""
    best, arg = chosen_row[0] - incumbent_row[0], 0
    for c in range(1, len(reason_codes)):
        gain = chosen_row[c] - incumbent_row[c]
        if gain > best:
            best, arg = gain, c
    return reason_codes[arg]


@parallel_kernel
def _choose(slots, entering, key, supplier, comps, present, utility, chosen, reason):
    """``chosen[j]``, ``reason[j]`` of ``slots[j]`` from its components ``comps[j]`` (:func:`value_components`);
    ``utility`` is room for one row of utilities per slot."""
    k = comps.shape[1]
    for j in prange(len(slots)):
        i = slots[j]
        for s in range(k):
            utility[j, s] = _total(comps[j, s]) if present[s] else -np.inf
        pick = _pick(utility[j], unit(key, i))
        chosen[j] = pick
        reason[j] = -1
        inc = -1 if entering else np.int64(supplier[i])
        if inc >= 0 and pick != inc:
            reason[j] = _reason(comps[j, pick], comps[j, inc], _REASON_CODES)


@parallel_kernel
def _components_of(slots, entering, month, supplier, taste, mem, discount, contract_end, contract_discount,
                   promo_end, promo_discount, match_discount, margin_hit, offer_from, offer_discount, rc_firm, rc_rep,
                   pull_supplier, pull, exit_penalty_months, points_months, bundle_months, list_price, reputation,
                   brand, beta, relationship_weight, procedural_cost, money_lost_weight, out):
    """``out[j, s, c]``: component ``c`` of supplier ``s`` for ``slots[j]``."""
    for j in prange(len(slots)):
        i = slots[j]
        inc, off, relationship, cost = _account_terms(
            i, entering, month, supplier, discount, contract_end, contract_discount, promo_end, promo_discount,
            match_discount, margin_hit, rc_firm, rc_rep, exit_penalty_months, points_months, bundle_months,
            procedural_cost, money_lost_weight)
        for s in range(len(list_price)):
            row = _component_row(i, s, inc, off, relationship, cost, taste, mem, offer_from, offer_discount,
                                 pull_supplier, pull, margin_hit, list_price, reputation, brand, beta,
                                 relationship_weight)
            for c in range(len(row)):
                out[j, s, c] = row[c]


def choose(utility: np.ndarray, u: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Draw a supplier per row of ``utility`` (m, K) from logit probabilities by inverting the cumulative
    distribution at ``u`` (m,). Suppliers not ``present`` (a (K,) mask; default all) have probability 0."""
    if present is not None:
        utility = np.where(present[None, :], utility, -np.inf)
    return _pick_rows(np.ascontiguousarray(utility, dtype=np.float64), np.asarray(u, dtype=np.float64))


@kernel
def _pick_rows(utility, u):
    out = np.empty(len(u), np.int64)
    for j in range(len(u)):
        out[j] = _pick(utility[j], u[j])
    return out


def main_reason(components: np.ndarray, chosen: np.ndarray, incumbent: np.ndarray) -> np.ndarray:
    """Reason code of each switch (rows of ``components``, (m, K, len(COMPONENTS))): the reason component with the
    largest gain of the chosen supplier over the incumbent."""
    return _reasons(np.ascontiguousarray(components, dtype=np.float64), np.asarray(chosen, dtype=np.int64),
                    np.asarray(incumbent, dtype=np.int64), _REASON_CODES)


@kernel
def _reasons(components, chosen, incumbent, reason_codes):
    out = np.empty(len(chosen), np.int8)
    for j in range(len(chosen)):
        out[j] = _reason(components[j, chosen[j]], components[j, incumbent[j]], reason_codes)
    return out
