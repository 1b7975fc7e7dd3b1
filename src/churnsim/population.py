"""The market at the start: accounts placed with suppliers, salespeople, relationships and the contact network."""

from __future__ import annotations

import math

import numpy as np

from churnsim.accounts import ACTIVE, AccountTable, entry_schedule, new_accounts
from churnsim.agents import RepTable
from churnsim.config import RunConfig
from churnsim.network import Network, regional_small_world
from churnsim.rng import RandomStreams

__all__ = ["initial_market", "rep_slot"]


def rep_slot(slots: np.ndarray, supplier: np.ndarray, rep_offset: np.ndarray, n_reps: np.ndarray) -> np.ndarray:
    """Salesperson slot serving each account slot at a supplier: a fixed territory by slot number."""
    return (rep_offset[supplier] + slots % n_reps[supplier]).astype(np.int32)


def initial_market(cfg: RunConfig, streams: RandomStreams, first_month: int
                   ) -> tuple[AccountTable, RepTable, Network, np.ndarray, np.ndarray]:
    """Draw the market as it stands at ``first_month`` (the start of burn-in).

    Returns:
        accounts, reps, network, rep_offset (K,), n_reps (K,).
    """
    acc_cfg = cfg.market.accounts
    suppliers = [cfg.market.focal, *cfg.competitors.rivals]
    n = cfg.n_accounts
    entrants = entry_schedule(n, acc_cfg.entry_rate_per_month, first_month, cfg.months - 1)
    rng = streams.generator("init.accounts")
    tenure0 = np.minimum(rng.exponential(acc_cfg.initial_tenure_mean_months, n), 240).astype(np.int32)
    acc = new_accounts(acc_cfg, np.concatenate([first_month - tenure0, entrants]), rng)

    # Suppliers still to enter hold no accounts; they size their sales force for their share among those present.
    present = np.array([s.enters_at_month is None or s.enters_at_month <= first_month for s in suppliers])
    share = np.array([s.initial_share for s in suppliers], dtype=np.float64) / sum(
        s.initial_share for s, here in zip(suppliers, present, strict=True) if here)
    cum = np.cumsum(np.where(present, share, 0.0))
    slots = np.arange(n)
    acc.supplier[:n] = np.searchsorted(cum / cum[-1], streams.uniform("init.supplier", 0, n), side="right")
    acc.supplier[:n] = np.minimum(acc.supplier[:n], np.flatnonzero(present)[-1])
    acc.status[:n] = ACTIVE
    acc.since_month[:n] = first_month - tenure0
    acc.first_supplier[:n] = acc.supplier[:n]

    n_reps = np.array([max(1, math.ceil(n * sh / s.accounts_per_rep)) for s, sh in zip(suppliers, share, strict=False)])
    rep_offset = np.concatenate([[0], np.cumsum(n_reps)[:-1]])
    acc.rep[:n] = rep_slot(slots, acc.supplier[:n], rep_offset, n_reps)

    b = cfg.market.behaviour
    levels = np.array([[s.quality, 1.0 / (1.0 + s.p_quality_incident), s.logistics_reliability] for s in suppliers])
    acc.mem[:n] = levels[acc.supplier[:n]]
    rc = 1.0 - (1.0 - b.relationship_growth_per_month) ** tenure0
    acc.rc_firm[:n] = (1 - b.rep_owned_share) * rc
    acc.rc_rep[:n] = b.rep_owned_share * rc

    network = regional_small_world(acc.region, acc_cfg.network_degree, acc_cfg.network_rewire,
                                   streams.generator("init.network"))
    return acc, RepTable.for_suppliers(list(n_reps)), network, rep_offset, n_reps
