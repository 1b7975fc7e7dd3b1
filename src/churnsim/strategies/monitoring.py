"""Market monitoring against parallel trading (DESIGN §2 and §3.5: "market monitoring against parallel trading").

Rule: each month, in every watched region where one of the owner's parallel-trading episodes is running
(:mod:`churnsim.mechanisms.parallel_trading`), the firm detects it with ``p_detect_per_month`` and stops it: its
accounts in that region stop losing margin from the next month. Detections are logged in the episodes'
``log`` as ``(month, region, supplier, "stopped")``.
Cost: ``cost_fixed_per_month`` (the monitoring team) and ``cost_per_episode`` per episode stopped (investigation,
enforcement against the dumping dealer), plus the common costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from churnsim.core.config import ConfigError, RunConfig, _num, _p
from churnsim.strategies.base import Component
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["MarketMonitoring"]


@register
@dataclass
class MarketMonitoring(Component):
    kind = "market_monitoring"
    ACTIONS = {"episode": "episodes_stopped"}
    regions: list[int] = field(default_factory=list, metadata={"lo": 0, "doc": "regions watched (empty: all)"})
    p_detect_per_month: float = _p(0.5, doc="chance per month a running episode in a watched region is detected")
    cost_fixed_per_month: float = _num(3.0, 0.0, doc="k€ per month: the monitoring team")
    cost_per_episode: float = _num(1.0, 0.0, doc="k€ per episode stopped")

    def check(self, where: str, cfg: RunConfig) -> None:
        n_regions = cfg.market.accounts.n_regions
        if any(r >= n_regions for r in self.regions):
            raise ConfigError(f"{where}.regions = {self.regions}: must be regions 0 … {n_regions - 1} "
                              "(market.accounts.n_regions)")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        n_regions = market.trading.age.shape[0]
        watched = np.zeros(n_regions, dtype=bool)
        watched[self.regions or slice(None)] = True
        u = market.generator(f"strategy.{self.kind}.detect").random(n_regions)
        return {"episode": market.stop_parallel_trading(owner, watched & (u < self.p_detect_per_month))}
