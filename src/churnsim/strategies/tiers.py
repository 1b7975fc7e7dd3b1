"""Tiered service by customer value: service has a cost, so it follows the account's value (DESIGN §2, §3.5).

Rule: covered accounts of tier key, regular, small get ``service_boost`` (added to the chance an open complaint is
resolved each month; negative means less service) and cost ``cost_per_<tier>_account`` per month (negative means
a saving against the ordinary cost to serve). The default raises service for key accounts and trims it for small
ones, which costs less than serving everyone alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from churnsim.core.codes import TIERS
from churnsim.core.config import ConfigError, _num
from churnsim.strategies.base import Component
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["TieredService"]


@register
@dataclass
class TieredService(Component):
    kind = "tiered_service"
    service_boost: list[float] = field(default_factory=lambda: [0.2, 0.0, -0.2],
                                       metadata={"lo": -1.0, "hi": 1.0,
                                                 "doc": "+ complaint resolution chance by tier (key, regular, small)"})
    cost_per_key_account: float = _num(0.6, -100.0, doc="k€ per key account and month (negative: a saving)")
    cost_per_regular_account: float = _num(0.0, -100.0, doc="k€ per regular account and month")
    cost_per_small_account: float = _num(-0.04, -100.0, doc="k€ per small account and month")

    def __post_init__(self) -> None:
        if len(self.service_boost) != len(TIERS):
            raise ConfigError(f"tiered_service.service_boost = {self.service_boost}: must be three values "
                              "(key, regular, small)")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        acc = market.accounts
        boost = np.asarray(self.service_boost, dtype=np.float32)
        acc.service_boost[covered] += boost[acc.tier[covered]]
        counts = np.bincount(acc.tier[covered], minlength=3)
        return {f"{tier}_account": int(n) for tier, n in zip(TIERS, counts, strict=True)}
