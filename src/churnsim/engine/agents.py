"""Mesa agents: suppliers with real behaviour; salespeople and accounts as thin views onto table rows.

Suppliers are few and hold Python behaviour (their retention strategy runs through :meth:`Supplier.retain`).
Salespeople and accounts live in arrays owned by the model; :class:`Salesperson` and :class:`AccountAgent` are
views created on demand for inspection, tests and the reference path, and cost nothing per step. Each agent reads
the model's tables through ``self.model`` (Mesa's link to the model that holds it).
"""

from __future__ import annotations

import mesa
import numpy as np

from churnsim.core.codes import TIERS
from churnsim.engine.reference import decide_one
from churnsim.strategies import Component, Market

__all__ = ["AccountAgent", "Salesperson", "Supplier"]


class Supplier(mesa.Agent):
    """The focal firm or a competitor: supplier ``index`` of the model's supplier arrays, and its strategy."""

    def __init__(self, model: mesa.Model, index: int, components: tuple[Component, ...] = (),
                 strategy_start_month: int = 0):
        super().__init__(model)
        self.index = index
        self.name = model.plan.suppliers.names[index]
        self.components = components
        self.strategy_start_month = strategy_start_month

    @property
    def is_focal(self) -> bool:
        return self.index == 0

    @property
    def product_value(self) -> float:
        """Its product's value against the market frontier, 0..1 (:mod:`churnsim.mechanisms.innovation`)."""
        return float(self.model.market.product_value[self.index])

    @property
    def morale_target(self) -> float:
        """The morale its people policy lets its salespeople drift toward (0: neutral)."""
        return float(self.model.market.morale_target[self.index])

    def retain(self, market: Market) -> list[tuple[float, dict[str, float]]]:
        """Run its retention strategy for this month, once it has started; return each component's cost (k€) and
        what it did (:meth:`~churnsim.strategies.base.Component.run_month`)."""
        if market.month < self.strategy_start_month:
            return [(0.0, {}) for _ in self.components]
        done = []
        for j, component in enumerate(self.components):
            market.acting = j  # what it grants is recorded as its own (the concessions it pays for)
            cost, actions = component.run_month(market, self.index)
            done.append((float(cost), actions))
        market.acting = -1
        return done


class Salesperson(mesa.Agent):
    """View onto salesperson slot ``slot`` of the model's rep table."""

    def __init__(self, model: mesa.Model, slot: int):
        super().__init__(model)
        self.slot = slot

    @property
    def employer(self) -> str:
        return self.model.plan.suppliers.names[self.model.reps.employer[self.slot]]

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

    def __init__(self, model: mesa.Model, slot: int):
        super().__init__(model)
        self.slot = slot

    @property
    def supplier(self) -> str | None:
        acc = self.model.accounts
        return self.model.plan.suppliers.names[acc.supplier[self.slot]] if acc.active()[self.slot] else None

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
        self.model.decision_buffer[self.slot] = decide_one(self.model, self.slot)
