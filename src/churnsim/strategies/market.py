"""What a strategy component may read and change: the :class:`Market` the model hands it each month.

A component never sees the model. It reads the market's tables and acts only through the levers below, for the
accounts it covers and for its owner; every draw comes from its own streams (``strategy.<kind>.<purpose>``), so
switching it on never shifts anyone else's draws (common random numbers).

Read: every column of ``accounts`` and ``reps``, the suppliers' levels (``suppliers``), ``month``, ``n_entered``.

Change, for covered accounts of its owner (or, for win-back, its former accounts):
- this month's terms of delivery, reset by the model every month before strategies act: ``incident_factor``,
  ``service_boost``, ``logistics_boost``, ``quality_bonus``, ``wake_hazard`` (the wake-up of a contact);
- the terms of trade: ``points_months``, ``bundle_months``, and, through the levers that record who granted them
  (:meth:`Market.sign_contracts`, :meth:`Market.grant_promo`, :meth:`Market.offer`, :meth:`Market.match_price`),
  contracts, discounts and offers: what a discount gives away is the granting component's cost
  (:mod:`~churnsim.mechanisms.pricing`), so no component writes a discount column itself;
- what the firm knows and fixes: ``at_risk``, ``sales_reference`` (what it expects to sell to each account),
  ``complaint_weight``, remembered service (``mem[:, 1]``), and the firm-owned share of relationship capital
  (``rc_firm``, ``rc_rep``).

Change, for its owner: ``product_value[owner]`` (innovation), ``morale_target[owner]`` (people policy), and
:meth:`Market.stop_parallel_trading`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.core.rng import RandomStreams
from churnsim.mechanisms.money import revenue_of
from churnsim.mechanisms.parallel_trading import Episodes
from churnsim.state.accounts import AccountTable
from churnsim.state.reps import RepTable
from churnsim.state.suppliers import SupplierArrays

__all__ = ["Market"]


@dataclass
class Market:
    """The market as a strategy sees it this month (the model advances ``month`` and ``n_entered``)."""

    accounts: AccountTable
    reps: RepTable
    suppliers: SupplierArrays
    product_value: np.ndarray  # (K,) each supplier's product value against the market frontier, 0..1
    morale_target: np.ndarray  # (K,) the morale each supplier's salespeople drift toward
    trading: Episodes
    streams: RandomStreams
    month: int = 0
    n_entered: int = 0
    acting: int = -1  # the index of the component acting now in its owner's strategy (set before it acts)

    def uniform(self, stream: str) -> np.ndarray:
        """This month's uniforms of ``stream``, one per account slot (NaN for slots not yet entered)."""
        out = np.full(self.accounts.capacity, np.nan)
        out[: self.n_entered] = self.streams.uniform(stream, self.month, self.n_entered)
        return out

    def generator(self, stream: str) -> np.random.Generator:
        """This month's generator of ``stream``, for draws that are not per account slot."""
        return self.streams.generator(stream, self.month)

    def revenue(self, slots: np.ndarray) -> np.ndarray:
        """This month's revenue (k€) of account ``slots`` at their supplier's price after discounts."""
        return revenue_of(self.accounts, slots, self.suppliers.list_prices(self.month), self.month)

    def stop_parallel_trading(self, owner: int, regions: np.ndarray) -> int:
        """End ``owner``'s running parallel-trading episodes in ``regions`` (a mask); return how many ended."""
        return self.trading.stop(owner, regions, self.month)

    def sign_contracts(self, slots: np.ndarray, end_month: int, exit_penalty_months: float, discount: float) -> None:
        """Put ``slots`` (a mask or indices) under contract until ``end_month`` inclusive, with an exit penalty and
        ``discount`` off list price, granted by the acting component."""
        acc = self.accounts
        acc.contract_end[slots] = end_month
        acc.exit_penalty_months[slots] = exit_penalty_months
        acc.contract_discount[slots] = discount
        acc.contract_by[slots] = self.acting

    def grant_promo(self, slots: np.ndarray, share: np.ndarray | float, end_month: np.ndarray | int) -> None:
        """Give ``slots`` (indices) ``share`` off list price until ``end_month`` inclusive, or keep the promotion
        they have running if it is larger (and who granted it)."""
        acc = self.accounts
        running = np.where(acc.promo_end[slots] >= self.month, acc.promo_discount[slots], np.float32(0))
        share = np.broadcast_to(np.asarray(share, dtype=np.float32), running.shape)
        larger = share > running
        acc.promo_by[slots] = np.where(larger, self.acting, np.where(running > 0, acc.promo_by[slots], -1))
        acc.promo_discount[slots] = np.maximum(running, share)
        acc.promo_end[slots] = end_month

    def offer(self, slots: np.ndarray, owner: int, discount: float) -> None:
        """Put ``owner``'s offer of ``discount`` off its list price on the table of ``slots`` this month."""
        acc = self.accounts
        acc.offer_from[slots] = owner
        acc.offer_discount[slots] = np.float32(discount)
        acc.offer_by[slots] = self.acting

    def match_price(self, slots: np.ndarray, share: float) -> None:
        """Give ``slots`` ``share`` off list price this month (a price match; cleared every month)."""
        acc = self.accounts
        acc.match_discount[slots] = np.float32(share)
        acc.match_by[slots] = self.acting
