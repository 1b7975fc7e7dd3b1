"""Export a run for customer-lifetime-value tools, with the ground truth alongside; fit a shifted-beta-geometric.

The export is four tables a run writes when ``output.tables`` names them (``churnsim output.tables=[clv_orders,
clv_cohorts,clv_customers,clv_alive]``, or in a sweep), declared in :mod:`churnsim.core.schemas` like the run's other
tables and carrying the same run columns (strategy, competitors, market, replicate, seed). :func:`export` runs a
config for them and returns them in memory. While the run goes, the recorder hands a collector
(:mod:`churnsim.engine.clv_log`) each reported month's focal customers and the revenue the model booked from each
(exactly what ``revenue_focal`` of the accounts table adds up); the tables are made at the end. Months are
reported months, 0 = first; ``date`` is the first day of the month, month 0 being ``output.start_date``'s month;
money in k€.

- ``clv_orders``: one row per month an account buys from the focal firm: ``customer_id`` (the account id of the
  accounts and events tables), ``date``, ``monetary_value`` — the transaction log ``lifetimes`` and
  ``pymc-marketing`` take. A customer is an account that buys from the focal firm in a reported month; one lost
  in month 0 before it paid anything is none.
- ``clv_cohorts``: contractual cohorts, long: ``cohort_month`` (month its first observed focal spell began; the
  customers already focal at month 0 are cohort 0 with ``acquired`` false, as they joined before reporting
  began), ``acquired``, ``period`` (months since the cohort month), ``n_alive`` (still in that first spell: a
  customer lost once is lost, as in Fader & Hardie 2007) and ``pct_alive`` — per cohort the shape of their
  "Regular" table, observed while ``cohort_month + period < months``.
- ``clv_customers``: the truth per customer: ``customer_id``, ``cohort_month``, ``acquired``, ``propensity``
  (latent propensity to leave), ``churn_month`` (first month after its first spell, -1 while it lasts),
  ``n_orders``.
- ``clv_alive``: per customer and month from its cohort month on, ``alive``: a focal customer that month (in any
  spell, so a won-back customer is alive again here though not in ``clv_cohorts``).

Memory: the collector keeps each month's focal customers and payments (16 bytes per customer-month), and the
tables are built whole from a months × customers matrix at the end: about 2.9 KB per account at 60 months in all
(measured at 200,000 accounts: 0.96 GB peak, against 0.38 GB without the export).

Source of the sBG model: Fader, P. S. & Hardie, B. G. S. (2007), "How to project customer retention", Journal of
Interactive Marketing 21(1):76-90: churn probability θ ~ Beta(α, β) per customer, constant over periods.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln

from churnsim.core.config import ConfigError, RunConfig
from churnsim.engine.clv_log import CLV_TABLES
from churnsim.engine.run import simulate

__all__ = ["CLV_TABLES", "ClvExport", "export", "fit_sbg", "sbg_survival"]


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


def export(cfg: RunConfig, start_date: str = "2020-01-01") -> ClvExport:
    """Run ``cfg`` (its own tables aside) and return its CLV tables with the ground truth (see the module docstring).

    Args:
        cfg: a run configuration (validated here; ``output`` is replaced).
        start_date: the calendar date of month 0; each month is dated to its first day.

    Raises:
        ConfigError: if ``start_date`` is not a date.
    """
    cfg = copy.deepcopy(cfg)
    cfg.output.tables, cfg.output.start_date = list(CLV_TABLES), start_date
    result = simulate(cfg)
    tables = [result.tables[name] for name in CLV_TABLES]
    return ClvExport(*tables, run_seed=result.run_seed)


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
