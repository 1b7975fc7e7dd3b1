"""The four guarantees and premium key-account service (DESIGN §2: product quality, service quality, smooth
logistics, value at least equal to competitors'; premium service for key accounts).

Each guarantee changes the terms covered accounts get from next month's delivery on (the model resets the terms
every month and the strategies set them again):
- quality: the chance of a quality incident is multiplied by ``incident_factor`` (tighter quality control);
- service: the chance an open complaint is resolved rises by ``service_boost``;
- logistics: the chance of an on-time, in-full delivery rises by ``logistics_boost``;
- value (price match): when a rival's offer reaches a covered account, the owner matches its discount for
  ``match_months`` (the discount is a concession, counted in its strategy cost; cost per match is administration);
- premium service (24-hour helpline, rapid-response squad, free maintenance): all three service levers at once,
  by default for key accounts only, at a higher cost per account.
Costs: per covered account-month (the guarantee's running cost), fixed, and per action where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from churnsim.core.config import _num, _p
from churnsim.strategies.base import Component
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["LogisticsGuarantee", "PremiumService", "QualityGuarantee", "ServiceGuarantee", "ValueGuarantee"]


@dataclass
class _Terms(Component):
    """A component that improves the terms of delivery of the accounts it covers."""

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        acc = market.accounts
        acc.incident_factor[covered] *= np.float32(getattr(self, "incident_factor", 1.0))
        acc.service_boost[covered] += np.float32(getattr(self, "service_boost", 0.0))
        acc.logistics_boost[covered] += np.float32(getattr(self, "logistics_boost", 0.0))
        return {}


@register
@dataclass
class QualityGuarantee(_Terms):
    kind = "quality_guarantee"
    incident_factor: float = _p(0.5, doc="× the chance of a quality incident")
    cost_fixed_per_month: float = _num(10.0, 0.0, doc="k€ per month: quality assurance")
    cost_per_account_month: float = _num(0.03, 0.0, doc="k€ per covered account and month")


@register
@dataclass
class ServiceGuarantee(_Terms):
    kind = "service_guarantee"
    service_boost: float = _p(0.2, doc="+ chance per month an open complaint is resolved")
    cost_fixed_per_month: float = _num(5.0, 0.0, doc="k€ per month")
    cost_per_account_month: float = _num(0.05, 0.0, doc="k€ per covered account and month")


@register
@dataclass
class LogisticsGuarantee(_Terms):
    kind = "logistics_guarantee"
    logistics_boost: float = _p(0.03, doc="+ chance of an on-time, in-full delivery")
    cost_fixed_per_month: float = _num(5.0, 0.0, doc="k€ per month")
    cost_per_account_month: float = _num(0.05, 0.0, doc="k€ per covered account and month: buffer stock, express")


@register
@dataclass
class ValueGuarantee(Component):
    kind = "value_guarantee"
    ACTIONS = {"action": "offers_matched"}
    tiers: list[str] = field(default_factory=lambda: ["key"], metadata={"doc": "tiers whose offers are matched"})
    match_months: int = _num(12, 1, doc="months a matched discount lasts")
    max_discount: float = _p(0.2, doc="largest discount the firm will match")
    cost_per_action: float = _num(0.1, 0.0, doc="k€ per match (administration)")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        acc, month = market.accounts, market.month
        offered = covered & (acc.offer_from >= 0) & (acc.offer_from != owner)
        match = np.minimum(acc.offer_discount[offered], np.float32(self.max_discount))
        market.grant_promo(offered, match, month + self.match_months - 1)
        return {"action": int(offered.sum())}


@register
@dataclass
class PremiumService(_Terms):
    kind = "premium_service"
    tiers: list[str] = field(default_factory=lambda: ["key"], metadata={"doc": "tiers served at premium"})
    service_boost: float = _p(0.25, doc="+ chance per month an open complaint is resolved (helpline, squad)")
    incident_factor: float = _p(0.6, doc="× the chance of a quality incident (free maintenance)")
    logistics_boost: float = _p(0.02, doc="+ chance of an on-time, in-full delivery")
    cost_fixed_per_month: float = _num(10.0, 0.0, doc="k€ per month: the 24-hour helpline")
    cost_per_account_month: float = _num(1.0, 0.0, doc="k€ per covered account and month")

