"""Money (DESIGN §3.3 step 7): revenue, cost of goods, cost to serve, strategy and acquisition costs, profit.

Rule, per supplier and month (k€): revenue is Σ volume × list price × (1 − account discount) over its accounts
(the discount: :mod:`~.pricing`; volume is in k€ at the market reference price);
cost of goods is ``unit_cost × Σ volume``: per unit delivered, so a discount, a rebate or a price cut lowers revenue
and never the cost of goods (the unit cost defaults to ``cogs_share × price``, the preset's margin at its own list
price); cost to serve is a fixed amount per account and month by tier; winning
an account costs ``acquisition_cost_multiple`` × its tier's annual cost to serve (about 5–6 × the cost of keeping
it; Rosenberg & Czepiel 1984); profit = revenue − cogs − cost to serve − strategy cost − acquisition cost.
Present value discounts month ``t`` by ``(1 + r) ** (−t / 12)``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from churnsim.core.jit import kernel, parallel_kernel, rule
from churnsim.mechanisms.pricing import share_off
from churnsim.state.accounts import AccountTable

__all__ = ["Ledger", "discount_factor", "ledger_of", "revenue", "revenue_of"]

Ledger = dict[str, np.ndarray]


def revenue(live: np.ndarray, acc: AccountTable, list_price: np.ndarray, month: int, n_suppliers: int,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This month's revenue (k€) of the active slots ``live``, booked to the accounts' lifetime revenue.

    Returns:
        (revenue per slot of ``live``, revenue per supplier (K,), volume per supplier (K,), active accounts per
        supplier and tier (K, 3)).
    """
    out = np.empty(len(live))
    _revenue(live, acc.supplier, acc.volume, list_price, acc.discount, acc.contract_end, acc.contract_discount,
             acc.promo_end, acc.promo_discount, month, acc.revenue_total, acc.revenue_focal, out)
    by_supplier, volume, by_tier = _totals(live, acc.supplier, acc.tier, acc.volume, out, n_suppliers)
    return out, by_supplier, volume, by_tier


def revenue_of(acc: AccountTable, slots: np.ndarray, list_price: np.ndarray, month: int) -> np.ndarray:
    """This month's revenue (k€) of ``slots``, booking nothing (what a loyalty reward is a share of)."""
    out = np.empty(len(slots))
    _revenue_at(np.asarray(slots, dtype=np.int64), acc.supplier, acc.volume, list_price, acc.discount,
                acc.contract_end, acc.contract_discount, acc.promo_end, acc.promo_discount, month, out)
    return out


@rule
def _one(i, month, supplier, volume, list_price, discount, contract_end, contract_discount, promo_end,
         promo_discount):
    """Account slot ``i``'s revenue in ``month``: volume × its supplier's list price × (1 − its share off)."""
    off = share_off(i, month, discount, contract_end, contract_discount, promo_end, promo_discount)
    return np.float64(volume[i]) * list_price[supplier[i]] * (1 - off)


@kernel
def _revenue_at(slots, supplier, volume, list_price, discount, contract_end, contract_discount, promo_end,
                promo_discount, month, out):
    """Fills ``out`` with the revenue of ``slots`` (booking nothing)."""
    for j in range(len(slots)):
        out[j] = _one(slots[j], month, supplier, volume, list_price, discount, contract_end, contract_discount,
                      promo_end, promo_discount)


@parallel_kernel
def _revenue(live, supplier, volume, list_price, discount, contract_end, contract_discount, promo_end,
             promo_discount, month, revenue_total, revenue_focal, out):
    """Fills ``out``; in a reported month (≥ 0) adds it to ``revenue_total`` and, with the focal firm (0), to
    ``revenue_focal``."""
    for j in prange(len(live)):
        i = live[j]
        r = _one(i, month, supplier, volume, list_price, discount, contract_end, contract_discount, promo_end,
                 promo_discount)
        out[j] = r
        if month >= 0:
            revenue_total[i] += r
            if supplier[i] == 0:
                revenue_focal[i] += r


@kernel
def _totals(live, supplier, tier, volume, revenue, n_suppliers):
    """Revenue and volume per supplier, summed in slot order, and active accounts per supplier and tier."""
    by_supplier, by_volume = np.zeros(n_suppliers), np.zeros(n_suppliers)
    by_tier = np.zeros((n_suppliers, 3), np.int64)
    for j in range(len(live)):
        i = live[j]
        s = supplier[i]
        by_supplier[s] += revenue[j]
        by_volume[s] += np.float64(volume[i])
        by_tier[s, tier[i]] += 1
    return by_supplier, by_volume, by_tier


def ledger_of(rev: np.ndarray, volume: np.ndarray, counts: np.ndarray, unit_cost: np.ndarray,
              cost_to_serve: np.ndarray, acquired_tier_counts: np.ndarray, acquisition_cost_multiple: np.ndarray,
              strategy_cost: np.ndarray) -> Ledger:
    """One month's accounts per supplier (k€), from its revenue and volume (K,) and its active accounts by tier
    (K, 3).

    Args:
        rev: (K,) revenue.
        volume: (K,) volume delivered, k€ at the reference price.
        counts: (K, 3) active accounts by tier.
        unit_cost: (K,) cost of goods per unit of volume.
        cost_to_serve: (K, 3) per account-month by tier (k€).
        acquired_tier_counts: (K, 3) accounts won this month by tier.
        acquisition_cost_multiple: (K,) × annual cost to serve.
        strategy_cost: (K,) this month's strategy cost (k€).
    """
    ledger = {
        "revenue": rev,
        "cogs": unit_cost * volume,
        "cost_to_serve": (counts * cost_to_serve).sum(axis=1),
        "strategy_cost": strategy_cost.astype(np.float64),
        "acquisition_cost": (acquired_tier_counts * 12.0 * cost_to_serve).sum(axis=1)
        * acquisition_cost_multiple,
    }
    ledger["profit"] = (ledger["revenue"] - ledger["cogs"] - ledger["cost_to_serve"] - ledger["strategy_cost"]
                        - ledger["acquisition_cost"])
    return ledger


def discount_factor(month: np.ndarray, rate_per_year: float) -> np.ndarray:
    """Present-value factor of money in ``month`` at a yearly rate."""
    return (1.0 + rate_per_year) ** (-np.asarray(month, dtype=np.float64) / 12.0)
