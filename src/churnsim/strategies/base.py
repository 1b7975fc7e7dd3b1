"""What every retention-strategy component shares: targeting, cost accounting, the one hook it runs through.

A component is a dataclass of parameters registered under a ``kind`` name. Each month the model calls
:meth:`Component.act` once for the supplier that owns the strategy (DESIGN §3.3 step 4). The component changes the
account table through the model it is given and counts what it did, by kind of action; its cost is
``cost_fixed_per_month + cost_per_account_month × accounts covered + Σ cost_per_<kind> × count of <kind>`` (k€),
so every counted kind of action has a ``cost_per_<kind>`` field (``cost_per_action`` is the common one).
Randomness comes from the component's own streams, named ``strategy.<kind>.<purpose>``, so that switching a
component on never shifts the draws of any other process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from churnsim.accounts import TIERS
from churnsim.config import _num

if TYPE_CHECKING:
    from churnsim.model import MarketModel

__all__ = ["Component"]


@dataclass
class Component:
    """Base of all strategy components. Subclasses set ``kind`` and implement :meth:`apply`."""

    kind: ClassVar[str] = ""
    tiers: list[str] = field(default_factory=lambda: list(TIERS),
                             metadata={"doc": "tiers it covers: key, regular, small"})
    cost_fixed_per_month: float = _num(0.0, 0.0, doc="k€ per month")
    cost_per_account_month: float = _num(0.0, 0.0, doc="k€ per covered account and month")
    cost_per_action: float = _num(0.0, 0.0, doc="k€ per action taken")

    def covered(self, model: MarketModel, owner: int) -> np.ndarray:
        """Mask of the owner's active accounts in the covered tiers."""
        tier_ok = np.isin(model.accounts.tier, [TIERS.index(t) for t in self.tiers])
        return model.accounts.active() & (model.accounts.supplier == owner) & tier_ok

    def uniform(self, model: MarketModel, purpose: str) -> np.ndarray:
        """This month's uniforms of the component's own stream ``strategy.<kind>.<purpose>``."""
        return model.streams.uniform(f"strategy.{self.kind}.{purpose}", model.month, model.accounts.capacity)

    def act(self, model: MarketModel, owner: int) -> float:
        """Run one month for ``owner``; return the month's cost (k€)."""
        covered = self.covered(model, owner)
        counts = self.apply(model, owner, covered)
        variable = sum(getattr(self, f"cost_per_{kind}") * n for kind, n in counts.items())
        return self.cost_fixed_per_month + self.cost_per_account_month * int(covered.sum()) + variable

    def apply(self, model: MarketModel, owner: int, covered: np.ndarray) -> dict[str, int]:
        """Change the world for the covered accounts; return the count of each kind of action taken."""
        raise NotImplementedError
