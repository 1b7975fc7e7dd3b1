"""Relationship redundancy and employee loyalty: "the person leaves, the customer stays" (DESIGN §2, §3.5).

Relationship redundancy. Customer records and contacts are held by the firm (CRM, a second contact per account):
each month a share ``transfer_per_month`` of covered accounts' rep-owned relationship capital becomes firm-owned,
so less of it leaves with a departing salesperson (Palmatier, Scheer & Steenkamp 2007: part of loyalty is owned
by the salesperson). Cost: fixed (the system) and per covered account-month (the second contact).

Employee loyalty. Retention pay and career paths lift the morale the owner's salespeople drift toward by
``morale_lift``; with the sales-force rule, quits fall by ``exp(−quit_morale_elasticity × lift)`` at steady state.
Cost: per salesperson and month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.core.config import _num, _p
from churnsim.strategies.base import Component
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["EmployeeLoyalty", "RelationshipRedundancy"]


@register
@dataclass
class RelationshipRedundancy(Component):
    kind = "relationship_redundancy"
    transfer_per_month: float = _p(0.1, doc="share of rep-owned relationship capital made firm-owned each month")
    cost_fixed_per_month: float = _num(8.0, 0.0, doc="k€ per month: the CRM")
    cost_per_account_month: float = _num(0.05, 0.0, doc="k€ per covered account and month: a second contact")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        acc = market.accounts
        moved = acc.rc_rep[covered] * np.float32(self.transfer_per_month)
        acc.rc_rep[covered] -= moved
        acc.rc_firm[covered] += moved
        return {}


@register
@dataclass
class EmployeeLoyalty(Component):
    kind = "employee_loyalty"
    ACTIONS = {"rep": "salesperson_months"}
    morale_lift: float = _num(0.5, 0.0, 5.0, doc="lift of the morale salespeople drift toward")
    cost_per_rep: float = _num(0.4, 0.0, doc="k€ per salesperson and month: retention pay")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        market.morale_target[owner] = self.morale_lift
        return {"rep": int(np.sum(market.reps.employer == owner))}
