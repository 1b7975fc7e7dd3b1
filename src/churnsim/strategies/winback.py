"""Win-back of lost accounts (DESIGN §3.5).

Rule: accounts that switched away from the owner within the last ``window_months`` and are still in the market
(with a rival) are approached each month with ``p_approach``: the owner puts an offer of ``discount`` off its list
price on the table, which triggers the account to reconsider, and which it keeps if it comes back. Its coverage is
its former accounts in ``tiers``, not its current ones. The approach is a contact (optional wake-up). Cost: per
approach, plus the discount the accounts that return keep (the revenue it gives up, for good). Source: DESIGN §3.5
(win-back), and the source articles' cost of acquisition (about five times that of keeping): a returning account
saves it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.core.config import _num, _p
from churnsim.strategies.base import Contacting
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["WinBack"]


@register
@dataclass
class WinBack(Contacting):
    kind = "win_back"
    ACTIONS = {"action": "win_back_approaches"}
    window_months: int = _num(12, 1, doc="how long after it left an account is approached")
    p_approach: float = _p(0.25, doc="chance per month a former account is approached")
    discount: float = _p(0.08, doc="share off list price offered to come back")
    cost_per_action: float = _num(0.3, 0.0, doc="k€ per approach")

    def covered(self, market: Market, owner: int) -> np.ndarray:
        acc = market.accounts
        recent = (acc.left_supplier == owner) & (market.month - acc.left_month <= self.window_months)
        mask = acc.active() & recent & (acc.supplier != owner) & self.in_tiers(market)
        return mask & acc.at_risk if self.at_risk_only else mask

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        approached = covered & (self.uniform(market, "approach") < self.p_approach)
        market.offer(approached, owner, self.discount)
        self.contact(market, approached)
        return {"action": int(approached.sum())}
