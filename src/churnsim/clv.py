"""Export a run for customer-lifetime-value tools, with the ground truth alongside; fit a shifted-beta-geometric.

A run keeps only revenue totals per account, so :func:`export` steps a :class:`~churnsim.model.MarketModel` itself
and reads, after each reported month, who is a focal customer and what each paid (the month's growth of
``revenue_focal``: exactly the revenue the model booked). The core is untouched and the run is the same run
:func:`~churnsim.model.simulate` would make with this config (same seed, same tables).

Tables of a :class:`ClvExport` (months are reported months, 0 = first; ``date`` is the first day of the month,
counted from ``start_date``; money in k€):

- ``orders``: one row per month an account buys from the focal firm: ``customer_id`` (the account id of the
  accounts and events tables), ``date``, ``monetary_value`` — the transaction log ``lifetimes`` and
  ``pymc-marketing`` take. A customer is an account that buys from the focal firm in a reported month; one lost
  in month 0 before it paid anything is none.
- ``cohorts``: contractual cohorts, long: ``cohort_month`` (month its first observed focal spell began; the
  customers already focal at month 0 are cohort 0 with ``acquired`` false, as they joined before reporting
  began), ``acquired``, ``period`` (months since the cohort month), ``n_alive`` (still in that first spell: a
  customer lost once is lost, as in Fader & Hardie 2007) and ``pct_alive`` — per cohort the shape of their
  "Regular" table, observed while ``cohort_month + period < months``.
- ``customers``: the truth per customer: ``customer_id``, ``cohort_month``, ``acquired``, ``propensity`` (latent
  propensity to leave), ``churn_month`` (first month after its first spell, -1 while it lasts), ``n_orders``.
- ``alive``: per customer and month from its cohort month on, ``alive``: a focal customer that month (in any
  spell, so a won-back customer is alive again here though not in ``cohorts``).

Source of the sBG model: Fader, P. S. & Hardie, B. G. S. (2007), "How to project customer retention", Journal of
Interactive Marketing 21(1):76-90: churn probability θ ~ Beta(α, β) per customer, constant over periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln

from churnsim.accounts import ACTIVE
from churnsim.config import ConfigError, RunConfig, validate
from churnsim.model import MarketModel

__all__ = ["ClvExport", "export", "fit_sbg", "sbg_survival"]

FOCAL = 0  # supplier index of the focal firm


@dataclass
class ClvExport:
    """The CLV tables of one run (see the module docstring) and the run's seed."""

    orders: pd.DataFrame
    cohorts: pd.DataFrame
    customers: pd.DataFrame
    alive: pd.DataFrame
    run_seed: int

    def write(self, directory: str | Path) -> list[Path]:
        """Write each table as ``<name>.csv`` (with a ``run_seed`` column) under ``directory``; return the paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in ("orders", "cohorts", "customers", "alive"):
            path = out / f"{name}.csv"
            getattr(self, name).assign(run_seed=self.run_seed).to_csv(path, index=False)
            paths.append(path)
        return paths


def _focal_months(cfg: RunConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Step a model through ``cfg``.

    Returns:
        (months × slots) focal-customer flags and revenue paid (k€); per slot, whether it was a focal customer
        since before month 0 (the stock), its latent propensity; the run seed.
    """
    model = MarketModel(validate(cfg))
    acc = model.accounts
    focal = np.zeros((cfg.months, acc.capacity), dtype=bool)
    paid = np.zeros((cfg.months, acc.capacity))
    while model.month < cfg.months:
        booked = acc.revenue_focal.copy()
        month = model.month
        model.step()
        if month >= 0:
            focal[month] = (acc.status == ACTIVE) & (acc.supplier == FOCAL)
            paid[month] = acc.revenue_focal - booked
        if month == 0:
            stock = focal[0] & (acc.since_month < 0)
    return focal, paid, stock, acc.propensity.astype(np.float64), model.run_seed


def _first_spells(focal: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Months (from each customer's first focal month) of its first unbroken focal spell: (customers,) lengths."""
    months = focal.shape[0]
    after = np.arange(months)[:, None] >= first[None, :]
    gap = after & ~focal  # not focal after having been
    ends = np.where(gap.any(axis=0), gap.argmax(axis=0), months)
    return ends - first


def export(cfg: RunConfig, start_date: str = "2020-01-01") -> ClvExport:
    """Run ``cfg`` and return its CLV tables with the ground truth (see the module docstring).

    Args:
        cfg: a run configuration (validated here).
        start_date: the calendar date of month 0; each month is dated to its first day.

    Raises:
        ConfigError: if ``start_date`` is not a date.
    """
    try:
        dates = pd.date_range(pd.Timestamp(start_date).to_period("M").to_timestamp(), periods=cfg.months, freq="MS")
    except ValueError as err:
        raise ConfigError(f"start_date = {start_date!r}: must be a date such as 2020-01-01") from err
    focal, paid, stock, propensity, seed = _focal_months(cfg)
    ids = np.flatnonzero(focal.any(axis=0))
    focal, paid = focal[:, ids], paid[:, ids]
    first = focal.argmax(axis=0)
    spell = _first_spells(focal, first)
    month, col = np.nonzero(focal)
    orders = pd.DataFrame({"customer_id": ids[col], "date": dates[month], "monetary_value": paid[month, col]})
    orders = orders.sort_values(["customer_id", "date"], ignore_index=True)
    acquired = ~stock[ids]
    customers = pd.DataFrame({
        "customer_id": ids, "cohort_month": first, "acquired": acquired, "propensity": propensity[ids],
        "churn_month": np.where(first + spell < cfg.months, first + spell, -1), "n_orders": focal.sum(axis=0)})
    m, c = np.nonzero(np.arange(cfg.months)[:, None] >= first[None, :])
    alive = pd.DataFrame({"customer_id": ids[c], "month": m, "date": dates[m], "period": m - first[c],
                          "alive": focal[m, c]}).sort_values(["customer_id", "month"], ignore_index=True)
    return ClvExport(orders, _cohort_table(first, acquired, spell, cfg.months), customers, alive, seed)


def _cohort_table(first: np.ndarray, acquired: np.ndarray, spell: np.ndarray, months: int) -> pd.DataFrame:
    rows = []
    for (cohort, acq), members in pd.Series(spell).groupby([first, acquired]):
        periods = np.arange(months - cohort)
        n_alive = (members.to_numpy()[None, :] > periods[:, None]).sum(axis=1)
        rows.append(pd.DataFrame({"cohort_month": cohort, "acquired": acq, "period": periods, "n_alive": n_alive,
                                  "pct_alive": 100.0 * n_alive / len(members)}))
    return pd.concat(rows, ignore_index=True)


# ---- shifted-beta-geometric -----------------------------------------------------------------------------------
def sbg_survival(alpha: float, beta: float, periods: int) -> np.ndarray:
    """sBG share of a cohort still alive at periods 0..``periods``: S(t) = B(α, β + t) / B(α, β) (F&H 2007, eq. 5)."""
    t = np.arange(periods + 1)
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def _neg_log_likelihood(log_params: np.ndarray, n_alive: np.ndarray) -> float:
    """Minus the sBG log-likelihood of survivor counts n_0..n_T (F&H 2007, eq. 6): churners of period t contribute
    log P(T = t) = log[B(α + 1, β + t − 1) / B(α, β)], those still alive at T log S(T)."""
    alpha, beta = np.exp(log_params)
    t = np.arange(1, len(n_alive))
    log_p = betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)
    log_s = betaln(alpha, beta + t[-1]) - betaln(alpha, beta)
    return -(np.dot(-np.diff(n_alive), log_p) + n_alive[-1] * log_s)


def fit_sbg(n_alive) -> tuple[float, float]:
    """Maximum-likelihood (α, β) of an sBG for one cohort's survivor counts (or percentages) at periods 0..T.

    Fitted on log parameters (Nelder–Mead from α = β = 1). Percentages give the estimates of counts out of 100.

    Raises:
        ConfigError: unless there are at least two periods of non-increasing, non-negative counts with n_0 > 0.
    """
    n = np.asarray(n_alive, dtype=np.float64)
    if len(n) < 2 or n[0] <= 0 or np.any(n < 0) or np.any(np.diff(n) > 0):
        raise ConfigError(f"n_alive = {list(n)}: must be ≥ 2 non-increasing, non-negative counts starting above 0")
    fit = minimize(_neg_log_likelihood, np.zeros(2), args=(n,), method="Nelder-Mead",
                   options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    alpha, beta = np.exp(fit.x)
    return float(alpha), float(beta)
