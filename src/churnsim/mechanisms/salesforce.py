"""The sales force (DESIGN §3.3 step 5): morale, quits, and salespeople moving to competitors.

Rule, per salesperson and month:
- morale (0 = neutral) recovers toward the firm's people-policy target by ``morale_recovery_per_month`` of the gap
  and falls by ``morale_churn_sensitivity × (share of the book that left last month)``: churn demoralises;
- the quit hazard is the base rate (``quit_rate_per_year``, about 20 % a year; Schmitz et al. 2020) times
  ``exp(−quit_morale_elasticity × morale)`` and times ``courted_quit_multiplier`` in a month a rival
  courts them: lower morale raises quits, the vicious circle;
- a courted quitter joins the courting rival ("poached"); any other quitter joins a competitor with
  ``p_join_competitor``, drawn in proportion to the competitors' market shares, or leaves the market ("quit").
A departing salesperson takes the rep-owned part of relationship capital (Palmatier, Scheer & Steenkamp 2007);
the model hands it to the new employer as a pull on the former accounts (Shi et al. 2017).
"""

from __future__ import annotations

import numpy as np

__all__ = ["destinations", "next_morale", "quits"]


def next_morale(morale: np.ndarray, book_churn_share: np.ndarray, target: np.ndarray, recovery: float,
                sensitivity: float) -> np.ndarray:
    """Morale after a month in which ``book_churn_share`` of the book left; ``target`` is per salesperson."""
    return (morale + recovery * (target - morale) - sensitivity * book_churn_share).astype(np.float32)


def quits(morale: np.ndarray, courted_by: np.ndarray, u_quit: np.ndarray, quit_rate_per_year: float,
          elasticity: float, courted_multiplier: float) -> np.ndarray:
    """Which salespeople quit this month."""
    base = -np.log1p(-min(quit_rate_per_year, 0.999999)) / 12.0
    hazard = base * np.exp(-elasticity * morale) * np.where(courted_by >= 0, courted_multiplier, 1.0)
    return u_quit < -np.expm1(-hazard)


def destinations(quitting: np.ndarray, courted_by: np.ndarray, employer: np.ndarray, u_dest: np.ndarray,
                 p_join: float, supplier_share: np.ndarray) -> np.ndarray:
    """New employer of each quitting salesperson (-1: leaves the market); -2 for those not quitting."""
    out = np.full(len(employer), -2, dtype=np.int8)
    idx = np.flatnonzero(quitting)
    for r in idx:
        if courted_by[r] >= 0:
            out[r] = courted_by[r]
            continue
        if u_dest[r] >= p_join:
            out[r] = -1
            continue
        weight = supplier_share.astype(np.float64).copy()
        weight[employer[r]] = 0.0
        total = weight.sum()
        if total <= 0:
            out[r] = -1
            continue
        cum = np.cumsum(weight) / total
        out[r] = min(int(np.searchsorted(cum, u_dest[r] / p_join, side="right")), len(weight) - 1)
    return out
