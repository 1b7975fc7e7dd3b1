"""The workbench's figures: matplotlib figures drawn without pyplot (no global state shared between sessions).

The comparison figures (Δ value with intervals, retention curves with bands, departures by reason) serve both the
Compare page, from the replicates landed so far, and the Open-a-sweep page, from a sweep's files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from churnsim.core.codes import CONTROLLABLE, REASONS

__all__ = ["colours", "delta_figure", "departures_figure", "retention_figure"]

_WIDE, _BARS = (6.4, 3.4), (9.0, 3.6)


def colours(names: list[str]) -> dict[str, tuple]:
    """A colour per name, in order (tab10, then repeating)."""
    palette = colormaps["tab10"].colors
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}


def delta_figure(rows: pd.DataFrame) -> Figure:
    """Each strategy's mean Δ value against baseline with its 95 % interval (a dot alone while there is no interval
    yet), from :func:`churnsim.report.compare.summary_table` rows, best at the top."""
    fig = Figure(figsize=_WIDE, layout="constrained")
    ax = fig.subplots()
    rows = rows[rows["strategy"] != "baseline"].iloc[::-1]
    y = np.arange(len(rows))
    mean, lo, hi = (rows[f"value_total.{c}"].astype(float).to_numpy() for c in ("delta", "delta_ci_low",
                                                                                  "delta_ci_high"))
    err = np.nan_to_num(np.vstack([mean - lo, hi - mean]))
    ax.errorbar(mean, y, xerr=err, fmt="o", color="tab:blue", capsize=4)
    ax.axvline(0.0, color="grey", lw=1, ls="--")
    ax.set_yticks(y, rows["strategy"].tolist())
    ax.set(xlabel="Δ value against baseline (k€, present value; 95 % interval)", ylim=(-0.7, max(len(rows), 1) - 0.3))
    return fig


def retention_figure(curves: pd.DataFrame, strategies: list[str]) -> Figure:
    """The focal firm's active accounts over month 0, mean and 95 % band per strategy (``bands`` rows)."""
    fig = Figure(figsize=_WIDE, layout="constrained")
    ax = fig.subplots()
    palette = colours(strategies)
    for strategy in strategies:
        part = curves[curves["strategy"] == strategy].sort_values("month")
        if not len(part):
            continue
        ax.plot(part["month"], part["mean"], color=palette[strategy], label=strategy)
        ax.fill_between(part["month"], part["low"], part["high"], color=palette[strategy], alpha=0.2, lw=0)
    ax.set(xlabel="month", ylabel="active accounts / month 0")
    if len(curves):
        ax.legend(fontsize=8)
    return fig


def departures_figure(departures: pd.DataFrame, strategies: list[str]) -> Figure:
    """The focal firm's departures per run by main reason (``reason``, ``mean``), one bar group per strategy."""
    fig = Figure(figsize=_BARS, layout="constrained")
    ax = fig.subplots()
    reasons = [r for r in REASONS if r in set(departures["reason"].astype(str))]
    wide = departures.assign(reason=departures["reason"].astype(str)).pivot_table(
        index="strategy", columns="reason", values="mean", aggfunc="sum", observed=True).reindex(
        index=strategies, columns=reasons).fillna(0.0)
    left = np.zeros(len(wide))
    palette = colormaps["tab20"].colors
    for i, reason in enumerate(reasons):
        hatch = None if reason in CONTROLLABLE else "//"
        ax.barh(np.arange(len(wide)), wide[reason], left=left, color=palette[i % len(palette)], hatch=hatch,
                label=reason + ("" if hatch is None else " (uncontrollable)"))
        left += wide[reason].to_numpy()
    ax.set_yticks(np.arange(len(wide)), list(wide.index))
    ax.invert_yaxis()
    ax.set(xlabel="departures from the focal firm per run")
    if reasons:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
