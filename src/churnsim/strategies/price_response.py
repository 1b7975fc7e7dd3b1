"""Price response: the owner's own price as a retention lever (match the rivals' list-price cuts).

Each month in which a rival present in the market has cut its list price (a price war), covered accounts get
``fraction`` of the deepest such cut off the owner's list price, at most ``max_discount``, for that month only
(a price match: :meth:`~churnsim.strategies.market.Market.match_price`; the model clears it every month, so the
match ends the month the rivals' cuts end). ``from_month`` and ``until_month`` bound the response in time, with
the price war's meaning: the first month it answers, and the first month it no longer does (left out: from the
start, to the end of the run). ``tiers`` and ``at_risk_only`` choose whom it protects (every tier by default).

A matched price does not stack with the account's other discounts: the account pays the largest discount it holds
(:mod:`~churnsim.mechanisms.pricing`). What the match gives away beyond the discounts it would have had anyway is
the component's cost (``concessions``: revenue and margin foregone, cost of goods being per unit); an optional
``cost_per_action`` (k€ per account-month matched) adds administration.
Sources: the source articles' "value at least equal to competitors'" guarantee applied to list prices rather than
to targeted offers; meeting-competition pricing in B2B price wars (Rao, Bergen & Davis 2000, "How to fight a price
war", Harvard Business Review).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from churnsim.core.codes import TIERS
from churnsim.core.config import ConfigError, RunConfig, _num, _p
from churnsim.strategies.base import Component
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["PriceResponse"]


@register
@dataclass
class PriceResponse(Component):
    kind = "price_response"
    ACTIONS = {"action": "accounts_matched"}
    tiers: list[str] = field(default_factory=lambda: list(TIERS),
                             metadata={"doc": "tiers whose price follows the rivals' cuts"})
    fraction: float = _p(1.0, doc="share of the deepest rival list-price cut matched (1: the full cut)")
    max_discount: float = _p(0.3, doc="largest share off list price the firm will give to match")
    from_month: int | None = _num(None, doc="first month it answers (absent: from the strategy's start)")
    until_month: int | None = _num(None, doc="first month it no longer answers (absent: to the end of the run)")

    def check(self, where: str, cfg: RunConfig) -> None:
        """The window must contain a month: ``until_month`` after ``from_month``."""
        if self.from_month is not None and self.until_month is not None and self.until_month <= self.from_month:
            raise ConfigError(f"{where}.until_month = {self.until_month}: must be after from_month "
                              f"({self.from_month}), or left out to answer to the end of the run")

    def answering(self, month: int) -> bool:
        """Whether ``month`` lies in the response window."""
        return ((self.from_month is None or month >= self.from_month)
                and (self.until_month is None or month < self.until_month))

    def share(self, market: Market, owner: int) -> float:
        """The share off list price this month: ``fraction`` of the deepest cut of a present rival, capped."""
        rivals = market.suppliers.present(market.month)
        rivals[owner] = False
        cuts = market.suppliers.price_cuts(market.month)[rivals]
        deepest = float(cuts.max(initial=0.0))
        return min(self.fraction * deepest, self.max_discount)

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        share = self.share(market, owner) if self.answering(market.month) else 0.0
        if share <= 0:
            return {"action": 0}
        market.match_price(covered, share)
        return {"action": int(covered.sum())}
