"""The decision rule once more, one account at a time in plain Python: the readable reference path.

:func:`decide_one` is what :meth:`churnsim.engine.agents.AccountAgent.step` runs. It restates
:mod:`churnsim.mechanisms.choice` and :mod:`churnsim.mechanisms.contagion` with scalar arithmetic, reading the
same arrays and the same random draws, so a small market run on either path makes the same decisions
(``tests/test_reference.py``). It is slow by design; ``benchmarks/engine.py`` reports how much slower.
"""

from __future__ import annotations

import math

import mesa

from churnsim.core.codes import code
from churnsim.mechanisms.choice import COMPONENTS

__all__ = ["decide_one"]


def decide_one(model: mesa.Model, i: int) -> tuple[bool, int, int]:
    """Whether account slot ``i`` considers leaving, the supplier it picks, and the reason code (-1 if it stays).

    ``model`` is the :class:`~churnsim.engine.model.MarketModel` whose account view asks (Mesa's ``agent.model``).
    """
    acc, b, month = model.accounts, model.cfg.market.behaviour, model.month
    u_consider, u_choice = model.reference_draws
    incumbent = int(acc.supplier[i])
    offer_from = int(acc.offer_from[i])
    satisfaction = float(acc.satisfaction[i])
    tenure_years = (month - int(acc.since_month[i])) / 12.0
    trigger = b.consider_base_per_month
    trigger += b.trigger_contract_end if int(acc.contract_end[i]) == month else 0.0
    trigger += b.trigger_offer if offer_from >= 0 and offer_from != incumbent else 0.0
    trigger += b.trigger_dissatisfaction * max(0.0, -satisfaction)
    trigger += b.trigger_rep_left if bool(acc.rep_left[i]) else 0.0
    trigger += float(acc.wake_hazard[i])
    trigger += b.trigger_threat_refused if bool(acc.threat_refused[i]) else 0.0
    trigger *= b.delight_hazard_ratio if satisfaction > b.delight_threshold else 1.0  # delight
    log_hr = math.log(b.contagion_hr_per_contact) / (1.0 + b.contagion_tenure_damping * tenure_years)
    hazard = float(acc.propensity[i]) * trigger * math.exp(log_hr * float(acc.exposure[i]))
    if not u_consider[i] < -math.expm1(-hazard):
        return False, incumbent, -1

    prices = [float(p) for p in model.plan.suppliers.list_prices(month)]
    present = model.plan.suppliers.present(month)
    reputation = model.reputation()
    w = [float(x) for x in acc.taste[i]]
    in_term = int(acc.contract_end[i]) > month
    money_lost = ((float(acc.exit_penalty_months[i]) if in_term else 0.0) + float(acc.points_months[i])
                  + float(acc.bundle_months[i]))
    utilities, parts = [], []
    for k, brand in enumerate(model.plan.suppliers.brand.tolist()):
        mine = k == incumbent
        levels = [float(x) for x in (acc.mem[i] if mine else reputation[k])]
        contract_discount = float(acc.contract_discount[i]) if int(acc.contract_end[i]) >= month else 0.0
        promo = float(acc.promo_discount[i]) if int(acc.promo_end[i]) >= month else 0.0
        # the incumbent's price after discounts, plus the margin lost to parallel trading or channel conflict
        off = max(float(acc.discount[i]), contract_discount, promo, float(acc.match_discount[i]))
        paid = prices[k] * (1.0 - off) + float(acc.margin_hit[i])
        price = paid if mine else prices[k]
        offer = float(acc.offer_discount[i]) if offer_from == k else 0.0
        part = {
            "quality": b.choice_beta * w[0] * levels[0],
            "service": b.choice_beta * w[1] * levels[1],
            "logistics": b.choice_beta * w[2] * levels[2],
            "price": -b.choice_beta * w[3] * price,
            "competitor_offer": b.choice_beta * w[3] * prices[k] * offer,
            "brand": brand,
            "salesperson_left": b.relationship_weight * float(acc.pull[i]) if int(acc.pull_supplier[i]) == k else 0.0,
            "relationship": b.relationship_weight * (float(acc.rc_firm[i]) + float(acc.rc_rep[i])) if mine else 0.0,
            "switching_cost": 0.0 if mine else -(b.procedural_cost + b.money_lost_weight * money_lost),
        }
        parts.append(part)
        # a supplier not yet in the market cannot be chosen
        utilities.append(sum(part[c] for c in COMPONENTS) if present[k] else -math.inf)

    top = max(utilities)
    weights = [math.exp(x - top) for x in utilities]
    target, running, chosen = float(u_choice[i]) * sum(weights), 0.0, len(weights) - 1
    for k, x in enumerate(weights):
        running += x
        if target < running:
            chosen = k
            break
    if chosen == incumbent:
        return True, chosen, -1
    reasons = COMPONENTS[:7]
    gains = [parts[chosen][c] - parts[incumbent][c] for c in reasons]
    return True, chosen, code(reasons[gains.index(max(gains))])
