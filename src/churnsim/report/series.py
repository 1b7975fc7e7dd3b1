"""What the figures show, computed from each complete job's tables, then banded over replicates.

- **Active accounts over time**: the focal firm's ``active_accounts`` at the end of each month over its value at the
  end of month 0 (``monthly.parquet``; accounts won count too), and its ``market_share``.
- **Departures by reason**: the focal firm's departures (``events.parquet``: ``switch`` or ``exit`` with the focal
  firm as ``from_supplier``), counted by ``reason``.
- **Cohort survival**: the month-0 cohort is every account that entered before month 0 and was served by the focal
  firm when month 0 began (its supplier then is the ``from_supplier`` of its first switch or exit in the reported
  months, or its ``last_supplier`` if it never moved). Survival after ``t`` months is the share of the cohort that
  had not yet left the focal firm in months ``0 … t−1``; an account won back later still counts as lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnsim.report.compare import t_interval
from churnsim.report.load import ID_COLUMNS, Sweep, read_table

__all__ = ["Series", "bands", "job_series"]

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


def job_series(sweep: Sweep) -> Series:
    """Read the tables of every complete job and compute the series of the figures."""
    keys = list(dict.fromkeys([*sweep.scenario, *ID_COLUMNS]))
    monthly, departures, survival = [], [], []
    skipped: dict[str, list[str]] = {"monthly": [], "events": [], "accounts": []}
    for _, job in sweep.complete.iterrows():
        ids = {k: job[k] for k in keys}
        table = read_table(sweep, job["job"], "monthly", ["month", "is_focal", "active_accounts", "market_share"])
        if table is None:
            skipped["monthly"].append(job["job"])
        else:
            monthly.append(_focal_monthly(table).assign(**ids))
        events = read_table(sweep, job["job"], "events", ["month", "event", "account", "from_supplier", "reason",
                                                          "controllable"])
        accounts = read_table(sweep, job["job"], "accounts", ["account", "entry_month", "last_supplier"])
        if events is None:
            skipped["events"].append(job["job"])
            continue
        moves = events[events["event"].astype(str).isin(_MOVES)].astype({"from_supplier": str, "reason": str})
        departures.append(_departures(moves, job["focal"]).assign(**ids))
        if accounts is None:
            skipped["accounts"].append(job["job"])
        else:
            survival.append(_survival(moves, accounts, job["focal"], int(job["months"])).assign(**ids))
    return Series(monthly=_concat(monthly), departures=_concat(departures), survival=_concat(survival),
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
    supplier_at_0 = accounts.set_index("account")["last_supplier"].astype(str)
    first_move = moves.sort_values("month", kind="stable").drop_duplicates("account").set_index("account")
    supplier_at_0.update(first_move["from_supplier"])
    entered_before = accounts.set_index("account")["entry_month"] < 0
    cohort = supplier_at_0.index[(supplier_at_0 == focal) & entered_before]
    left = moves[(moves["from_supplier"] == focal) & moves["account"].isin(cohort)].groupby("account")["month"].min()
    t = np.arange(months + 1)
    lost = np.searchsorted(np.sort(left.to_numpy()), t, side="left")  # departures in months 0 … t−1
    survival = 1.0 - lost / len(cohort) if len(cohort) else np.full(len(t), np.nan)
    return pd.DataFrame({"month": t, "survival": survival, "cohort_size": len(cohort)})


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
