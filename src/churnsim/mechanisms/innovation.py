"""Product value against the market frontier (DESIGN §2: no innovation, so the dealer's margin shrinks).

Rule, per supplier and month: ``value ← min(1, value × (1 − value_decay_per_month) + innovation_per_month)``.
A supplier that innovates as fast as the frontier moves keeps value 1; one that stops loses about 6 % a year at
the default decay of 0.5 % a month. Experienced quality is ``quality × value``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["product_value"]


def product_value(value: np.ndarray, decay_per_month: np.ndarray, innovation_per_month: np.ndarray) -> np.ndarray:
    """Next month's product value of each supplier, 0..1."""
    return np.minimum(1.0, value * (1 - decay_per_month) + innovation_per_month)
