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
Only the accounts that consider leaving get a choice set (a few per cent of the market a month): the choice is
numpy over that small set, consideration a compiled loop over every account that may decide.
Reason. A departure records the component with the largest gain of the chosen supplier over the incumbent
among quality, service, logistics, price, competitor_offer, brand and salesperson_left.
Sources: DESIGN §3.3; switching-cost types after Burnham, Frels & Mahajan (2003): procedural, financial, relational.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import prange

from churnsim.core.codes import code
from churnsim.core.config import BehaviourConfig
from churnsim.core.jit import parallel_kernel
from churnsim.core.rng import unit
from churnsim.mechanisms.contagion import log_multiplier
from churnsim.mechanisms.pricing import shares_off_of
from churnsim.state.accounts import AccountTable

__all__ = ["COMPONENTS", "STREAMS", "ChoiceSet", "choice_set", "choose", "considering", "main_reason",
           "money_lost_months", "value_components"]

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


@dataclass
class ChoiceSet:
    """What one considering account (a row) knows; ``incumbent`` is -1 for an account entering the market."""

    incumbent: np.ndarray  # (m,) int
    taste: np.ndarray  # (m, 4)
    memory: np.ndarray  # (m, 3) remembered quality, service, logistics
    price_paid: np.ndarray  # (m,) incumbent's price after discounts, plus margin lost (parallel trading, channel)
    offer_from: np.ndarray  # (m,) int, -1 none
    offer_discount: np.ndarray  # (m,)
    relationship: np.ndarray  # (m,) firm-owned + rep-owned capital with the incumbent
    pull_supplier: np.ndarray  # (m,) int, -1 none
    pull: np.ndarray  # (m,)
    money_lost_months: np.ndarray  # (m,) exit penalty in term + forfeited rewards + bundle advantages

    @classmethod
    def entering(cls, acc: AccountTable, slots: np.ndarray) -> ChoiceSet:
        """What accounts entering the market know: tastes and the memory they start with; no incumbent."""
        m, none = len(slots), np.full(len(slots), -1)
        return cls(incumbent=none, taste=acc.taste[slots], memory=acc.mem[slots], price_paid=np.ones(m),
                   offer_from=none, offer_discount=np.zeros(m), relationship=np.zeros(m), pull_supplier=none,
                   pull=np.zeros(m), money_lost_months=np.zeros(m))


def money_lost_months(acc: AccountTable, slots: np.ndarray, month: int) -> np.ndarray:
    """Months of revenue ``slots`` would lose by switching: exit penalty in term, rewards, bundle discounts."""
    penalty = np.where(acc.contract_end[slots] > month, acc.exit_penalty_months[slots], 0)
    return (penalty + acc.points_months[slots] + acc.bundle_months[slots]).astype(np.float64)


def choice_set(acc: AccountTable, slots: np.ndarray, month: int, list_price: np.ndarray) -> ChoiceSet:
    """What the considering accounts ``slots`` know when they choose, with the suppliers' ``list_price``."""
    paid = list_price[acc.supplier[slots]] * (1 - shares_off_of(acc, slots, month)) + acc.margin_hit[slots]
    return ChoiceSet(
        incumbent=acc.supplier[slots].astype(np.int64), taste=acc.taste[slots], memory=acc.mem[slots],
        price_paid=paid, offer_from=acc.offer_from[slots].astype(np.int64), offer_discount=acc.offer_discount[slots],
        relationship=acc.rc_firm[slots].astype(np.float64) + acc.rc_rep[slots],
        pull_supplier=acc.pull_supplier[slots].astype(np.int64), pull=acc.pull[slots],
        money_lost_months=money_lost_months(acc, slots, month))


def value_components(cs: ChoiceSet, list_price: np.ndarray, reputation: np.ndarray, brand: np.ndarray,
                     b: BehaviourConfig) -> np.ndarray:
    """Utility components, shape (m accounts, K suppliers, len(COMPONENTS)), in logit units."""
    m, k = len(cs.incumbent), len(list_price)
    inc = (cs.incumbent[:, None] == np.arange(k)[None, :])
    taste = cs.taste.astype(np.float64)
    levels = np.where(inc[:, :, None], cs.memory[:, None, :].astype(np.float64), reputation[None, :, :])
    price = np.where(inc, cs.price_paid[:, None].astype(np.float64), list_price[None, :])
    offered = cs.offer_from[:, None] == np.arange(k)[None, :]
    out = np.zeros((m, k, len(COMPONENTS)))
    out[:, :, :3] = b.choice_beta * taste[:, None, :3] * levels
    out[:, :, 3] = -b.choice_beta * taste[:, 3:4] * price
    out[:, :, 4] = np.where(offered, b.choice_beta * taste[:, 3:4] * list_price[None, :]
                            * cs.offer_discount[:, None], 0.0)
    out[:, :, 5] = brand[None, :]
    out[:, :, 6] = np.where(cs.pull_supplier[:, None] == np.arange(k)[None, :],
                            b.relationship_weight * cs.pull[:, None], 0.0)
    out[:, :, 7] = np.where(inc, b.relationship_weight * cs.relationship[:, None], 0.0)
    entering = cs.incumbent < 0
    cost = b.procedural_cost + b.money_lost_weight * cs.money_lost_months.astype(np.float64)
    out[:, :, 8] = np.where(inc | entering[:, None], 0.0, -cost[:, None])
    return out


def choose(utility: np.ndarray, u: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Draw a supplier per row from logit probabilities by inverting the cumulative distribution at ``u``.

    Suppliers not ``present`` (a (K,) mask; default all) are not in the market and have probability 0.
    """
    if present is not None:
        utility = np.where(present[None, :], utility, -np.inf)
    z = np.exp(utility - utility.max(axis=1, keepdims=True))
    cum = np.cumsum(z, axis=1)
    return np.minimum((u[:, None] * cum[:, -1:] >= cum).sum(axis=1), utility.shape[1] - 1)


def main_reason(components: np.ndarray, chosen: np.ndarray, incumbent: np.ndarray) -> np.ndarray:
    """Reason code of each switch: the reason component with the largest gain of chosen over incumbent."""
    rows = np.arange(len(chosen))
    gain = components[rows, chosen, :_N_REASONS] - components[rows, incumbent, :_N_REASONS]
    return _REASON_CODES[np.argmax(gain, axis=1)]
