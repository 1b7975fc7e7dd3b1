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

from dataclasses import dataclass

import numpy as np
from numba import prange

from churnsim.core.config import SalesForceConfig
from churnsim.core.jit import BLOCK, kernel, parallel_kernel
from churnsim.state.accounts import AccountTable
from churnsim.state.reps import RepTable

__all__ = ["STREAMS", "Quits", "destinations", "next_morale", "quits", "turnover"]

STREAMS = ("salesforce.quit", "salesforce.destination")


@dataclass
class Quits:
    """The salespeople who quit this month: their person ids, employer and where they went (-1: left the market)."""

    person: np.ndarray
    employer: np.ndarray
    to: np.ndarray
    poached: np.ndarray  # bool: joined the rival that courted them


def turnover(live: np.ndarray, acc: AccountTable, reps: RepTable, morale_target: np.ndarray, present: np.ndarray,
             u_quit: np.ndarray, u_destination: np.ndarray, sf: SalesForceConfig) -> Quits:
    """One month of the sales force, in place: morale moves with last month's churn, salespeople quit and are
    replaced, their accounts lose the rep-owned relationship and feel the pull of the new employer.

    Args:
        live: the active account slots.
        morale_target: (K,) the morale each supplier's people policy lets its salespeople drift toward.
        present: (K,) which suppliers are in the market (an entrant's salespeople are idle until it enters).
        u_quit, u_destination: this month's uniforms of :data:`STREAMS`, one per salesperson slot.
    """
    book, share = _books(live, acc.rep, acc.supplier, len(reps), len(present))
    book = book + reps.book_departures
    churn_share = reps.book_departures / np.maximum(book, 1)
    target = morale_target[reps.employer]
    reps.morale[:] = next_morale(reps.morale, churn_share, target, sf.morale_recovery_per_month,
                                 sf.morale_churn_sensitivity)
    quitting = quits(reps.morale, reps.courted_by, u_quit, sf.quit_rate_per_year, sf.quit_morale_elasticity,
                     sf.courted_quit_multiplier)
    quitting &= present[reps.employer]
    dest = destinations(quitting, reps.courted_by, reps.employer, u_destination, sf.p_join_competitor,
                        share.astype(np.float64))
    leavers = np.flatnonzero(quitting)
    out = Quits(reps.person[leavers].copy(), reps.employer[leavers].copy(), dest[leavers],
                reps.courted_by[leavers] >= 0)
    if len(leavers):
        affected = _served_by(live, acc.rep, quitting)
        new_employer = dest[acc.rep[affected]]
        moved = new_employer >= 0
        acc.pull_supplier[affected[moved]] = new_employer[moved]
        acc.pull[affected[moved]] = acc.rc_rep[affected[moved]]
        acc.rc_rep[affected] = 0
        acc.rep_left[affected] = True
    reps.replace(leavers, target[leavers])
    reps.book_departures[:] = 0
    return out


@parallel_kernel
def _books(live, rep, supplier, n_reps, n_suppliers):
    """Active accounts per salesperson slot and per supplier (counted per block of slots, then added: exact)."""
    blocks = (len(live) + BLOCK - 1) // BLOCK
    per_rep = np.zeros((blocks, n_reps), np.int64)
    per_supplier = np.zeros((blocks, n_suppliers), np.int64)
    for b in prange(blocks):
        for j in range(b * BLOCK, min(len(live), (b + 1) * BLOCK)):
            i = live[j]
            per_rep[b, rep[i]] += 1
            per_supplier[b, supplier[i]] += 1
    return per_rep.sum(axis=0), per_supplier.sum(axis=0)


@kernel
def _served_by(live, rep, flagged):
    """The ``live`` slots whose salesperson slot is ``flagged`` (quitting this month)."""
    out = np.empty(len(live), np.int64)
    m = 0
    for i in live:
        if flagged[rep[i]]:
            out[m] = i
            m += 1
    return out[:m]


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
    weight = np.tile(supplier_share.astype(np.float64), (len(idx), 1))
    weight[np.arange(len(idx)), employer[idx]] = 0.0  # not back to the employer they leave
    total = weight.sum(axis=1)
    cum = np.cumsum(weight, axis=1) / np.where(total > 0, total, 1.0)[:, None]
    share_drawn = u_dest[idx] / p_join if p_join > 0 else np.zeros(len(idx))  # where in the rivals' shares it fell
    rival = np.minimum((cum <= share_drawn[:, None]).sum(axis=1), len(supplier_share) - 1)
    joins = (u_dest[idx] < p_join) & (total > 0)
    out[idx] = np.where(courted_by[idx] >= 0, courted_by[idx], np.where(joins, rival, -1))
    return out
