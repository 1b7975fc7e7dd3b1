"""Measurements of the model's calibrated effects, made the way an empirical study would make them.

- :func:`contagion_hazard_ratio`: the monthly hazard of switching away among accounts with exactly one contact
  who defected from their supplier last month, over that of accounts with none (Nitzan & Libai 2011 report ≈ 1.8).
  Account-months with another discrete trigger (an offer, a contract end, a departing salesperson, a refused
  threat) are left out, as a hazard model would hold those covariates fixed.
- :func:`rep_departure_loss`: the share of the next twelve months' purchases from the supplier lost by accounts
  whose salesperson left this month, relative to accounts of the same suppliers whose salesperson stayed
  (Shi, Sridhar, Grewal & Lilien 2017 report 13–18 %).

Both step a :class:`~churnsim.engine.model.MarketModel` and observe it each month; they change nothing in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.core.config import RunConfig
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan

__all__ = ["EffectSizes", "measure_effects"]


@dataclass
class EffectSizes:
    contagion_hazard_ratio: float
    contagion_exposed_switches: int
    rep_departure_loss: float
    rep_departure_accounts: int


class _ObservedModel(MarketModel):
    """A model that keeps, each reported month, what the two measurements need."""

    def __init__(self, cfg: RunConfig):
        super().__init__(make_plan(cfg))
        self.exposure_counts = np.zeros((2, 2), dtype=np.int64)  # [none, one] × [account-months, switches]
        self.purchases: list[tuple[np.ndarray, np.ndarray]] = []  # (supplier or -1, volume) after each month
        self.rep_left_slots: list[np.ndarray] = []

    def decisions(self) -> None:
        if self.month < 0:
            super().decisions()
            return
        acc = self.accounts
        deciders = np.flatnonzero(acc.active() & (acc.since_month < self.month))  # who may decide this month
        other = (acc.rep_left[deciders] | acc.threat_refused[deciders] | (acc.offer_from[deciders] >= 0)
                 | (acc.contract_end[deciders] == self.month))
        exposure, supplier = acc.exposure[deciders].copy(), acc.supplier[deciders].copy()
        self.rep_left_slots.append(np.flatnonzero(acc.rep_left & acc.active()))
        super().decisions()
        switched = acc.supplier[deciders] != supplier  # a decider that switches always changes supplier
        for row, mask in enumerate((exposure < 0.01, np.abs(exposure - 1.0) < 0.01)):
            mask &= ~other
            self.exposure_counts[row] += (mask.sum(), switched[mask].sum())

    def end_month(self) -> None:
        if self.month >= 0:
            acc = self.accounts
            active = acc.active()
            self.purchases.append((np.where(active, acc.supplier, -1), np.where(active, acc.volume, 0.0)))
        super().end_month()


def _rep_loss(model: _ObservedModel, horizon: int = 12) -> tuple[float, int]:
    supplier = np.array([s for s, _ in model.purchases])
    volume = np.array([v for _, v in model.purchases])
    kept, owed = np.zeros(2), np.zeros(2)  # purchases made / at the earlier run rate: affected, others
    n_affected = 0
    for t in range(1, len(supplier) - horizon):
        before, base = supplier[t - 1], volume[t - 1]
        affected = np.zeros(len(before), bool)
        affected[model.rep_left_slots[t]] = True
        affected &= before >= 0
        n_affected += int(affected.sum())
        after = (volume[t:t + horizon] * (supplier[t:t + horizon] == before)).sum(axis=0)
        for row, mask in enumerate((affected, ~affected & (before >= 0))):
            kept[row] += after[mask].sum()
            owed[row] += horizon * base[mask].sum()
    return float(1 - (kept[0] / owed[0]) / (kept[1] / owed[1])), n_affected


def measure_effects(cfg: RunConfig) -> EffectSizes:
    """Run ``cfg`` once and measure the contagion hazard ratio and the loss after a salesperson leaves."""
    model = _ObservedModel(cfg)
    while model.month < cfg.months:
        model.step()
    (n0, s0), (n1, s1) = model.exposure_counts
    loss, n_affected = _rep_loss(model)
    return EffectSizes((s1 / n1) / (s0 / n0), int(s1), loss, n_affected)
