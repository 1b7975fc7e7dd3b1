"""The statistics of a strategy comparison: intervals over replicates, paired differences, return on cost, rank.

Every interval is a two-sided 95 % Student-t interval over replicates: ``mean ± t(0.975, n−1) · sd / √n`` (no
interval from one replicate). A strategy's difference from ``baseline`` is taken replicate by replicate, between
jobs of the same scenario with the same root seed and replicate number: both ran on the same simulated world
(common random numbers), so the noise shared by the two cancels.

One value measure ranks the strategies, is the worth-it figure's gain and the numerator of return on cost
(:data:`MEASURES`): by default ``value_total``, the present value of net profit over the reported months plus the
terminal value of the accounts held at the end (:mod:`churnsim.mechanisms.valuation`); with ``report.value=npv``,
the present value of net profit alone. Its cost is the strategy's cost over the same span, in present value
(``strategy_cost_total``: the reported months and the terminal horizon; ``strategy_cost_npv``: the reported months).
Return on cost is the mean difference in value divided by the mean cost: the value already pays for the strategy,
so 0 is break-even, −1 means the strategy changed nothing but cost money, and it is undefined (NaN) for a strategy
that costs nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from churnsim.report.load import Sweep, SweepError

__all__ = ["BASELINE", "LEVEL", "MEASURES", "Measure", "paired_differences", "summary_table", "t_interval"]

BASELINE = "baseline"
"""The strategy every other is compared with (``conf/strategy/baseline.yaml``)."""

LEVEL = 0.95
"""Coverage of every interval."""



@dataclass(frozen=True)
class Measure:
    """What a strategy is worth and what it costs, in the same span and at the same present value (k€)."""

    value: str  # summary metric of value: ranks, worth-it gain, return on cost
    cost: str  # summary metric of the strategy's cost over the same span
    label: str  # the value's name in tables and figures
    span: str  # what the value covers, for captions and definitions

    @property
    def rank_by(self) -> tuple[str, str]:
        """Strategies are ranked by the mean difference from baseline in these metrics, in order (larger first)."""
        return self.value, "customer_retention_annual"


MEASURES = {
    "total": Measure("value_total", "strategy_cost_total", "Δ value (k€, present value)",
                     "net profit over the reported months plus the terminal value of the accounts held at the end, "
                     "in present value"),
    "npv": Measure("net_profit_npv", "strategy_cost_npv", "Δ net profit, present value (k€)",
                   "net profit over the reported months, in present value (nothing after the horizon)"),
}
"""The value measures of ``report.value``: ``total`` (the default) and ``npv``."""


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


def summary_table(sweep: Sweep, baseline: str = BASELINE, measure: Measure = MEASURES["total"]) -> pd.DataFrame:
    """One row per (scenario, strategy): intervals of every metric, paired differences, return on cost, rank.

    Raises:
        SweepError: the sweep's runs lack the measure's value (they predate it).

    Columns: the scenario columns, ``strategy``, ``rank`` (1 = best within its scenario), ``n_replicates``,
    ``n_paired`` (replicates with a baseline partner), ``return_on_cost``, and for every metric ``m``:
    ``m.mean``, ``m.ci_low``, ``m.ci_high`` (over replicates) and ``m.delta``, ``m.delta_ci_low``,
    ``m.delta_ci_high`` (paired difference from baseline; NaN without a baseline).
    """
    if measure.value not in sweep.metrics or measure.cost not in sweep.metrics:
        other = next(name for name, m in MEASURES.items() if m != measure)
        raise SweepError(f"the sweep's runs have no {measure.value} (they predate it): run the sweep again, or "
                         f"report them with report.value={other}")
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
    table["return_on_cost"] = _return_on_cost(table, measure)
    table = _rank(table, sweep.scenario, [m for m in measure.rank_by if m in sweep.metrics])
    first = [*group, "rank", "n_replicates", "n_paired", "return_on_cost"]
    return table[first + [c for c in table.columns if c not in first]].reset_index(drop=True)


def _return_on_cost(table: pd.DataFrame, measure: Measure) -> pd.Series:
    """Mean Δ value over mean strategy cost (the measure's); NaN where the cost is 0 or either is missing."""
    cost = table[f"{measure.cost}.mean"]
    return table[f"{measure.value}.delta"] / cost.where(cost > 0)


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
