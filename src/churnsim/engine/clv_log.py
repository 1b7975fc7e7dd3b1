"""The CLV tables of a run, collected as it goes (``output.tables`` naming ``clv_orders``, ``clv_cohorts``,
``clv_customers``, ``clv_alive``): what each table holds is in :mod:`churnsim.clv`.

While the run goes, the recorder hands a :class:`Collector` each reported month's focal customers and the revenue
the model booked from each (exactly what ``revenue_focal`` of the accounts table adds up); the tables are made at
the end. Memory: the collector keeps each month's focal customers and payments (16 bytes per customer-month), and
the tables are built whole from a months × customers matrix at the end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CLV_TABLES", "Collector"]

CLV_TABLES = ("clv_orders", "clv_cohorts", "clv_customers", "clv_alive")


class Collector:
    """Each reported month's focal customers and what each paid, for the CLV tables (kept by the recorder)."""

    def __init__(self) -> None:
        self._customers: list[np.ndarray] = []
        self._paid: list[np.ndarray] = []
        self._stock = np.zeros(0, np.int64)

    def observe(self, customers: np.ndarray, paid: np.ndarray, since_month: np.ndarray) -> None:
        """Record the next reported month: focal customers (slots, ascending), their revenue booked this month and
        the month each joined the focal firm (month 0: those joined before it are the stock)."""
        if not self._customers:
            self._stock = customers[since_month < 0]
        self._customers.append(np.asarray(customers, np.int64))
        self._paid.append(np.asarray(paid, np.float64))

    def tables(self, months: int, start_date: str, propensity: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """The columns of each CLV table (``CLV_TABLES``), without the run columns.

        Args:
            months: reported months of the run (each observed by now).
            start_date: the calendar date of month 0.
            propensity: per account slot, its latent propensity.
        """
        dates = pd.date_range(pd.Timestamp(start_date).to_period("M").to_timestamp(), periods=months, freq="MS")
        dates = dates.as_unit("ns")
        ids = np.unique(np.concatenate([np.zeros(0, np.int64), *self._customers]))
        focal = np.zeros((months, len(ids)), dtype=bool)
        paid = np.zeros((months, len(ids)))
        for month, (customers, payments) in enumerate(zip(self._customers, self._paid, strict=True)):
            col = np.searchsorted(ids, customers)
            focal[month, col] = True
            paid[month, col] = payments
        first = focal.argmax(axis=0)
        spell = _first_spells(focal, first)
        col, month = np.nonzero(focal.T)  # customer-major: orders sorted by customer, then date
        acquired = ~np.isin(ids, self._stock)
        c, m = np.nonzero((np.arange(months)[:, None] >= first[None, :]).T)
        return {
            "clv_orders": {"customer_id": ids[col], "month": month.astype(np.int64), "date": dates[month],
                           "monetary_value": paid[month, col]},
            "clv_cohorts": _cohort_table(first, acquired, spell, months),
            "clv_customers": {"customer_id": ids, "cohort_month": first.astype(np.int64), "acquired": acquired,
                              "propensity": propensity[ids].astype(np.float64),
                              "churn_month": np.where(first + spell < months, first + spell, -1).astype(np.int64),
                              "n_orders": focal.sum(axis=0).astype(np.int64)},
            "clv_alive": {"customer_id": ids[c], "month": m.astype(np.int64), "date": dates[m],
                          "period": (m - first[c]).astype(np.int64), "alive": focal[m, c]},
        }


def _first_spells(focal: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Months (from each customer's first focal month) of its first unbroken focal spell: (customers,) lengths."""
    months = focal.shape[0]
    after = np.arange(months)[:, None] >= first[None, :]
    gap = after & ~focal  # not focal after having been
    ends = np.where(gap.any(axis=0), gap.argmax(axis=0), months)
    return ends - first


def _cohort_table(first: np.ndarray, acquired: np.ndarray, spell: np.ndarray, months: int) -> dict[str, np.ndarray]:
    parts = []
    for (cohort, acq), members in pd.Series(spell).groupby([first, acquired]):
        periods = np.arange(months - cohort)
        n_alive = (members.to_numpy()[None, :] > periods[:, None]).sum(axis=1)
        parts.append(pd.DataFrame({"cohort_month": np.int64(cohort), "acquired": bool(acq), "period": periods,
                                   "n_alive": n_alive, "pct_alive": 100.0 * n_alive / len(members)}))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"cohort_month": [], "acquired": [], "period": [], "n_alive": [], "pct_alive": []})
    return {"cohort_month": table["cohort_month"].to_numpy(np.int64), "acquired": table["acquired"].to_numpy(bool),
            "period": table["period"].to_numpy(np.int64), "n_alive": table["n_alive"].to_numpy(np.int64),
            "pct_alive": table["pct_alive"].to_numpy(np.float64)}
