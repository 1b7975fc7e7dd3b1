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

import numpy as np

__all__ = ["advance", "margin_hit"]


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
