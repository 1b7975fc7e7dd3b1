"""Defection contagion over the contact network (DESIGN §3.4).

Rule: an account's exposure is a decaying count of contacts that recently defected from its own supplier:
each month ``exposure ← contagion_decay_per_month × exposure + (contacts who switched away from my supplier)``.
Its consideration hazard (:mod:`~.choice`) is multiplied by ``hr ** (exposure / (1 + damping × tenure_years))``:
each defecting contact multiplies the hazard by about ``hr`` (1.8 by default), fading over a month or two, and less for
long-tenure accounts. Source: Nitzan & Libai (2011), J. Marketing 75(6): hazard ratio ≈ 1.8 per defecting
neighbour, decaying quickly, weaker for long-tenure customers.
"""

from __future__ import annotations

import numpy as np

from churnsim.core.jit import rule
from churnsim.state.network import Network

__all__ = ["log_multiplier", "spread"]


@rule
def log_multiplier(exposure, tenure_months, log_hr, tenure_damping):
    """Log of the multiplier of one account's consideration hazard from recently defected contacts.

    ``log_hr`` is ``log(contagion_hr_per_contact)``; the multiplier is ``exp`` of the result.
    """
    return log_hr / (1 + tenure_damping * tenure_months / 12.0) * np.float64(exposure)


def spread(exposure: np.ndarray, decay: float, network: Network, defectors: np.ndarray,
           left_supplier: np.ndarray, supplier: np.ndarray, in_market: np.ndarray) -> np.ndarray:
    """Next month's exposure after this month's defections, in place (``exposure`` is returned).

    Args:
        exposure: current exposure per slot (float32), updated in place.
        decay: share of the exposure left after a month.
        network: contact network over slots.
        defectors: slots that switched away this month.
        left_supplier: for each defector, the supplier it left.
        supplier: every slot's current supplier.
        in_market: every slot's status is active (only contacts in the market are exposed).
    """
    exposure *= np.float32(decay)
    if len(defectors):
        source, contact = network.neighbours_of(defectors)
        exposed = contact[(supplier[contact] == left_supplier[source]) & in_market[contact]]
        slots, count = np.unique(exposed, return_counts=True)  # few: no pass over every slot
        exposure[slots] += count.astype(np.float32)
    return exposure
