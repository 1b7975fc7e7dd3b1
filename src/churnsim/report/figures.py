"""The report's figures, one set per scenario, drawn with matplotlib's Agg canvas (no display, no global state).

Each function draws one PNG and returns a :class:`FigureFile` with the caption the report prints under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from adjustText import adjust_text
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from churnsim.report.compare import BASELINE, MEASURES, Measure
from churnsim.report.load import Sweep
from churnsim.report.series import Series, bands

__all__ = ["FigureFile", "make_figures"]


@dataclass
class FigureFile:
    """A written PNG: its path, its title, the scenario it shows and what it shows."""

    path: Path
    title: str
    scenario: str
    caption: str


def make_figures(sweep: Sweep, table: pd.DataFrame, series: Series, out: Path,
                 measure: Measure = MEASURES["total"]) -> list[FigureFile]:
    """Draw every figure of every scenario into ``out``; names get ``_<i>`` suffixes when there are several.
    The worth-it figure shows ``measure``'s value gained against its cost."""
    files = []
    groups = list(table.groupby(sweep.scenario, dropna=False, sort=True))
    for i, (key, rows) in enumerate(groups, start=1):
        key = key if isinstance(key, tuple) else (key,)
        label, suffix = sweep.scenario_label(key), "" if len(groups) == 1 else f"_{i}"
        strategies = rows.sort_values("rank")["strategy"].tolist()
        colours = _colours(strategies)
        pick = {k: v for k, v in zip(sweep.scenario, key, strict=True)}
        monthly, departures, survival = (_select(f, pick) for f in (series.monthly, series.departures,
                                                                    series.survival))
        if len(monthly):
            files.append(_over_time(monthly, strategies, colours, out / f"retention{suffix}.png", label))
        if rows[f"{measure.value}.delta"].notna().any():
            files.append(_worth_it(rows, colours, out / f"worth_it{suffix}.png", label, measure))
        if len(departures):
            jobs = _select(sweep.complete[~sweep.complete["job"].isin(series.skipped.get("events", []))], pick)
            files.append(_departures(departures, jobs, strategies, out / f"departures{suffix}.png", label))
        if len(survival):
            files.append(_survival(survival, strategies, colours, out / f"survival{suffix}.png", label))
    return files


def _over_time(monthly: pd.DataFrame, strategies: list[str], colours: dict, path: Path, label: str) -> FigureFile:
    fig = Figure(figsize=(11, 4.2))
    axes = fig.subplots(1, 2)
    for ax, value, ylabel in zip(axes, ("active_relative", "market_share"),
                                 ("active accounts / month 0", "market share (accounts)"), strict=True):
        _bands(ax, bands(monthly, ["strategy", "month"], value), strategies, colours)
        ax.set(xlabel="month", ylabel=ylabel)
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    title = "Focal firm's active accounts and market share over time"
    return _save(fig, path, title, label, "Mean over replicates with its 95 % interval (band). Left: the focal "
                 "firm's active accounts at the end of each month over those at the end of month 0 (accounts won "
                 "count too). Right: its share of the market's active accounts." + _grey_note(strategies))


def _worth_it(rows: pd.DataFrame, colours: dict, path: Path, label: str, measure: Measure) -> FigureFile:
    fig, texts, n_points = worth_it_figure(rows, colours, measure)
    which = ("every strategy is labelled" if len(texts) == n_points else
             f"the {_LABELLED // 2} best and {_LABELLED // 2} worst by {measure.label} and baseline are labelled, "
             "every one is in the legend")
    return _save(fig, path, "Which strategies are worth it: value gained against strategy cost", label,
                 f"Each point is a strategy: its mean cost (x, {measure.cost}) and its mean paired difference in "
                 f"value from baseline (y, {measure.value}: {measure.span}), with 95 % intervals. The value already "
                 "pays for the strategy, so a point above the dashed line paid for itself. Labels are moved apart so "
                 f"they do not overlap; {which}.")


def worth_it_figure(rows: pd.DataFrame, colours: dict, measure: Measure = MEASURES["total"],
                    ) -> tuple[Figure, list, int]:
    """The worth-it scatter of one scenario's summary rows: (figure, its label texts, number of points)."""
    fig = Figure(figsize=(7.5, 5.5))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    points = []
    for _, r in rows.sort_values("rank").iterrows():
        x, y = r[f"{measure.cost}.mean"], r[f"{measure.value}.delta"]
        if np.isnan(x) or np.isnan(y):
            continue
        xerr = _err(x, r[f"{measure.cost}.ci_low"], r[f"{measure.cost}.ci_high"])
        yerr = _err(y, r[f"{measure.value}.delta_ci_low"], r[f"{measure.value}.delta_ci_high"])
        ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="o", color=colours[r["strategy"]], capsize=3,
                    label=_text(r["strategy"]))
        points.append((x, y, r["strategy"]))
    labelled = _labelled(points)
    texts = [ax.text(x, y, _text(name), fontsize=8) for x, y, name in points if name in labelled]
    ax.axhline(0.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set(xlabel=f"strategy cost, present value (k€, {measure.cost})", ylabel=f"{measure.label} vs baseline")
    if len(labelled) < len(points):
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    if texts:  # moved apart by their drawn sizes, away from the points, each tied to its point by a thin line
        adjust_text(texts, ax=ax, x=[p[0] for p in points], y=[p[1] for p in points], expand=(1.2, 1.4),
                    arrowprops={"arrowstyle": "-", "color": "grey", "linewidth": 0.5})
    return fig, texts, len(points)


_LABELLED = 8  # labels on the worth-it figure when there are more strategies: the best and worst halves of it


def _labelled(points: list[tuple[float, float, str]]) -> set[str]:
    """The strategies to label: all of a few; of many, baseline and the best and worst by Δ value."""
    if len(points) <= _LABELLED + 2:
        return {name for _, _, name in points}
    by_gain = [name for _, _, name in sorted(points, key=lambda p: -p[1])]
    return {BASELINE, *by_gain[:_LABELLED // 2], *by_gain[-(_LABELLED // 2):]}


_HIGHLIGHT = 6  # more strategies than this: the figures over time highlight a few, the rest in grey


def highlighted(strategies: list[str]) -> list[str]:
    """The strategies the figures over time draw in colour (ranked order in, best first): all of a few; of many,
    baseline, the three best-ranked and the worst-ranked."""
    if len(strategies) <= _HIGHLIGHT:
        return list(strategies)
    others = [s for s in strategies if s != BASELINE]
    return [s for s in strategies if s == BASELINE or s in others[:3] or s == others[-1]]


def _departures(departures: pd.DataFrame, jobs: pd.DataFrame, strategies: list[str], path: Path,
                label: str) -> FigureFile:
    n_jobs = jobs.groupby("strategy").size()
    total = departures.groupby(["strategy", "reason", "controllable"], as_index=False)["count"].sum()
    total["mean"] = total["count"] / total["strategy"].map(n_jobs)
    order = total.groupby(["controllable", "reason"])["mean"].sum().reset_index()
    order = order.sort_values(["controllable", "mean"], ascending=[True, False])
    uncontrolled = order.loc[~order["controllable"].astype(bool), "reason"].tolist()
    controlled = order.loc[order["controllable"].astype(bool), "reason"].tolist()
    shades = {**_shades(uncontrolled, "Blues"), **_shades(controlled, "Oranges")}
    wide = total.pivot_table(index="strategy", columns="reason", values="mean", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(index=strategies[::-1], columns=uncontrolled + controlled, fill_value=0.0)
    fig = Figure(figsize=(9, 0.45 * len(strategies) + 2.2))
    ax = fig.subplots()
    left = np.zeros(len(wide))
    for reason in wide.columns:
        kind = "controllable" if reason in controlled else "uncontrollable"
        ax.barh([_text(s) for s in wide.index], wide[reason], left=left, color=shades[reason],
                label=_text(f"{reason} ({kind})"))
        left += wide[reason].to_numpy()
    ax.set(xlabel="departures from the focal firm per run (mean over replicates)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(fig, path, "Why customers left the focal firm, by strategy", label,
                 "Departures from the focal firm (events.parquet: switch or exit with the focal firm as "
                 "from_supplier) by main reason, mean count per run. Blue: outside the firm's control; orange: "
                 "within it (to a competitor). Strategies are listed best-ranked at the top.")


def _survival(survival: pd.DataFrame, strategies: list[str], colours: dict, path: Path, label: str) -> FigureFile:
    fig = Figure(figsize=(7.5, 5))
    ax = fig.subplots()
    _bands(ax, bands(survival, ["strategy", "month"], "survival"), strategies, colours)
    ax.set(xlabel="months since month 0 began", ylabel="share of the month-0 cohort never lost")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    size = survival.groupby("strategy")["cohort_size"].mean().mean()
    return _save(fig, path, "Survival of the focal firm's month-0 customers", label,
                 "The cohort: accounts that entered before month 0 and were the focal firm's customers when month "
                 f"0 began (about {size:,.0f} per run). Survival after t months: the share of the cohort that had "
                 "not left the focal firm in months 0 … t−1 (an account won back later still counts as lost). "
                 "Mean over replicates with its 95 % interval (band)." + _grey_note(strategies))


def _grey_note(strategies: list[str]) -> str:
    if len(strategies) <= _HIGHLIGHT:
        return ""
    return (f" Of the {len(strategies)} strategies, baseline, the three best-ranked and the worst-ranked are in "
            "colour; the others are the thin grey lines (every one is in the tables).")


def _bands(ax, band: pd.DataFrame, strategies: list[str], colours: dict) -> None:
    """Mean and interval band per strategy; of many strategies, only :func:`highlighted` ones in colour (with a band
    and a legend entry), the others as thin grey lines."""
    shown = highlighted(strategies)
    for strategy in strategies:
        b = band[band["strategy"] == strategy]
        if not len(b):
            continue
        if strategy not in shown:
            ax.plot(b["month"], b["mean"], color="0.75", linewidth=0.8, zorder=1)
            continue
        ax.plot(b["month"], b["mean"], color=colours[strategy], label=_text(strategy),
                linewidth=2.0 if strategy == BASELINE else 1.3, zorder=3 if strategy == BASELINE else 2)
        ax.fill_between(b["month"], b["low"], b["high"], color=colours[strategy], alpha=0.15, linewidth=0)


def _colours(strategies: list[str]) -> dict:
    """One colour per strategy, stable across a scenario's figures; baseline is black."""
    others = [s for s in strategies if s != BASELINE]
    if len(others) <= 10:
        colours = {s: colormaps["tab10"](i) for i, s in enumerate(others)}
    else:  # tab20's saturated colours to the best-ranked ten, its light twins to the rest
        cmap = colormaps["tab20"]
        colours = {s: cmap((2 * i) % 20 + (i // 10) % 2) for i, s in enumerate(others)}
    return {**colours, BASELINE: "black"}


def _shades(reasons: list[str], cmap_name: str) -> dict:
    cmap = colormaps[cmap_name]
    return {r: cmap(x) for r, x in zip(reasons, np.linspace(0.85, 0.35, max(len(reasons), 1)), strict=False)}


def _err(centre: float, low: float, high: float) -> list[list[float]] | None:
    """An error bar from an interval, or None when there is none (one replicate)."""
    if np.isnan(low) or np.isnan(high):
        return None
    return [[max(centre - low, 0.0)], [max(high - centre, 0.0)]]


def _select(frame: pd.DataFrame, pick: dict) -> pd.DataFrame:
    """Rows of ``frame`` whose scenario columns equal ``pick`` (compared as text: NaN matches NaN)."""
    if not len(frame):
        return frame
    mask = np.ones(len(frame), dtype=bool)
    for col, value in pick.items():
        mask &= (frame[col].astype(str) == str(value)).to_numpy()
    return frame[mask]


def _text(value) -> str:
    """A user-supplied name as matplotlib text: ``$`` would start mathtext."""
    return str(value).replace("$", r"\$")


def _save(fig: Figure, path: Path, title: str, scenario: str, caption: str) -> FigureFile:
    fig.suptitle(f"{title}\n{_text(scenario)}", fontsize=10)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=100, bbox_inches="tight")  # legends sit outside the axes
    return FigureFile(path=path, title=title, scenario=scenario, caption=caption)
