"""Key accounts threatening to leave to extract special terms (DESIGN §2).

Rule, per month: each active key account (tier key) not already on special terms (an active promotional
discount) threatens to leave with probability ``1 − exp(−h)``, ``h = rate_per_month + dissatisfaction_rate ×
max(0, −satisfaction)``: dissatisfied accounts threaten more. Its supplier concedes with its ``p_concede``,
granting ``discount`` off list price for ``months`` (the lost revenue shows in revenue); otherwise the refusal is a
trigger that makes the account consider leaving that month (``trigger_threat_refused`` in the choice).
Source: DESIGN §2 ("some large accounts threaten to leave to extract special terms"). The rates are assumptions:
the source material gives none.
"""

from __future__ import annotations

import numpy as np

from churnsim.core.codes import KEY
from churnsim.core.config import ThreatsConfig
from churnsim.core.jit import kernel
from churnsim.core.rng import units
from churnsim.state.accounts import AccountTable

__all__ = ["STREAMS", "negotiate"]

STREAMS = ("threats.threat", "threats.concede")


def negotiate(live: np.ndarray, acc: AccountTable, p_concede: np.ndarray, month: int, keys: tuple,
              cfg: ThreatsConfig) -> tuple[np.ndarray, np.ndarray]:
    """This month's threats and their outcome, applied to the account table.

    Args:
        live: the active slots, ascending.
        p_concede: (K,) each supplier's chance of conceding.
        keys: this month's keys of :data:`STREAMS`.
        cfg: threat rates and the terms a conceded threat wins.

    Returns:
        (conceded, refused): the slots that won the terms and those refused, ascending.
    """
    candidates = _candidates(live, acc.tier, acc.promo_end, month, KEY)
    hazard = cfg.rate_per_month + cfg.dissatisfaction_rate * np.maximum(
        0.0, -acc.satisfaction[candidates].astype(np.float64))
    threat = candidates[units(keys[0], candidates) < -np.expm1(-hazard)]
    concede = units(keys[1], threat) < p_concede[acc.supplier[threat]]
    conceded, refused = threat[concede], threat[~concede]
    acc.promo_discount[conceded] = cfg.discount
    acc.promo_end[conceded] = month + cfg.months - 1
    acc.promo_by[conceded] = -1  # the market's concession, not a strategy's
    acc.threat_refused[:] = False
    acc.threat_refused[refused] = True
    return conceded, refused


@kernel
def _candidates(live, tier, promo_end, month, key):
    """The accounts that may threaten: of ``live``, the key accounts with no promotion running in ``month``."""
    out = np.empty(len(live), np.int64)
    m = 0
    for i in live:
        if tier[i] == key and promo_end[i] < month:
            out[m] = i
            m += 1
    return out[:m]
