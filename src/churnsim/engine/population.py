"""The market at the start: accounts placed with suppliers, salespeople, relationships and the contact network."""

from __future__ import annotations

import math

import numpy as np

from churnsim.core.codes import ACTIVE, NO_CONTRACT
from churnsim.core.config import RunConfig
from churnsim.core.rng import RandomStreams
from churnsim.mechanisms import wallet
from churnsim.state.account_list import AccountList
from churnsim.state.accounts import AccountTable, entry_schedule, new_accounts
from churnsim.state.network import Network, regional_small_world
from churnsim.state.reps import RepTable
from churnsim.state.suppliers import SupplierArrays

__all__ = ["initial_market"]


def initial_market(cfg: RunConfig, sup: SupplierArrays, streams: RandomStreams, first_month: int,
                   own: AccountList | None = None) -> tuple[AccountTable, RepTable, Network]:
    """Draw the market as it stands at ``first_month`` (the start of burn-in): accounts, salespeople, network.

    With the firm's account list ``own`` (``accounts_file``, no burn-in), slots ``0 .. len(own)-1`` are its rows,
    the focal firm's at month 0 with their revenue, tier, region, tenure, salesperson, contract and survey score
    (:func:`_own_accounts`); the other slots are drawn as always and shared among the rivals present.
    """
    acc_cfg = cfg.market.accounts
    n = cfg.n_accounts
    entrants = entry_schedule(n, acc_cfg.entry_rate_per_month, first_month, cfg.months - 1)
    rng = streams.generator("init.accounts")
    tenure0 = np.minimum(rng.exponential(acc_cfg.initial_tenure_mean_months, n), 240).astype(np.int32)
    m = 0 if own is None else len(own)
    if m:
        tenure0[:m] = np.where(own.tenure >= 0, own.tenure, tenure0[:m])
    acc = new_accounts(acc_cfg, np.concatenate([first_month - tenure0, entrants]), rng)

    # Suppliers still to enter hold no accounts; they size their sales force for their share among those present.
    present = sup.present(first_month)
    share = sup.initial_share / sum(s for s, here in zip(sup.initial_share.tolist(), present, strict=True) if here)
    drawn = present.copy()
    drawn[0] &= not m  # with a list, the list is the focal firm's; the rest of the market is shared among the rivals
    cum = np.cumsum(np.where(drawn, share, 0.0))
    slots = np.arange(n)
    acc.supplier[:n] = np.searchsorted(cum / cum[-1], streams.uniform("init.supplier", 0, n), side="right")
    acc.supplier[:n] = np.minimum(acc.supplier[:n], np.flatnonzero(present)[-1])
    acc.supplier[:m] = 0
    acc.status[:n] = ACTIVE
    acc.since_month[:n] = first_month - tenure0
    acc.first_supplier[:n] = acc.supplier[:n]
    wallet.allocate(acc, n, present, np.asarray(share), streams, cfg.market.wallet, single=m)

    per_supplier = [max(1, math.ceil(n * sh / per_rep))
                    for sh, per_rep in zip(share.tolist(), sup.accounts_per_rep.tolist(), strict=True)]
    if m:  # the list's salespeople (accounts sharing a rep_id), then enough for the accounts without one
        groups, unassigned = int(own.rep.max()) + 1, int((own.rep < 0).sum())
        per_supplier[0] = groups + math.ceil(unassigned / float(sup.accounts_per_rep[0]))
    reps = RepTable.for_suppliers(per_supplier)
    acc.rep[:n] = reps.slot_of(slots, acc.supplier[:n])
    if m:
        _own_accounts(acc, reps, own, cfg, sup, streams, groups)

    b = cfg.market.behaviour
    levels = np.stack([sup.quality, 1.0 / (1.0 + sup.p_quality_incident), sup.logistics_reliability], 1)
    acc.mem[:n] = levels[acc.supplier[:n]]
    rc = 1.0 - (1.0 - b.relationship_growth_per_month) ** tenure0
    acc.rc_firm[:n] = (1 - b.rep_owned_share) * rc
    acc.rc_rep[:n] = b.rep_owned_share * rc

    if m:
        _own_satisfaction(acc, own, cfg, sup)
    network = regional_small_world(acc.region, acc_cfg.network_degree, acc_cfg.network_rewire,
                                   streams.generator("init.network"))
    return acc, reps, network


def _own_accounts(acc: AccountTable, reps: RepTable, own: AccountList, cfg: RunConfig, sup: SupplierArrays,
                  streams: RandomStreams, groups: int) -> None:
    """Set slots ``0 .. len(own)-1`` from the firm's list: size (revenue at its list price), tier (given, else by
    revenue rank with the preset's tier shares), tastes of that tier, region, salesperson (``groups``: the list's
    salespeople, the focal firm's first slots) and contract."""
    acc_cfg, m = cfg.market.accounts, len(own)
    acc.size0[:m] = own.revenue / sup.price[0]
    acc.volume[:m] = acc.size0[:m]
    rank = np.argsort(np.argsort(-own.revenue, kind="stable"), kind="stable") / m  # 0 = the largest
    key, regular, _ = acc_cfg.tier_shares
    by_rank = np.where(rank < key, 0, np.where(rank < key + regular, 1, 2)).astype(np.int8)
    acc.tier[:m] = np.where(own.tier >= 0, own.tier, by_rank)
    alpha = np.asarray(acc_cfg.tastes, dtype=np.float64)[acc.tier[:m]]
    alpha = acc_cfg.taste_concentration * alpha / alpha.sum(axis=1, keepdims=True)
    taste = streams.generator("init.account_list.taste").gamma(np.maximum(alpha, 1e-9))
    acc.taste[:m] = taste / taste.sum(axis=1, keepdims=True)
    acc.region[:m] = np.where(own.region >= 0, own.region, acc.region[:m])
    spare = max(1, int(reps.n_per_supplier[0]) - groups)  # the salespeople after the list's own
    acc.rep[:m] = reps.offset[0] + np.where(own.rep >= 0, own.rep, groups + np.arange(m) % spare)
    ends = own.contract_end != NO_CONTRACT
    acc.contract_end[:m] = np.where(ends, own.contract_end, acc.contract_end[:m])


def _own_satisfaction(acc: AccountTable, own: AccountList, cfg: RunConfig, sup: SupplierArrays) -> None:
    """An account with a survey score starts with the remembered experience that puts its true satisfaction in the
    middle of that score's band (``report_cutpoints``; the end bands half a band wide): every remembered component
    moved by the same amount, kept within 0..1. From month 0 on, its experience moves the memory as for any account."""
    b, m = cfg.market.behaviour, len(own)
    scored = np.flatnonzero(own.satisfaction > 0)
    if not len(scored):
        return
    cuts = np.asarray(b.report_cutpoints, dtype=np.float64)
    width = float(np.mean(np.diff(cuts)))
    middle = np.concatenate([[cuts[0] - width / 2], (cuts[:-1] + cuts[1:]) / 2, [cuts[-1] + width / 2]])
    target = middle[own.satisfaction[scored] - 1]
    taste = acc.taste[:m][scored].astype(np.float64)
    expectation = np.asarray(b.expectation, dtype=np.float64)
    price_term = taste[:, 3] * (1.0 - sup.price[0])
    shift = (target - price_term) / np.maximum(taste[:, :3].sum(axis=1), 1e-9)
    acc.mem[scored] = np.clip(expectation + shift[:, None], 0.0, 1.0).astype(np.float32)
