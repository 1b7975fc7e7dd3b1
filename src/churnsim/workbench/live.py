"""The Compare page's numbers from the replicates landed so far, computed as ``churnsim-report`` computes them.

The landed replicates are put in the shape of a sweep's jobs (:class:`churnsim.report.load.Sweep`), so the table is
:func:`churnsim.report.compare.summary_table`'s: Δ value (``value_total``) against baseline paired by replicate,
with its 95 % t-interval, and every other metric; the curves are :func:`churnsim.report.series.bands` of the focal
firm's active accounts; departures are mean counts per run by reason. Nothing here runs the model.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from churnsim.report.compare import MEASURES, summary_table
from churnsim.report.load import Sweep
from churnsim.report.series import bands
from churnsim.workbench.runs import Landed

__all__ = ["departures_per_run", "mean_departures", "retention_bands", "sweep_of", "table"]

def sweep_of(landed: list[Landed]) -> Sweep:
    """The landed replicates as the jobs of a sweep of one scenario."""
    jobs = pd.DataFrame([item.row for item in landed])
    metrics = [c for c in jobs.columns if c not in _NOT_METRICS and not c.startswith("churn_by_reason.")]
    return Sweep(path=Path("."), jobs=jobs, scenario=["market", "competitors"], metrics=metrics)


def table(landed: list[Landed]) -> pd.DataFrame:
    """The report's summary table of the landed replicates (:func:`churnsim.report.compare.summary_table`): one
    row per strategy, best first (empty before the first replicate has landed)."""
    if not landed:
        return pd.DataFrame()
    return summary_table(sweep_of(landed), measure=MEASURES["total"])


def retention_bands(landed: list[Landed]) -> pd.DataFrame:
    """Per strategy and month: mean and 95 % band of the focal firm's active accounts over month 0."""
    monthly = [item.monthly for item in landed if item.monthly is not None and len(item.monthly)]
    if not monthly:
        return pd.DataFrame(columns=["strategy", "month", "n", "mean", "low", "high"])
    return bands(pd.concat(monthly, ignore_index=True), ["strategy", "month"], "active_relative")


def departures_per_run(landed: list[Landed]) -> pd.DataFrame:
    """:func:`mean_departures` of the landed replicates."""
    frames = [item.departures for item in landed if item.departures is not None and len(item.departures)]
    runs = pd.Series([item.strategy for item in landed]).value_counts()
    return mean_departures(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), runs)


def mean_departures(departures: pd.DataFrame, runs: pd.Series) -> pd.DataFrame:
    """The focal firm's mean departures per run, per strategy and reason (``strategy``, ``reason``,
    ``controllable``, ``mean``), from per-run counts (:func:`churnsim.report.series.series_of`'s departures) and
    the number of runs of each strategy (``runs``, indexed by strategy)."""
    if not len(departures):
        return pd.DataFrame(columns=["strategy", "reason", "controllable", "mean"])
    counts = departures.astype({"reason": str}).groupby(["strategy", "reason", "controllable"], observed=True)[
        "count"].sum().reset_index()
    counts["mean"] = counts["count"] / counts["strategy"].map(runs)
    return counts[["strategy", "reason", "controllable", "mean"]]


_NOT_METRICS = {"job", "status", "error", "market", "competitors", "strategy", "seed", "replicate", "run_seed",
                "focal", "months"}
