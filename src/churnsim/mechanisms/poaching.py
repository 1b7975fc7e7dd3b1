"""Competitors' poaching (DESIGN §3.1): targeted offers to rivals' accounts and courting rivals' salespeople.

Offers. Each poaching supplier ``k`` makes, in expectation, ``offer_rate_per_month × (rivals' accounts)`` offers a
month. Account ``i`` of a rival is targeted with weight ``(size_i / mean size) ** target_size_exponent ×
exp(target_unhappiness × (3 − reported level_i))``: large and visibly unhappy accounts first. An offer cuts the
offerer's price by ``offer_discount`` and triggers the account to consider leaving. When several suppliers
target the same account in a month, one offer is kept, drawn in proportion to the chances.

Courting. Each salesperson of a rival is courted with ``rep_court_rate_per_month`` (a courted one quits more
readily and, if they quit, joins the courting supplier).
Source: DESIGN §2 (competitors attack with lower prices, promotion, even bribes; they hire away salespeople).
"""

from __future__ import annotations

import numpy as np

__all__ = ["court_reps", "target_offers"]


def _pick(p: np.ndarray, u_pick: np.ndarray, u_any: np.ndarray) -> np.ndarray:
    """Per row of chances ``p`` (n, K): the column drawn, or -1 if none fires."""
    any_p = 1 - np.prod(1 - p, axis=1)
    cum = np.cumsum(p, axis=1)
    total = cum[:, -1:]
    share = np.divide(cum, total, out=np.ones_like(cum), where=total > 0)
    who = (u_pick[:, None] >= share).sum(axis=1)
    return np.where(u_any < any_p, np.minimum(who, p.shape[1] - 1), -1)


def target_offers(supplier: np.ndarray, active: np.ndarray, size: np.ndarray, reported: np.ndarray,
                  offer_rate: np.ndarray, size_exponent: np.ndarray, unhappiness: np.ndarray,
                  u_any: np.ndarray, u_pick: np.ndarray) -> np.ndarray:
    """The supplier whose offer each account receives this month (-1 none).

    Args:
        supplier: current supplier per slot.
        active: slots in the market.
        size: monthly volume per slot.
        reported: last five-level answer per slot (what a competitor can see of its mood).
        offer_rate, size_exponent, unhappiness: each supplier's poaching policy (K,).
        u_any, u_pick: this month's uniforms of the two offer streams, one per slot entered so far.
    """
    out = np.full(len(supplier), -1, dtype=np.int8)
    poachers = np.flatnonzero(offer_rate > 0)
    if len(poachers) == 0 or not active.any():
        return out
    idx = np.flatnonzero(active)
    rel_size = size[idx] / size[idx].mean()
    mood = (3 - reported[idx]).astype(np.float64)
    p = np.zeros((len(idx), len(poachers)))
    for col, k in enumerate(poachers):
        target = supplier[idx] != k
        weight = np.where(target, rel_size ** size_exponent[k] * np.exp(unhappiness[k] * mood), 0.0)
        total = weight.sum()
        if total > 0:
            p[:, col] = np.minimum(1.0, offer_rate[k] * target.sum() * weight / total)
    pick = _pick(p, u_pick[idx], u_any[idx])
    out[idx] = np.where(pick >= 0, poachers[np.maximum(pick, 0)], -1)
    return out


def court_reps(employer: np.ndarray, court_rate: np.ndarray, u_any: np.ndarray, u_pick: np.ndarray) -> np.ndarray:
    """The supplier courting each salesperson this month (-1 none)."""
    p = np.where(employer[:, None] != np.arange(len(court_rate))[None, :], court_rate[None, :], 0.0)
    return _pick(p, u_pick, u_any).astype(np.int8)
