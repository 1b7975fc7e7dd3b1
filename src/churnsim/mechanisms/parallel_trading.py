"""Parallel trading: cross-region dumping of a supplier's goods that destroys its dealers' margins (DESIGN §2).

Rule, per (region, supplier) and month: an episode starts with ``p_start_per_region_month`` where none is running
(a dealer elsewhere dumps the supplier's goods into the region below the local dealers' price); it lasts
``max_months`` unless the supplier detects and stops it first (market monitoring, a retention strategy). While it
lasts, every account of that supplier in that region loses ``margin_hit`` (a share of price) of its margin: it
experiences value for money as if it paid that much more, in satisfaction and when it weighs its supplier's price
against rivals' in the choice, so dissatisfaction and departures for price follow. Rivals' dealers are unaffected.
Source: DESIGN §2 (channel conflict and cross-region dumping of goods that destroys a dealer's margin; market
monitoring against parallel trading is one of the firms' levers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["STREAM", "Episodes", "advance", "margin_hit"]

STREAM = "parallel_trading.start"


@dataclass
class Episodes:
    """The running episodes: ``age`` (regions, suppliers), 0 none, ``a ≥ 1`` its ``a``-th month; and the log of
    ``(month, region, supplier, "start" | "stopped")``."""

    age: np.ndarray
    log: list[tuple[int, int, int, str]] = field(default_factory=list)

    @classmethod
    def none(cls, n_regions: int, n_suppliers: int) -> Episodes:
        return cls(np.zeros((n_regions, n_suppliers), dtype=np.int32))

    def advance(self, u_start: np.ndarray, p_start: float, max_months: int, present: np.ndarray, month: int) -> None:
        """Next month's episodes (see :func:`advance`); new ones are logged."""
        self.age = advance(self.age, u_start, p_start, max_months, present)
        self.log += [(month, int(r), int(k), "start") for r, k in np.argwhere(self.age == 1)]

    def stop(self, supplier: int, regions: np.ndarray, month: int) -> int:
        """End ``supplier``'s running episodes in ``regions`` (a mask); return how many ended."""
        stopped = np.flatnonzero(regions & (self.age[:, supplier] > 0))
        self.age[stopped, supplier] = 0
        self.log += [(month, int(r), supplier, "stopped") for r in stopped]
        return len(stopped)


def advance(age: np.ndarray, u_start: np.ndarray, p_start: float, max_months: int, present: np.ndarray
            ) -> np.ndarray:
    """Next month's episode ages, shape (regions, suppliers): 0 none, ``a ≥ 1`` the episode's ``a``-th month.

    Args:
        age: this month's ages.
        u_start: uniforms of the same shape, one per (region, supplier).
        p_start: chance per region, supplier and month that an episode starts.
        max_months: months an undetected episode lasts.
        present: (suppliers,) which suppliers are in the market (no episodes for the others).
    """
    running = (age > 0) & (age < max_months)
    starts = (age == 0) & (u_start < p_start) & present[None, :]
    return np.where(running, age + 1, np.where(starts, 1, 0)).astype(age.dtype)


def margin_hit(age: np.ndarray, region: np.ndarray, supplier: np.ndarray, hit: float) -> np.ndarray:
    """Margin each account (``region``, ``supplier``; supplier -1 when not in the market) loses this month."""
    on = (age[region, np.maximum(supplier, 0)] > 0) & (supplier >= 0)
    return np.where(on, np.float32(hit), np.float32(0))
