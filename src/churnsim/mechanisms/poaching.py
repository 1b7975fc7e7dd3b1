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

from churnsim.core.rng import RandomStreams
from churnsim.state.accounts import AccountTable
from churnsim.state.reps import RepTable
from churnsim.state.suppliers import SupplierArrays

__all__ = ["court", "court_reps", "make_offers", "target_offers"]


def make_offers(acc: AccountTable, sup: SupplierArrays, present: np.ndarray, streams: RandomStreams, month: int,
                n_entered: int) -> None:
    """This month's offers, in place: ``offer_from`` and ``offer_discount`` of every account (-1 and 0: none)."""
    acc.offer_by[:] = -1  # the poaching policies are the market's: no strategy component made these offers
    rate = sup.offer_rate_per_month * present
    if not (rate > 0).any():  # passive rivals make no offers (and need no draws)
        acc.offer_from[:], acc.offer_discount[:] = -1, 0
        return
    acc.offer_from[:] = target_offers(acc.supplier, acc.active(), acc.volume, acc.reported, rate,
                                      sup.target_size_exponent, sup.target_unhappiness,
                                      *(streams.uniform(s, month, n_entered) for s in ("poaching.offer",
                                                                                       "poaching.offer_pick")))
    acc.offer_discount[:] = np.where(acc.offer_from >= 0, sup.offer_discount[acc.offer_from], 0)


def court(reps: RepTable, sup: SupplierArrays, present: np.ndarray, streams: RandomStreams, month: int) -> None:
    """This month's courting of salespeople, in place: ``courted_by`` of every salesperson slot (-1: none)."""
    rate = sup.rep_court_rate_per_month * present
    reps.courted_by[:] = -1
    if (rate > 0).any():
        courted_by = court_reps(reps.employer, rate, streams.uniform("poaching.court", month, len(reps)),
                                streams.uniform("poaching.court_pick", month, len(reps)))
        reps.courted_by[:] = np.where(present[reps.employer], courted_by, -1)  # an entrant's reps are idle


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
