"""Mesa agents: suppliers with real behaviour; salespeople and accounts as thin views onto table rows.

Suppliers are few and hold Python behaviour (their retention strategy runs through :meth:`Supplier.retain`).
Salespeople and accounts live in arrays owned by the model; :class:`Salesperson` and :class:`AccountAgent` are
views created on demand for inspection, tests and the reference path, and cost nothing per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from churnsim.accounts import TIERS
from churnsim.config import SupplierConfig

if TYPE_CHECKING:
    from churnsim.model import MarketModel

__all__ = ["AccountAgent", "RepTable", "Salesperson", "Supplier"]


class Supplier(mesa.Agent):
    """The focal firm or a competitor: its offer (price, quality, service, logistics), policies and strategy."""

    def __init__(self, model: MarketModel, index: int, cfg: SupplierConfig, components: list,
                 strategy_start_month: int = 0):
        super().__init__(model)
        self.index = index
        self.cfg = cfg
        self.name = cfg.name
        self.components = components
        self.strategy_start_month = strategy_start_month
        self.product_value = 1.0
        self.morale_target = 0.0  # people policy: the morale its salespeople drift toward

    @property
    def is_focal(self) -> bool:
        return self.index == 0

    def present(self, month: int) -> bool:
        """Whether it is in the market in ``month`` (a new entrant is not before its ``enters_at_month``)."""
        return self.cfg.enters_at_month is None or month >= self.cfg.enters_at_month

    def list_price(self, month: int) -> float:
        """List price this month, after any price-war cut."""
        p = self.cfg.poaching
        return self.cfg.price * (1.0 - p.price_cut if month >= p.price_cut_from_month else 1.0)

    def retain(self) -> float:
        """Run its retention strategy for this month, once it has started; return the cost (k€)."""
        if self.model.month < self.strategy_start_month:
            return 0.0
        return float(sum(c.act(self.model, self.index) for c in self.components))


@dataclass
class RepTable:
    """Salesperson slots (territories): the person in a slot changes when one quits and is replaced."""

    employer: np.ndarray  # int8, supplier owning the slot
    person: np.ndarray  # int64, id of the person now in the slot
    morale: np.ndarray  # float32, 0 = neutral
    tenure_months: np.ndarray  # int32
    courted_by: np.ndarray  # int8, supplier courting them this month (-1 none)

    @classmethod
    def for_suppliers(cls, n_per_supplier: list[int]) -> RepTable:
        employer = np.repeat(np.arange(len(n_per_supplier)), n_per_supplier).astype(np.int8)
        n = len(employer)
        return cls(employer, np.arange(n, dtype=np.int64), np.zeros(n, np.float32), np.zeros(n, np.int32),
                   np.full(n, -1, np.int8))


class Salesperson(mesa.Agent):
    """View onto salesperson slot ``slot`` of the model's rep table."""

    def __init__(self, model: MarketModel, slot: int):
        super().__init__(model)
        self.slot = slot

    @property
    def employer(self) -> str:
        return self.model.suppliers[self.model.reps.employer[self.slot]].name

    @property
    def morale(self) -> float:
        return float(self.model.reps.morale[self.slot])

    @property
    def book(self) -> np.ndarray:
        """Account slots in their book."""
        acc = self.model.accounts
        return np.flatnonzero(acc.active() & (acc.rep == self.slot))


class AccountAgent(mesa.Agent):
    """View onto account slot ``slot``; :meth:`step` is the per-account reference decision rule."""

    def __init__(self, model: MarketModel, slot: int):
        super().__init__(model)
        self.slot = slot

    @property
    def supplier(self) -> str | None:
        acc = self.model.accounts
        return self.model.suppliers[acc.supplier[self.slot]].name if acc.active()[self.slot] else None

    @property
    def tier(self) -> str:
        return TIERS[self.model.accounts.tier[self.slot]]

    @property
    def satisfaction(self) -> float:
        return float(self.model.accounts.satisfaction[self.slot])

    @property
    def tenure_months(self) -> int:
        return int(self.model.month - self.model.accounts.since_month[self.slot])

    def step(self) -> None:
        """Decide, one account at a time in plain Python, whether to leave and for whom (reference path)."""
        from churnsim.reference import decide_one

        self.model.decision_buffer[self.slot] = decide_one(self.model, self.slot)
