"""Money (DESIGN §3.3 step 7): revenue, cost of goods, cost to serve, strategy and acquisition costs, profit.

Rule, per supplier and month (k€): revenue is Σ volume × list price × (1 − account discount) over its accounts;
cost of goods is ``cogs_share × revenue``; cost to serve is a fixed amount per account and month by tier; winning
an account costs ``acquisition_cost_multiple`` × its tier's annual cost to serve (about 5–6 × the cost of keeping
it; Rosenberg & Czepiel 1984); profit = revenue − cogs − cost to serve − strategy cost − acquisition cost.
Present value discounts month ``t`` by ``(1 + r) ** (−t / 12)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Ledger", "discount_factor", "ledger_of", "monthly_ledger"]

Ledger = dict[str, np.ndarray]


def monthly_ledger(supplier: np.ndarray, tier: np.ndarray, revenue: np.ndarray, n_suppliers: int,
                   cogs_share: np.ndarray, cost_to_serve: np.ndarray, acquired_tier_counts: np.ndarray,
                   acquisition_cost_multiple: np.ndarray, strategy_cost: np.ndarray) -> Ledger:
    """One month's accounts per supplier.

    Args:
        supplier: supplier of each active account.
        tier: tier of each active account.
        revenue: revenue of each active account this month (k€).
        n_suppliers: K.
        cogs_share: (K,) cost of goods as a share of revenue.
        cost_to_serve: (K, 3) per account-month by tier (k€).
        acquired_tier_counts: (K, 3) accounts won this month by tier.
        acquisition_cost_multiple: (K,) × annual cost to serve.
        strategy_cost: (K,) this month's strategy cost (k€).
    """
    rev = np.bincount(supplier, weights=revenue, minlength=n_suppliers)
    counts = np.bincount(supplier.astype(np.int64) * 3 + tier, minlength=3 * n_suppliers).reshape(n_suppliers, 3)
    return ledger_of(rev, counts, cogs_share, cost_to_serve, acquired_tier_counts, acquisition_cost_multiple,
                     strategy_cost)


def ledger_of(rev: np.ndarray, counts: np.ndarray, cogs_share: np.ndarray, cost_to_serve: np.ndarray,
              acquired_tier_counts: np.ndarray, acquisition_cost_multiple: np.ndarray, strategy_cost: np.ndarray,
              ) -> Ledger:
    """:func:`monthly_ledger` from each supplier's revenue (K,) and its active accounts by tier (K, 3)."""
    ledger = {
        "revenue": rev,
        "cogs": cogs_share * rev,
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
