"""The suppliers' levels and policies as arrays over suppliers, derived from the config once per run.

Index 0 is the focal firm, then ``competitors.rivals`` in order. Mechanisms read a supplier's level for an account
as ``array[supplier[i]]``. Everything here is fixed for the run; what changes month by month (product value, the
morale its salespeople drift toward) is held by the model and the strategies' :class:`~churnsim.strategies.Market`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from churnsim.core.config import RunConfig, SupplierConfig, rivals_of

__all__ = ["SupplierArrays"]

_LEVELS = ("initial_share", "price", "quality", "p_quality_incident", "service_level", "logistics_reliability", "brand",
           "value_decay_per_month", "innovation_per_month", "cogs_share", "acquisition_cost_multiple",
           "relationship_selling", "p_concede", "channel_margin_hit")
_POACHING = ("offer_rate_per_month", "offer_discount", "target_size_exponent", "target_unhappiness",
             "rep_court_rate_per_month", "price_cut")
_NEVER = -(1 << 30)  # "enters at" of a supplier present from the start
_LATE = 1 << 30  # "until" of a price cut that lasts to the end


@dataclass(frozen=True)
class SupplierArrays:
    """(K,) float64 arrays of every supplier's config, and a few derived ones. See :class:`SupplierConfig`."""

    names: tuple[str, ...]
    initial_share: np.ndarray
    price: np.ndarray
    quality: np.ndarray
    p_quality_incident: np.ndarray
    service_level: np.ndarray
    logistics_reliability: np.ndarray
    brand: np.ndarray
    value_decay_per_month: np.ndarray
    innovation_per_month: np.ndarray
    cogs_share: np.ndarray
    unit_cost: np.ndarray  # cost of goods per unit of volume (k€ per k€ of volume at the reference price)
    acquisition_cost_multiple: np.ndarray
    relationship_selling: np.ndarray
    p_concede: np.ndarray
    channel_margin_hit: np.ndarray
    offer_rate_per_month: np.ndarray  # the poaching policy: offers, share of rivals' accounts
    offer_discount: np.ndarray
    target_size_exponent: np.ndarray
    target_unhappiness: np.ndarray
    rep_court_rate_per_month: np.ndarray
    price_cut: np.ndarray  # a price war's cut, share of list price, from price_cut_from_month on
    price_cut_from_month: np.ndarray  # int64
    price_cut_until_month: np.ndarray  # int64, first month after the cut (a very late month: none)
    accounts_per_rep: np.ndarray  # int64
    enters_at_month: np.ndarray  # int64; a very negative month for suppliers present from the start
    cost_to_serve: np.ndarray  # (K, 3) k€ per account-month by tier
    channel_owner: np.ndarray  # int64, supplier whose direct channel each is (-1: independent)

    @classmethod
    def of(cls, cfg: RunConfig) -> SupplierArrays:
        suppliers: list[SupplierConfig] = [cfg.market.focal, *rivals_of(cfg)]
        names = tuple(s.name for s in suppliers)
        columns = {name: np.array([getattr(s, name) for s in suppliers], dtype=np.float64) for name in _LEVELS}
        columns |= {name: np.array([getattr(s.poaching, name) for s in suppliers], dtype=np.float64)
                    for name in _POACHING}
        return cls(
            names=names, **columns,
            price_cut_from_month=np.array([s.poaching.price_cut_from_month for s in suppliers], dtype=np.int64),
            price_cut_until_month=np.array([_LATE if s.poaching.price_cut_until_month is None
                                            else s.poaching.price_cut_until_month for s in suppliers], dtype=np.int64),
            accounts_per_rep=np.array([s.accounts_per_rep for s in suppliers], dtype=np.int64),
            enters_at_month=np.array([_NEVER if s.enters_at_month is None else s.enters_at_month for s in suppliers],
                                     dtype=np.int64),
            cost_to_serve=np.array([s.cost_to_serve_per_month for s in suppliers], dtype=np.float64),
            unit_cost=np.array([s.cogs_share * s.price if s.unit_cost is None else s.unit_cost for s in suppliers],
                               dtype=np.float64),
            channel_owner=np.array([names.index(s.channel_owner) if s.channel_owner else -1 for s in suppliers],
                                   dtype=np.int64))

    def __len__(self) -> int:
        return len(self.names)

    def list_prices(self, month: int) -> np.ndarray:
        """(K,) list prices in ``month``, after any price-war cut."""
        return self.price * (1.0 - self.price_cuts(month))

    def price_cuts(self, month: int) -> np.ndarray:
        """(K,) the share each supplier's list price is cut by in ``month`` (0 outside its price war)."""
        cut = (month >= self.price_cut_from_month) & (month < self.price_cut_until_month)
        return np.where(cut, self.price_cut, 0.0)

    def present(self, month: int) -> np.ndarray:
        """(K,) which suppliers are in the market in ``month`` (a new entrant is not before it enters)."""
        return month >= self.enters_at_month

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self) if f.name != "names")
