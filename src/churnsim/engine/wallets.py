"""The month's share-of-wallet steps (:mod:`churnsim.mechanisms.wallet`) applied to the model and its records.

The model calls these where accounts leave the market (:func:`exits`), where they choose a supplier
(:func:`reconsider`, :func:`switch_losses`) and after the choices (:func:`adjust`); with one supplier per account
only the revenue lost to departures is recorded.
"""

from __future__ import annotations

import mesa
import numpy as np

from churnsim.mechanisms import wallet

__all__ = ["adjust", "exits", "reconsider", "switch_losses"]


def _lost(model: mesa.Model, slots: np.ndarray, frm: np.ndarray, share: np.ndarray) -> np.ndarray:
    """(K,) revenue (k€ a month, at list price) suppliers ``frm`` lose with their ``share`` of ``slots``."""
    acc = model.accounts
    at_list = acc.volume[slots].astype(np.float64) * model.list_prices()[frm] * share
    return np.bincount(frm.astype(np.int64), weights=at_list, minlength=model.n_suppliers)


def exits(model: mesa.Model, gone: np.ndarray, reason: np.ndarray) -> None:
    """Accounts ``gone`` left the market for ``reason``: every supplier they bought from loses them (the main one is
    recorded by the model)."""
    acc, rec = model.accounts, model.recorder
    rec.revenue_lost("exits", _lost(model, gone, acc.supplier[gone], wallet.main_share(acc, gone)))
    if not wallet.is_on(model.cfg.market.wallet):
        return
    for p in range(2):
        used = acc.others[gone, p] >= 0
        had = gone[used]
        frm = acc.others[had, p].astype(np.int64)
        rec.revenue_lost("exits", _lost(model, had, frm, acc.other_share[had, p].astype(np.float64)))
        rec.departures(had, frm, -1, reason[used])
        acc.others[had, p] = -1
        acc.other_share[had, p] = 0


def switch_losses(model: mesa.Model, slots: np.ndarray, left: np.ndarray) -> None:
    """The accounts ``slots`` that leave their main supplier ``left`` take its share of their wallet with them."""
    model.recorder.revenue_lost("departures", _lost(model, slots, left, wallet.main_share(model.accounts, slots)))


def reconsider(model: mesa.Model, slots: np.ndarray, chosen: np.ndarray, reason: np.ndarray) -> tuple:
    """Accounts ``slots`` chose ``chosen`` over their main supplier for ``reason`` (or chose their main supplier while
    ranking another first: it is ranked first again): shift their wallets, record the suppliers dropped and taken
    on and the shifts; return the switches of the main supplier still to apply
    (slots, chosen, reason), as :func:`~churnsim.engine.decisions.decide` gives them, their revenue recorded as lost
    to departures. With one supplier per account every choice is such a switch."""
    acc, rec = model.accounts, model.recorder
    if not wallet.is_on(model.cfg.market.wallet):
        switch_losses(model, slots, acc.supplier[slots])
        return slots, chosen, reason
    shifted = wallet.reconsider(slots, chosen, reason, acc, model.list_prices())
    rec.revenue_lost("departures", shifted.lost)
    rec.departures(shifted.dropped, shifted.dropped_from, shifted.dropped_to, shifted.dropped_reason)
    rec.acquisitions(shifted.added, acc.supplier[shifted.added], shifted.added_to)
    switching = np.isin(slots, shifted.switched)
    staying = ~switching & (chosen != acc.supplier[slots])  # not those that ranked their main supplier first again
    rec.shifts(slots[staying], acc.supplier[slots[staying]], chosen[staying], reason[staying])
    switch_losses(model, slots[switching], acc.supplier[slots[switching]])
    return slots[switching], chosen[switching], reason[switching]


def adjust(model: mesa.Model) -> None:
    """Shares move towards their Wallet-Allocation-Rule targets; a delisted supplier whose share reaches zero has
    lost the account (to its main supplier); an overtaken main supplier hands the relationship over (a switch of
    main supplier, not a departure: the old one keeps its share)."""
    acc = model.accounts
    if not wallet.is_on(model.cfg.market.wallet):
        return
    w, rec = model.cfg.market.wallet, model.recorder
    (slots, to), (gone, frm, reason), lost, focal = wallet.adjust(model.live, acc, model.list_prices(),
                                                           w.share_adjust_per_month, w.delist_share,
                                                           model.cfg.market.behaviour.delight_threshold)
    rec.revenue_lost("wallet_shifts", lost[0])
    rec.revenue_lost("departures", lost[1])
    rec.focal_shifts_by_reason(focal)
    rec.departures(gone, frm, acc.supplier[gone].astype(np.int64), reason)
    if len(slots):
        model.switch(slots, to)
