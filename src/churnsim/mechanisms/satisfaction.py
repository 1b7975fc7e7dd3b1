"""Satisfaction (DESIGN §3.3 step 3): an exponentially weighted memory of experience against expectation.

Rule: each remembered component (quality, service, logistics) moves toward this month's experience by a share
``satisfaction_memory``. True satisfaction is the taste-weighted sum of remembered minus expected levels, plus
the price weight times the discount from the reference price (value for money):
``S = Σ_c w_c (mem_c − E_c) + w_price (1 − price_paid)``; 0 means "as expected". ``price_paid`` is after
discounts, plus any margin the account loses to parallel trading or channel conflict (value for money).
A survey sees it with Gaussian noise, cut into five levels 1 (very dissatisfied) … 5 (very satisfied).
Source: DESIGN §2 and §3.3; five-level scale of the source articles.
"""

from __future__ import annotations

import numpy as np

__all__ = ["remember", "reported_level", "satisfaction"]


def remember(memory: np.ndarray, experience: np.ndarray, weight: float) -> np.ndarray:
    """Exponentially weighted memory: ``(1 − weight) × memory + weight × experience``."""
    return ((1 - weight) * memory + weight * experience).astype(np.float32)


def satisfaction(memory: np.ndarray, taste: np.ndarray, expectation: np.ndarray, price_paid: np.ndarray,
                 ) -> np.ndarray:
    """True satisfaction from remembered levels (n, 3), tastes (n, 4), expectations (3,) and price paid."""
    gap = (memory - expectation) * taste[:, :3]
    return (gap.sum(axis=1) + taste[:, 3] * (1 - price_paid)).astype(np.float32)


def reported_level(true_satisfaction: np.ndarray, noise: np.ndarray, cutpoints: np.ndarray) -> np.ndarray:
    """The five-level answer (1..5) a survey would record: ``true + noise`` cut at ``cutpoints``."""
    seen = true_satisfaction + noise
    level = np.ones(len(seen), dtype=np.int8)
    for cut in cutpoints:  # a few comparisons beat a binary search per account
        level += seen > cut
    return level
