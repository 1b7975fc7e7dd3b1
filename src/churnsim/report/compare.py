"""The statistics of a strategy comparison: intervals over replicates, paired differences, return on cost, rank.

Every interval is a two-sided 95 % Student-t interval over replicates: ``mean ± t(0.975, n−1) · sd / √n`` (no
interval from one replicate). A strategy's difference from ``baseline`` is taken replicate by replicate, between
jobs of the same scenario with the same root seed and replicate number: both ran on the same simulated world
(common random numbers), so the noise shared by the two cancels. Return on strategy cost is the mean difference in
net profit divided by the mean strategy cost: net profit already pays for the strategy, so 0 is break-even, −1 means
the strategy changed nothing but cost money, and it is undefined (NaN) for a strategy that costs nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from churnsim.report.load import Sweep

__all__ = ["BASELINE", "LEVEL", "RANK_BY", "paired_differences", "summary_table", "t_interval"]

BASELINE = "baseline"
"""The strategy every other is compared with (``conf/strategy/baseline.yaml``)."""

LEVEL = 0.95
"""Coverage of every interval."""

RANK_BY = ("net_profit_npv", "customer_retention_annual")
"""Strategies are ranked by the mean difference from baseline in these metrics, in this order (larger is better)."""


def t_interval(values) -> tuple[int, float, float, float]:
    """``(n, mean, low, high)`` of the non-missing ``values``: the Student-t interval of their mean.

    One value has a mean but no interval (NaN bounds); identical values have a zero-width interval.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n == 1:
        return 1, mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return n, mean, mean - half, mean + half


def paired_differences(sweep: Sweep, baseline: str = BASELINE) -> pd.DataFrame:
    """Per complete job, each metric minus that of the baseline job of the same scenario, seed and replicate.

    Jobs without a baseline partner are left out; the baseline's own rows (all zero) are kept.
    """
    done = sweep.complete
    key = [*sweep.scenario, "seed", "replicate"]
    base = done.loc[done["strategy"] == baseline, key + sweep.metrics]
    merged = done[[*key, "strategy", *sweep.metrics]].merge(base, on=key, suffixes=("", "@baseline"))
    for m in sweep.metrics:
        merged[m] = merged[m] - merged[f"{m}@baseline"]
    return merged[[*key, "strategy", *sweep.metrics]]


def summary_table(sweep: Sweep, baseline: str = BASELINE) -> pd.DataFrame:
    """One row per (scenario, strategy): intervals of every metric, paired differences, return on cost, rank.

    Columns: the scenario columns, ``strategy``, ``rank`` (1 = best within its scenario), ``n_replicates``,
    ``n_paired`` (replicates with a baseline partner), ``return_on_cost``, and for every metric ``m``:
    ``m.mean``, ``m.ci_low``, ``m.ci_high`` (over replicates) and ``m.delta``, ``m.delta_ci_low``,
    ``m.delta_ci_high`` (paired difference from baseline; NaN without a baseline).
    """
    group = [*sweep.scenario, "strategy"]
    diffs = paired_differences(sweep, baseline)
    by_diff = {k: g for k, g in diffs.groupby(group, dropna=False, sort=False)}
    rows = []
    for key, jobs in sweep.complete.groupby(group, dropna=False, sort=False):
        row = dict(zip(group, key, strict=True))
        paired = by_diff.get(key, diffs.iloc[:0])
        row.update(n_replicates=len(jobs), n_paired=len(paired))
        for m in sweep.metrics:
            _, mean, low, high = t_interval(jobs[m])
            _, delta, d_low, d_high = t_interval(paired[m])
            row.update({f"{m}.mean": mean, f"{m}.ci_low": low, f"{m}.ci_high": high,
                        f"{m}.delta": delta, f"{m}.delta_ci_low": d_low, f"{m}.delta_ci_high": d_high})
        rows.append(row)
    table = pd.DataFrame(rows)
    table["return_on_cost"] = _return_on_cost(table)
    table = _rank(table, sweep.scenario, [m for m in RANK_BY if m in sweep.metrics])
    first = [*group, "rank", "n_replicates", "n_paired", "return_on_cost"]
    return table[first + [c for c in table.columns if c not in first]].reset_index(drop=True)


def _return_on_cost(table: pd.DataFrame) -> pd.Series:
    """Mean Δ net profit over mean strategy cost; NaN where the cost is 0 or either is missing."""
    if "net_profit.delta" not in table or "strategy_cost.mean" not in table:
        return pd.Series(math.nan, index=table.index)
    cost = table["strategy_cost.mean"].where(table["strategy_cost.mean"] > 0)
    return table["net_profit.delta"] / cost


def _rank(table: pd.DataFrame, scenario: list[str], rank_by: list[str]) -> pd.DataFrame:
    """Sort by scenario, then best first; ``rank`` counts from 1 within each scenario.

    A scenario with a baseline ranks by the paired differences; one without ranks by the means.
    """
    parts = []
    for _, part in table.groupby(scenario, dropna=False, sort=True):
        suffix = "delta" if rank_by and part[f"{rank_by[0]}.delta"].notna().any() else "mean"
        cols = [f"{m}.{suffix}" for m in rank_by]
        part = part.sort_values([*cols, "strategy"], ascending=[False] * len(cols) + [True], na_position="last")
        parts.append(part.assign(rank=np.arange(1, len(part) + 1)))
    return pd.concat(parts)
