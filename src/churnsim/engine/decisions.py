"""Step 6 of the month (DESIGN §3.3): who considers leaving, whom they choose, and the switches applied.

:func:`decide` is the rule over arrays (:mod:`churnsim.mechanisms.choice`); :func:`decide_reference` the same
rule account by account, each decider's Mesa view running :meth:`~churnsim.engine.agents.AccountAgent.step`
(:mod:`churnsim.engine.reference`). Both read the same arrays and the same draws.
"""

from __future__ import annotations

import mesa
import numpy as np

from churnsim.core.config import BehaviourConfig
from churnsim.engine.agents import AccountAgent
from churnsim.mechanisms.choice import choose_suppliers, considering
from churnsim.state.accounts import AccountTable

__all__ = ["decide", "decide_reference"]

Switches = tuple[np.ndarray, np.ndarray, np.ndarray]  # (switching slots, chosen supplier, reason code)


def _moved(acc: AccountTable, slots: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Whose choice moves something: those that chose another supplier than their main one, and (share of wallet)
    those that chose their main one while ranking another first, which ranks it first again."""
    return (chosen != acc.supplier[slots]) | (acc.rank[slots, 0] != 0)


def decide(live: np.ndarray, acc: AccountTable, month: int, keys: tuple, list_price: np.ndarray,
           reputation: np.ndarray, brand: np.ndarray, present: np.ndarray, b: BehaviourConfig) -> Switches:
    """The decision rule over arrays: who considers leaving, and whom they choose (compiled loops over the table).

    Args:
        keys: this month's keys of :data:`churnsim.mechanisms.choice.STREAMS`.
    """
    slots = considering(live, acc, month, keys[0], b)
    chosen, reason = choose_suppliers(slots, acc, month, keys[1], list_price, reputation, brand, present, b)
    moved = _moved(acc, slots, chosen)
    return slots[moved], chosen[moved], reason[moved]


def decide_reference(model: mesa.Model) -> Switches:
    """The same, one account at a time: every account that may decide runs its Mesa view's ``step``."""
    acc = model.accounts
    model.decision_buffer = {}
    model.reference_draws = tuple(model.streams.uniform(s, model.month, acc.capacity)
                                  for s in ("decision.consider", "decision.choice"))
    for i in np.flatnonzero(acc.active() & (acc.since_month < model.month)):
        AccountAgent(model, int(i))
    if AccountAgent in model.agents_by_type:
        views = model.agents_by_type[AccountAgent]
        views.do("step")
        views.do("remove")
    slots = np.array(sorted(model.decision_buffer), dtype=np.int64)
    considered = np.array([model.decision_buffer[i][0] for i in slots], dtype=bool)
    chosen = np.array([model.decision_buffer[i][1] for i in slots], dtype=np.int64)
    reason = np.array([model.decision_buffer[i][2] for i in slots], dtype=np.int8)
    moved = considered & _moved(acc, slots, chosen)
    return slots[moved], chosen[moved], reason[moved]
