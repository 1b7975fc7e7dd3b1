"""Whom a strategy keeps: the focal firm's month-0 customers by segment, and each strategy's paired difference.

The cohort is the survival figure's (:mod:`churnsim.report.series`): accounts that entered before month 0 and were
the focal firm's when month 0 began. Per job and segment:

- ``accounts``: cohort accounts in the segment;
- ``retention``: the share of them the focal firm never lost in the reported months (a win-back still counts as a
  loss), the survival curve's last point;
- ``revenue``: the revenue they brought the focal firm over the reported months (k€; ``revenue_focal``);
- ``value``: their value to the focal firm in present value (k€; ``value_focal``): their margin over the reported
  months and the terminal value of those still held at the end, before the strategy's spending (NaN for runs that
  predate it).

Segments: ``tier`` (key, regular, small), ``region``, ``size_band`` (quartiles of volume at entry within the job's
cohort: Q1 smallest … Q4 largest) and ``relationship`` (``rep-owned`` when, at month 0, more of the account's
relationship capital was its salesperson's than the firm's; else ``firm-owned``). Each strategy's difference from
baseline is taken replicate by replicate (same scenario, seed and replicate: the same accounts in the same world),
with the report's 95 % t-intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnsim.report.compare import BASELINE, t_interval
from churnsim.report.load import ID_COLUMNS, Sweep, read_table

__all__ = ["ACCOUNT_COLUMNS", "DIMENSIONS", "EVENT_COLUMNS", "job_segments", "segment_table", "segments_of"]

DIMENSIONS = ("tier", "region", "size_band", "relationship")
_METRICS = ("accounts", "retention", "revenue", "value")
ACCOUNT_COLUMNS = ["account", "tier", "region", "size", "entry_month", "first_supplier", "rep_owned",
                   "revenue_focal", "value_focal"]
"""The accounts table's columns the segments read (a run of an earlier schema may lack the last)."""
EVENT_COLUMNS = ["event", "account", "from_supplier"]
"""The events table's columns the segments read."""


def job_segments(sweep: Sweep) -> pd.DataFrame:
    """One row per complete job, dimension and segment: ``accounts``, ``retention``, ``revenue``, ``value`` (empty
    when no job wrote both its events and accounts tables)."""
    keys = list(dict.fromkeys([*sweep.scenario, *ID_COLUMNS]))
    frames = []
    for _, job in sweep.complete.iterrows():
        accounts = read_table(sweep, job["job"], "accounts", ACCOUNT_COLUMNS)
        events = read_table(sweep, job["job"], "events", EVENT_COLUMNS)
        part = segments_of(accounts, events, str(job["focal"]))
        if part is not None:
            frames.append(part.assign(**{k: job[k] for k in keys}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def segments_of(accounts: pd.DataFrame | None, events: pd.DataFrame | None, focal: str) -> pd.DataFrame | None:
    """One job's rows of :func:`job_segments` (without its ID columns), from its account and event tables; None when
    it lacks either, or has no cohort."""
    if accounts is None or events is None or "rep_owned" not in accounts:
        return None
    cohort = accounts[(accounts["first_supplier"].astype(str) == focal) & (accounts["entry_month"] < 0)].copy()
    if not len(cohort):
        return None
    moves = events[events["event"].astype(str).isin(("switch", "exit"))
                   & (events["from_supplier"].astype(str) == focal)]
    cohort["kept"] = ~cohort["account"].isin(moves["account"])
    cohort["size_band"] = pd.qcut(cohort["size"].rank(method="first"), 4, labels=["Q1", "Q2", "Q3", "Q4"])
    cohort["relationship"] = np.where(cohort["rep_owned"], "rep-owned", "firm-owned")
    if "value_focal" not in cohort:
        cohort["value_focal"] = np.nan
    frames = []
    for dimension in DIMENSIONS:
        by = cohort.groupby(cohort[dimension].astype(str), sort=True)
        part = pd.DataFrame({"accounts": by.size(), "retention": by["kept"].mean(),
                             "revenue": by["revenue_focal"].sum(),
                             "value": by["value_focal"].sum(min_count=1)}).reset_index(names="segment")
        frames.append(part.assign(dimension=dimension))
    return pd.concat(frames, ignore_index=True)


def segment_table(sweep: Sweep, segments: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """Per scenario, strategy, dimension and segment: the mean of each metric over replicates with its interval, and
    the mean paired difference from ``baseline`` with its interval (``<metric>.mean``, ``.ci_low``, ``.ci_high``,
    ``.delta``, ``.delta_ci_low``, ``.delta_ci_high``; ``n_replicates``)."""
    if not len(segments):
        return pd.DataFrame()
    group = [*sweep.scenario, "strategy", "dimension", "segment"]
    pair = [*sweep.scenario, "seed", "replicate", "dimension", "segment"]
    base = segments[segments["strategy"] == baseline][[*pair, *_METRICS]]
    paired = segments.merge(base, on=pair, how="left", suffixes=("", "@baseline"))
    rows = []
    for key, g in paired.groupby(group, dropna=False, sort=True):
        row = dict(zip(group, key, strict=True))
        row["n_replicates"] = len(g)
        for m in _METRICS:
            _, row[f"{m}.mean"], row[f"{m}.ci_low"], row[f"{m}.ci_high"] = t_interval(g[m])
            _, row[f"{m}.delta"], row[f"{m}.delta_ci_low"], row[f"{m}.delta_ci_high"] = t_interval(
                g[m] - g[f"{m}@baseline"])
        rows.append(row)
    return pd.DataFrame(rows)
