"""Relationship capital (DESIGN §3.1, §3.3): ties that grow with time and make leaving costly.

Rule, per active account and month: relationship capital with its supplier closes ``relationship_growth_per_month
× relationship_selling`` (the supplier's) of the gap to full (1); ``rep_owned_share`` of what grows belongs to the
salesperson, the rest to the firm (Palmatier, Scheer & Steenkamp 2007: part of loyalty is owned by the salesperson
and moves with them). The pull a departed salesperson keeps on a former account (:mod:`~.salesforce`) fades by
``pull_decay_per_month`` a month. In the choice, full capital is worth ``relationship_weight`` utility for the
incumbent (:mod:`~.choice`).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from churnsim.core.config import BehaviourConfig
from churnsim.core.jit import parallel_kernel
from churnsim.state.accounts import AccountTable

__all__ = ["grow"]


def grow(live: np.ndarray, acc: AccountTable, selling: np.ndarray, n_entered: int, b: BehaviourConfig) -> None:
    """One month of relationship growth of the active slots ``live`` and pull decay, in place.

    Args:
        selling: (K,) each supplier's ``relationship_selling``.
        n_entered: slots entered so far (the others hold no pull).
    """
    _grow(live, acc.supplier, acc.rc_firm, acc.rc_rep, selling, b.relationship_growth_per_month, b.rep_owned_share,
          acc.pull, n_entered, b.pull_decay_per_month)


@parallel_kernel
def _grow(live, supplier, rc_firm, rc_rep, selling, growth, rep_owned_share, pull, n_entered, pull_decay):
    rate, firm_share, rep_share = np.float32(growth), np.float32(1 - rep_owned_share), np.float32(rep_owned_share)
    keep = np.float32(1 - pull_decay)
    for j in prange(n_entered):  # a pull outlives the account's stay: every slot entered so far may hold one
        pull[j] *= keep
    for j in prange(len(live)):
        i = live[j]
        more = rate * (np.float32(1) - rc_firm[i] - rc_rep[i]) * np.float32(selling[supplier[i]])
        rc_firm[i] += more * firm_share
        rc_rep[i] += more * rep_share
