"""Loyalty rewards and bundling: raising the financial cost of switching (DESIGN §2, §3.5).

Loyalty rewards. Covered accounts earn ``accrual_months_per_month`` months of revenue in points each month; points
are redeemed every ``redeem_every_months`` (the balance returns to zero) and are forfeited by an account that
switches, so the unredeemed balance is a financial switching cost in the choice. The firm books the rewards as a
direct cost when earned (accrual × the account's revenue, k€).

Bundling. Each month a covered account not yet bundled takes the bundle with ``p_accept_per_month``; a bundled
account gets ``discount`` off list price while it stays, and would lose ``bundle_months`` of revenue in bundle
advantages by switching (a financial switching cost). Cost: per bundle set up, plus the discount (the revenue it gives
up).
Sources: the source articles' switching-cost levers (loyalty rewards, bundles); Burnham, Frels & Mahajan (2003)
on financial switching costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.core.config import _num, _p
from churnsim.strategies.base import Component
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["Bundling", "LoyaltyRewards"]


@register
@dataclass
class LoyaltyRewards(Component):
    kind = "loyalty_rewards"
    ACTIONS = {"reward_keur": "rewards_keur"}
    accrual_months_per_month: float = _num(0.02, 0.0, 1.0, doc="points earned per month, months of revenue")
    redeem_every_months: int = _num(12, 1, doc="months between redemptions")
    cost_per_reward_keur: float = _num(1.0, 0.0, doc="cost per k€ of rewards earned (1: face value)")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        acc = market.accounts
        slots = np.flatnonzero(covered)
        if market.month % self.redeem_every_months == 0:
            acc.points_months[slots] = 0
        acc.points_months[slots] += np.float32(self.accrual_months_per_month)
        return {"reward_keur": float(self.accrual_months_per_month * market.revenue(slots).sum())}


@register
@dataclass
class Bundling(Component):
    kind = "bundling"
    ACTIONS = {"action": "bundles_joined"}
    discount: float = _p(0.02, doc="share off list price for a bundled account")
    bundle_months: float = _num(1.0, 0.0, 24.0, doc="bundle advantages lost by switching, months of revenue")
    p_accept_per_month: float = _p(0.05, doc="chance per month a covered account takes the bundle")
    cost_per_action: float = _num(0.3, 0.0, doc="k€ per bundle set up")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        acc, month = market.accounts, market.month
        joins = covered & (acc.bundle_months <= 0) & (self.uniform(market, "accept") < self.p_accept_per_month)
        acc.bundle_months[joins] = np.float32(self.bundle_months)
        bundled = covered & (acc.bundle_months > 0)
        market.grant_promo(bundled, self.discount, np.maximum(acc.promo_end[bundled], month))
        return {"action": int(joins.sum())}
