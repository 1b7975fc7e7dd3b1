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
Reason. A departure records the component with the largest gain of the chosen supplier over the incumbent
among quality, service, logistics, price, competitor_offer, brand and salesperson_left.
Sources: DESIGN §3.3; switching-cost types after Burnham, Frels & Mahajan (2003): procedural, financial, relational.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.config import BehaviourConfig
from churnsim.reasons import code

__all__ = ["COMPONENTS", "ChoiceSet", "choose", "consideration_probability", "delight", "main_reason",
           "value_components"]

COMPONENTS = ("quality", "service", "logistics", "price", "competitor_offer", "brand", "salesperson_left",
              "relationship", "switching_cost")
_N_REASONS = 7  # the first seven components are reasons a departure can be given
_REASON_CODES = np.array([code(c) for c in COMPONENTS[:_N_REASONS]], dtype=np.int8)


def consideration_probability(propensity: np.ndarray, satisfaction: np.ndarray, contract_ends: np.ndarray,
                              offered: np.ndarray, rep_left: np.ndarray, wake: np.ndarray,
                              threat_refused: np.ndarray, contagion: np.ndarray, b: BehaviourConfig) -> np.ndarray:
    """Chance that each account considers leaving this month (see module docstring)."""
    triggers = (b.consider_base_per_month + b.trigger_contract_end * contract_ends + b.trigger_offer * offered
                + b.trigger_dissatisfaction * np.maximum(0.0, -satisfaction) + b.trigger_rep_left * rep_left + wake
                + b.trigger_threat_refused * threat_refused)
    return -np.expm1(-propensity * (triggers * delight(satisfaction, b)) * contagion)


def delight(satisfaction: np.ndarray, b: BehaviourConfig) -> np.ndarray:
    """Factor on the consideration hazard: ``delight_hazard_ratio`` above ``delight_threshold``, else 1."""
    return np.where(satisfaction > b.delight_threshold, b.delight_hazard_ratio, 1.0)


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
    money_lost_months: np.ndarray  # (m,) exit penalty in term + forfeited rewards


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
