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

from collections.abc import Callable

import numpy as np

from churnsim.config import ThreatsConfig

__all__ = ["KEY", "candidates", "negotiate"]

KEY = 0  # tier index of key accounts


def candidates(live: np.ndarray, tier: np.ndarray, promo_end: np.ndarray, month: int) -> np.ndarray:
    """The accounts that may threaten this month: of the active slots ``live`` (ascending), the key accounts not on
    special terms (no promotional discount running in ``month``)."""
    return live[(tier[live] == KEY) & (promo_end[live] < month)]


def negotiate(candidates: np.ndarray, satisfaction: np.ndarray, supplier: np.ndarray, p_concede: np.ndarray,
              u_threat: Callable[[np.ndarray], np.ndarray], u_concede: Callable[[np.ndarray], np.ndarray],
              cfg: ThreatsConfig,
              ) -> tuple[np.ndarray, np.ndarray]:
    """This month's threats and their outcome.

    Args:
        candidates: slots that may threaten (see :func:`candidates`), ascending.
        satisfaction, supplier: per account slot.
        p_concede: (K,) each supplier's chance of conceding.
        u_threat: this month's uniforms of the threat stream at the given (ascending) slots.
        u_concede: this month's uniforms of the concede stream at the given (ascending) slots.
        cfg: threat rates and the terms a conceded threat wins.

    Returns:
        (conceded, refused): the slots that won the terms and those refused, ascending.
    """
    hazard = cfg.rate_per_month + cfg.dissatisfaction_rate * np.maximum(
        0.0, -satisfaction[candidates].astype(np.float64))
    threat = candidates[u_threat(candidates) < -np.expm1(-hazard)]
    concede = u_concede(threat) < p_concede[supplier[threat]]
    return threat[concede], threat[~concede]
