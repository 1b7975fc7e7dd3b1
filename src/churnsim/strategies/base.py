"""What every retention-strategy component shares: targeting, cost accounting, the one hook it runs through.

A component is a dataclass of parameters registered under a ``kind`` name. Each month the model calls
:meth:`Component.act` once for the supplier that owns the strategy (DESIGN §3.3 step 4). The component changes the
market through the levers of the :class:`~churnsim.strategies.market.Market` it is given (never the model) and
counts what it did, by kind of action; its cost is
``cost_fixed_per_month + cost_per_account_month × accounts covered + Σ cost_per_<kind> × count of <kind>`` (k€),
so every counted kind of action has a ``cost_per_<kind>`` field (``cost_per_action`` is the common one).
Randomness comes from the component's own streams, named ``strategy.<kind>.<purpose>``, so that switching a
component on never shifts the draws of any other process.

Targeting: ``tiers`` restricts a component to tiers; ``at_risk_only`` to the accounts the owner believes are at risk
(marked by a survey, a key-account team or the sales watch). Components that contact customers derive from
:class:`Contacting` and have a ``wake_up`` parameter: the extra consideration hazard (× propensity) a contact causes
that month, because contacting customers can wake up dormant ones (Ascarza, Iyengar & Schleicher 2016: churn
10.0 % treated vs 6.4 % control). It is off (0) by default; 0.05 roughly reproduces their relative effect for a
monthly contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from churnsim.core.codes import TIERS
from churnsim.core.config import RunConfig, _num
from churnsim.strategies.market import Market

__all__ = ["Component", "Contacting", "component_names"]


def component_names(components: tuple[Component, ...] | list[Component]) -> list[str]:
    """The components' kinds, numbered from the second of a kind on (``contracts``, ``contracts.2``): the keys of
    ``strategy_cost_by_component``."""
    names: list[str] = []
    for j, c in enumerate(components):
        seen = sum(1 for other in components[:j] if other.kind == c.kind)
        names.append(c.kind if seen == 0 else f"{c.kind}.{seen + 1}")
    return names


@dataclass
class Component:
    """Base of all strategy components. Subclasses set ``kind`` and implement :meth:`apply`."""

    kind: ClassVar[str] = ""
    ACTIONS: ClassVar[dict[str, str]] = {}
    """What each counted kind of action is called in ``summary.json`` (``strategy_actions_by_component``); a kind not
    named here keeps its own name."""
    tiers: list[str] = field(default_factory=lambda: list(TIERS),
                             metadata={"doc": "tiers it covers: key, regular, small"})
    cost_fixed_per_month: float = _num(0.0, 0.0, doc="k€ per month")
    cost_per_account_month: float = _num(0.0, 0.0, doc="k€ per covered account and month")
    cost_per_action: float = _num(0.0, 0.0, doc="k€ per action taken")
    at_risk_only: bool = field(default=False, metadata={"doc": "cover only accounts believed to be at risk"})

    def covered(self, market: Market, owner: int) -> np.ndarray:
        """Mask of the owner's active accounts in the covered tiers (and believed at risk, if so targeted)."""
        acc = market.accounts
        mask = acc.active() & (acc.supplier == owner) & self.in_tiers(market)
        return mask & acc.at_risk if self.at_risk_only else mask

    def in_tiers(self, market: Market) -> np.ndarray:
        return np.isin(market.accounts.tier, [TIERS.index(t) for t in self.tiers])


    def uniform(self, market: Market, purpose: str) -> np.ndarray:
        """This month's uniforms of the component's own stream ``strategy.<kind>.<purpose>``, one per account slot
        (NaN for the slots not entered yet, which no strategy covers)."""
        return market.uniform(f"strategy.{self.kind}.{purpose}")

    def act(self, market: Market, owner: int) -> float:
        """Run one month for ``owner``; return the month's cost (k€)."""
        return self.run_month(market, owner)[0]

    def run_month(self, market: Market, owner: int) -> tuple[float, dict[str, float]]:
        """Run one month for ``owner``; return the month's cost (k€) and what it did: the account-months it
        covered and its counts of each kind of action, by their names in :attr:`ACTIONS`."""
        covered = self.covered(market, owner)
        n_covered = int(covered.sum())
        counts = self.apply(market, owner, covered)
        variable = sum(getattr(self, f"cost_per_{kind}") * n for kind, n in counts.items())
        cost = self.cost_fixed_per_month + self.cost_per_account_month * n_covered + variable
        return cost, {"covered_account_months": n_covered, **{self.ACTIONS.get(k, k): n for k, n in counts.items()}}

    def check(self, where: str, cfg: RunConfig) -> None:
        """Raise ``ConfigError`` if the parameters cannot work in the run ``cfg`` (the market, the span).

        Args:
            where: the component's path in the config, for the message.
            cfg: the run's configuration (validated field by field).
        """

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, float]:
        """Change the world for the covered accounts; return the count of each kind of action taken."""
        raise NotImplementedError


@dataclass
class Contacting(Component):
    """A component whose actions contact customers, and so may wake dormant ones up."""

    wake_up: float = _num(0.0, 0.0, 5.0, doc="extra consideration hazard (× propensity) in a month of contact")

    def contact(self, market: Market, contacted: np.ndarray) -> None:
        """Record that the ``contacted`` accounts (a mask) heard from their supplier this month."""
        if self.wake_up:
            market.accounts.wake_hazard[contacted] += np.float32(self.wake_up)
