"""What the figures show, computed from each complete job's tables, then banded over replicates.

- **Active accounts over time**: the focal firm's ``active_accounts`` at the end of each month over its value at the
  end of month 0 (``monthly.parquet``; accounts won count too), and its ``market_share``.
- **Departures by reason**: the focal firm's departures (``events.parquet``: ``switch`` or ``exit`` with the focal
  firm as ``from_supplier``), counted by ``reason``.
- **Cohort survival**: the month-0 cohort is every account that entered before month 0 and was served by the focal
  firm when month 0 began (its ``first_supplier``: with share of wallet, its main supplier). Survival after ``t``
  months is the share of the cohort that had not yet left the focal firm (a ``switch`` or ``exit`` from it: with
  share of wallet, its share reaching zero) in months ``0 … t−1``; an account won back later still counts as
  lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnsim.report.compare import t_interval
from churnsim.report.load import ID_COLUMNS, Sweep, read_table

__all__ = ["ACCOUNT_COLUMNS", "EVENT_COLUMNS", "MONTHLY_COLUMNS", "JobSeries", "Series", "bands", "collect",
           "job_series", "series_of"]

_MOVES = ("switch", "exit")


@dataclass
class Series:
    """Per-job curves and counts, long format; each row carries the job's scenario and ID columns.

    Attributes:
        monthly: ``month``, ``active_relative`` and ``market_share`` of the focal firm.
        departures: ``reason``, ``controllable`` and ``count`` of the focal firm's departures.
        survival: ``month`` (months since month 0 began), ``survival`` and ``cohort_size``.
        skipped: ``{table: jobs}`` of complete jobs that did not write a table (``output.tables``).
    """

    monthly: pd.DataFrame
    departures: pd.DataFrame
    survival: pd.DataFrame
    skipped: dict[str, list[str]]


MONTHLY_COLUMNS = ["month", "is_focal", "active_accounts", "market_share"]
EVENT_COLUMNS = ["month", "event", "account", "from_supplier", "reason", "controllable"]
ACCOUNT_COLUMNS = ["account", "entry_month", "first_supplier"]
"""The columns of each table the series read."""


def job_series(sweep: Sweep) -> Series:
    """Read the tables of every complete job and compute the series of the figures."""
    keys = list(dict.fromkeys([*sweep.scenario, *ID_COLUMNS]))
    parts = []
    for _, job in sweep.complete.iterrows():
        tables = {name: read_table(sweep, job["job"], name, columns) for name, columns in
                  (("monthly", MONTHLY_COLUMNS), ("events", EVENT_COLUMNS), ("accounts", ACCOUNT_COLUMNS))}
        parts.append(series_of(tables, str(job["focal"]), int(job["months"]), {k: job[k] for k in keys}))
    return collect(parts, list(sweep.complete["job"]))


JobSeries = tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None]
"""One job's (focal monthly curve, departures by reason, cohort survival); None where it lacks the table."""


def series_of(tables: dict[str, pd.DataFrame | None], focal: str, months: int, ids: dict) -> JobSeries:
    """One job's series from its ``monthly``, ``events`` and ``accounts`` tables (None: not written), each row
    carrying ``ids``."""
    monthly = None if tables["monthly"] is None else _focal_monthly(tables["monthly"]).assign(**ids)
    events, accounts = tables["events"], tables["accounts"]
    if events is None:
        return monthly, None, None
    moves = events[events["event"].astype(str).isin(_MOVES)].astype({"from_supplier": str, "reason": str})
    departures = _departures(moves, focal).assign(**ids)
    survival = None if accounts is None else _survival(moves, accounts, focal, months).assign(**ids)
    return monthly, departures, survival


def collect(parts: list[JobSeries], jobs: list[str]) -> Series:
    """The series of every job (``parts`` in the order of ``jobs``), and which jobs lacked which table."""
    skipped: dict[str, list[str]] = {"monthly": [], "events": [], "accounts": []}
    for job, (monthly, departures, survival) in zip(jobs, parts, strict=True):
        if monthly is None:
            skipped["monthly"].append(job)
        if departures is None:
            skipped["events"].append(job)
        elif survival is None:
            skipped["accounts"].append(job)
    frames = [[p[i] for p in parts if p[i] is not None] for i in range(3)]
    return Series(monthly=_concat(frames[0]), departures=_concat(frames[1]), survival=_concat(frames[2]),
                  skipped={k: v for k, v in skipped.items() if v})


def bands(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Mean and 95 % t-interval of ``value`` over replicates, per combination of ``by`` (e.g. strategy, month).

    Returns ``by`` columns and ``n``, ``mean``, ``low``, ``high``.
    """
    rows = [(*key, *t_interval(g[value])) for key, g in frame.groupby(by, dropna=False, sort=True)]
    return pd.DataFrame(rows, columns=[*by, "n", "mean", "low", "high"])


def _focal_monthly(table: pd.DataFrame) -> pd.DataFrame:
    focal = table[table["is_focal"]].sort_values("month")
    start = focal["active_accounts"].iloc[0] if len(focal) else np.nan
    return pd.DataFrame({"month": focal["month"].to_numpy(),
                         "active_relative": focal["active_accounts"].to_numpy() / start if start else np.nan,
                         "market_share": focal["market_share"].to_numpy()})


def _departures(moves: pd.DataFrame, focal: str) -> pd.DataFrame:
    gone = moves[moves["from_supplier"] == focal]
    counts = gone.groupby(["reason", "controllable"], observed=True).size()
    return counts.rename("count").reset_index()


def _survival(moves: pd.DataFrame, accounts: pd.DataFrame, focal: str, months: int) -> pd.DataFrame:
    supplier_at_0 = accounts.set_index("account")["first_supplier"].astype(str)
    entered_before = accounts.set_index("account")["entry_month"] < 0
    cohort = supplier_at_0.index[(supplier_at_0 == focal) & entered_before]
    left = moves[(moves["from_supplier"] == focal) & moves["account"].isin(cohort)].groupby("account")["month"].min()
    t = np.arange(months + 1)
    lost = np.searchsorted(np.sort(left.to_numpy()), t, side="left")  # departures in months 0 … t−1
    survival = 1.0 - lost / len(cohort) if len(cohort) else np.full(len(t), np.nan)
    return pd.DataFrame({"month": t, "survival": survival, "cohort_size": len(cohort)})


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
