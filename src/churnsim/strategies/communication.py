"""Deep communication (a key-account team) and alignment with customers' needs (DESIGN §2, §3.5).

Deep communication. A dedicated team visits a share ``visits_per_month`` of the covered accounts each month. A visit
builds firm-owned relationship capital (``relationship_boost`` of the gap to full, on top of ordinary growth),
notices a dissatisfied account (true satisfaction below zero) with ``p_detect``, marks it at risk and, with
``p_fix``, resolves its open complaints. Visits are contacts (optional wake-up). Cost: per covered account-month
(the team's time) and fixed. Source: the source articles' "dedicated key-account team with deep, regular
communication" and "staying aligned with the customer's needs".

Alignment. The firm keeps its product fitted to its customers: covered accounts experience ``fit_bonus`` more
quality every month, and the owner's product value gains ``innovation_boost_per_month`` against the frontier
(innovation against the margin erosion of an ageing product). Cost: fixed (development) and per covered
account-month (account planning).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from churnsim.core.config import _num, _p
from churnsim.strategies.base import Component, Contacting
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["Alignment", "DeepCommunication"]


@register
@dataclass
class DeepCommunication(Contacting):
    kind = "deep_communication"
    ACTIONS = {"action": "visits"}
    tiers: list[str] = field(default_factory=lambda: ["key"], metadata={"doc": "tiers the team covers"})
    visits_per_month: float = _p(0.5, doc="share of covered accounts visited each month")
    relationship_boost: float = _p(0.10, doc="share of the gap to full firm-owned relationship a visit closes")
    p_detect: float = _p(0.7, doc="chance a visit notices that a dissatisfied account is unhappy")
    p_fix: float = _p(0.6, doc="chance the team then resolves its open complaints")
    cost_fixed_per_month: float = _num(5.0, 0.0, doc="k€ per month: running the team")
    cost_per_account_month: float = _num(0.4, 0.0, doc="k€ per covered account and month: the team's time")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        acc = market.accounts
        visited = covered & (self.uniform(market, "visit") < self.visits_per_month)
        gap = 1 - acc.rc_firm[visited] - acc.rc_rep[visited]
        acc.rc_firm[visited] += np.float32(self.relationship_boost) * gap
        noticed = visited & (acc.satisfaction < 0) & (self.uniform(market, "detect") < self.p_detect)
        acc.at_risk[noticed] = True
        fixed = noticed & (self.uniform(market, "fix") < self.p_fix)
        acc.complaint_weight[fixed] = 0
        self.contact(market, visited)
        return {"action": int(visited.sum())}


@register
@dataclass
class Alignment(Component):
    kind = "alignment"
    fit_bonus: float = _p(0.03, doc="extra experienced quality of covered accounts, 0..1")
    innovation_boost_per_month: float = _p(0.003, doc="product value regained per month on top of innovation")
    cost_fixed_per_month: float = _num(30.0, 0.0, doc="k€ per month: product development")
    cost_per_account_month: float = _num(0.05, 0.0, doc="k€ per covered account and month: account planning")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        acc = market.accounts
        acc.quality_bonus[covered] += np.float32(self.fit_bonus)
        market.product_value[owner] = min(1.0, market.product_value[owner] + self.innovation_boost_per_month)
        return {}
