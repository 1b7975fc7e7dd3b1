"""Sales-decline alerts: the firm watches what each account buys from it and marks those buying less at risk.

With share of wallet (``market.wallet``), a multi-sourcing account moves its purchases to a rival month by month
before the firm loses it: every such departure comes after a fall of the firm's share (docs/validation.md §7). The
firm does not see the account's wallet, only its own sales; this component reads them.

Rule: each month, for every covered account, the firm's sales to it (its volume × the firm's share of its wallet, k€
a month at reference price) are compared with a reference, those sales averaged over the months before
(exponentially weighted, span ``memory_months``: weight ``2 / (memory_months + 1)`` on the newest month). An
account whose sales fall more than ``drop_share`` below the reference, and that was not believed at risk yet, is
marked at risk (what ``at_risk_only`` components then act on) and counted as an alert; the reference then takes
in this month's sales. The reference starts at an account's first covered month, and again when the account joins
a supplier. Sales also fall when the account's own business shrinks (``market.environment.p_contraction``), which
the firm cannot tell from a falling share: with one supplier per account (and purchases that do not grow with
tenure) every alert is of that kind, since sales do not move before an account leaves (docs/share_of_wallet.md
measures both).
Cost: ``cost_fixed_per_month`` (the sales analytics), ``cost_per_alert`` (an account manager's review of each
alert), plus the common costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.core.config import _num
from churnsim.mechanisms import wallet
from churnsim.strategies.base import Component
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["SalesWatch"]


@register
@dataclass
class SalesWatch(Component):
    kind = "sales_watch"
    ACTIONS = {"alert": "alerts"}
    drop_share: float = _num(0.1, 0.0, 1.0, strict_lo=True,
                             doc="an alert when an account's sales fall more than this share below their reference")
    memory_months: float = _num(12.0, 1.0, 120.0, doc="span of the reference, months (exponentially weighted mean)")
    cost_fixed_per_month: float = _num(2.0, 0.0, doc="k€ per month: the sales analytics")
    cost_per_alert: float = _num(0.3, 0.0, doc="k€ per alert: an account manager's review")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        acc = market.accounts
        slots = np.flatnonzero(covered)
        sales = acc.volume[slots] * wallet.main_share(acc, slots)
        reference = acc.sales_reference[slots].astype(np.float64)
        known = reference > 0
        alert = known & (sales < (1 - self.drop_share) * reference) & ~acc.at_risk[slots]
        acc.at_risk[slots[alert]] = True
        weight = 2 / (self.memory_months + 1)
        acc.sales_reference[slots] = np.where(known, reference + weight * (sales - reference), sales)
        return {"alert": int(alert.sum())}
