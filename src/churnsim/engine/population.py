"""The market at the start: accounts placed with suppliers, salespeople, relationships and the contact network."""

from __future__ import annotations

import math

import numpy as np

from churnsim.core.codes import ACTIVE
from churnsim.core.config import RunConfig
from churnsim.core.rng import RandomStreams
from churnsim.state.accounts import AccountTable, entry_schedule, new_accounts
from churnsim.state.network import Network, regional_small_world
from churnsim.state.reps import RepTable
from churnsim.state.suppliers import SupplierArrays

__all__ = ["initial_market"]


def initial_market(cfg: RunConfig, sup: SupplierArrays, streams: RandomStreams, first_month: int
                   ) -> tuple[AccountTable, RepTable, Network]:
    """Draw the market as it stands at ``first_month`` (the start of burn-in): accounts, salespeople, network."""
    acc_cfg = cfg.market.accounts
    n = cfg.n_accounts
    entrants = entry_schedule(n, acc_cfg.entry_rate_per_month, first_month, cfg.months - 1)
    rng = streams.generator("init.accounts")
    tenure0 = np.minimum(rng.exponential(acc_cfg.initial_tenure_mean_months, n), 240).astype(np.int32)
    acc = new_accounts(acc_cfg, np.concatenate([first_month - tenure0, entrants]), rng)

    # Suppliers still to enter hold no accounts; they size their sales force for their share among those present.
    present = sup.present(first_month)
    share = sup.initial_share / sum(s for s, here in zip(sup.initial_share.tolist(), present, strict=True) if here)
    cum = np.cumsum(np.where(present, share, 0.0))
    slots = np.arange(n)
    acc.supplier[:n] = np.searchsorted(cum / cum[-1], streams.uniform("init.supplier", 0, n), side="right")
    acc.supplier[:n] = np.minimum(acc.supplier[:n], np.flatnonzero(present)[-1])
    acc.status[:n] = ACTIVE
    acc.since_month[:n] = first_month - tenure0
    acc.first_supplier[:n] = acc.supplier[:n]

    reps = RepTable.for_suppliers([max(1, math.ceil(n * sh / per_rep))
                                   for sh, per_rep in zip(share.tolist(), sup.accounts_per_rep.tolist(), strict=True)])
    acc.rep[:n] = reps.slot_of(slots, acc.supplier[:n])

    b = cfg.market.behaviour
    levels = np.stack([sup.quality, 1.0 / (1.0 + sup.p_quality_incident), sup.logistics_reliability], 1)
    acc.mem[:n] = levels[acc.supplier[:n]]
    rc = 1.0 - (1.0 - b.relationship_growth_per_month) ** tenure0
    acc.rc_firm[:n] = (1 - b.rep_owned_share) * rc
    acc.rc_rep[:n] = b.rep_owned_share * rc

    network = regional_small_world(acc.region, acc_cfg.network_degree, acc_cfg.network_rewire,
                                   streams.generator("init.network"))
    return acc, reps, network
