"""Regenerate the figures and tables of docs/validation.md from the validation suite's own runs.

Runs every check of ``tests/test_validation.py`` at the same size and seed (:data:`churnsim.validation.SUITE_RUNS`),
plus the calibration run of ``tests/test_calibration.py`` for the contagion and rep-departure effects; writes the
figures to ``docs/img/validation_*.png`` and prints the document's tables (Markdown) to stdout. About a minute
on one core, most of it the calibration run. Usage: ``.venv/bin/python docs/validation_figures.py`` (no arguments).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from churnsim.clv import export, fit_sbg, sbg_survival
from churnsim.core.config import RunConfig
from churnsim.diagnostics import measure_effects
from churnsim.engine.run import simulate
from churnsim.validation import (
    INDUSTRY_PRESETS,
    churn_by_satisfaction,
    churn_heterogeneity,
    double_jeopardy,
    propensity_only,
    retention_by_tenure,
    retention_profit,
    sbg_heterogeneity,
    suite_config,
    tiered_rivals,
)

IMG = Path(__file__).parent / "img"
REGULAR = Path(__file__).parents[1] / "tests" / "data" / "fader_hardie_2007_regular.csv"


def _save(fig: Figure, name: str) -> None:
    FigureCanvasAgg(fig)
    fig.tight_layout()
    fig.savefig(IMG / name, dpi=110)
    print(f"wrote docs/img/{name}\n")


def _table(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    cols = list(df.columns)
    rows = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):  # keeps each column's type, where iterrows would make ints floats
        rows.append("| " + " | ".join(format(v, floatfmt) if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(rows)


def cohort_retention() -> None:
    cfg = propensity_only(suite_config("propensity_cohort"))
    ex = export(cfg)
    cohort = ex.cohorts[(ex.cohorts["cohort_month"] == 0) & ~ex.cohorts["acquired"]]
    truth = ex.customers[(ex.customers["cohort_month"] == 0) & ~ex.customers["acquired"]]
    n_alive = cohort["n_alive"].to_numpy()
    alpha, beta = fit_sbg(n_alive)
    fit_mean, fit_pol = sbg_heterogeneity(alpha, beta)
    true_mean, true_pol = churn_heterogeneity(truth["propensity"].to_numpy(), cfg)
    yearly = n_alive[12::12] / n_alive[:-12:12]
    print(f"propensity-only cohort: {n_alive[0]} customers; yearly retention {np.round(yearly, 3)}")
    print(_table(pd.DataFrame({
        "": ["true churn chances θ", "sBG fit on survivors", "fit / truth − 1"],
        "mean monthly churn": [true_mean, fit_mean, fit_mean / true_mean - 1],
        "polarisation φ": [true_pol, fit_pol, fit_pol / true_pol - 1]}), ".4f"))
    print(f"sBG alpha = {alpha:.3f}, beta = {beta:.2f}\n")
    tenure = retention_by_tenure(export(suite_config("tenure")))
    print("default market, acquired cohorts of months 0-11:")
    print(_table(tenure))
    print()
    regular = pd.read_csv(REGULAR, comment="#")["pct_alive"].to_numpy()

    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    months = np.arange(len(n_alive))
    left.plot(months, n_alive / n_alive[0], "o", ms=3, label="simulated cohort (propensity only)")
    left.plot(months, sbg_survival(alpha, beta, len(n_alive) - 1), label=f"sBG fit (α={alpha:.2f}, β={beta:.1f})")
    left.plot(months, (n_alive[-1] / n_alive[0]) ** (months / months[-1]), "--", label="constant churn")
    left.set(xlabel="months since month 0", ylabel="share still a customer", title="Survival and its sBG fit")
    left.legend()
    years = np.arange(1, 5)
    right.plot(years[:3], yearly, "o-", label="propensity-only cohort")
    right.plot(tenure["period"], tenure["retention"], "s-", label="default market, acquired customers")
    right.plot(np.arange(1, 13), regular[1:] / regular[:-1], "^:", label="Fader & Hardie 2007, Regular (published)")
    right.set(xlabel="tenure year", ylabel="retention rate that year", title="Retention rises with tenure")
    right.legend()
    _save(fig, "validation_cohort.png")


def jeopardy() -> None:
    dj = double_jeopardy(simulate(tiered_rivals(suite_config("double_jeopardy"))).tables["monthly"])
    print("Double Jeopardy (suppliers by brand strength 0.8, 0.4, 0, -0.4, -0.8):")
    print(_table(dj.reset_index().round({"customers": 0}).astype({"customers": int})))
    gaps = [np.log(dj[col].iloc[0] / dj[col].iloc[-1]) for col in ("retention", "customers")]
    print(f"log retention gap / log customer gap = {gaps[0] / gaps[1]:.3f}\n")
    fig = Figure(figsize=(5.5, 4))
    ax = fig.subplots()
    ax.plot(100 * dj["revenue_share"], 100 * dj["defection"], "o-", label="all departures")
    ax.plot(100 * dj["revenue_share"], 100 * dj["defection_controllable"], "s--", label="switches to a competitor")
    for name, row in dj.iterrows():
        ax.annotate(name, (100 * row["revenue_share"], 100 * row["defection"]), textcoords="offset points",
                    xytext=(4, 4), fontsize=8)
    ax.set(xlabel="revenue share (%)", ylabel="annual defection (% of customers)", ylim=(0, None),
           title="Double Jeopardy: smaller suppliers lose more")
    ax.legend()
    _save(fig, "validation_double_jeopardy.png")


def satisfaction() -> None:
    sc = churn_by_satisfaction(suite_config("satisfaction"))
    t = sc.table.assign(departures=sc.table["switches"] + sc.table["exits"])
    t["share_of_departures"] = t["departures"] / t["departures"].sum()
    print("churn by survey level:")
    print(_table(t, ".4f"))
    print(f"satisfied (4-5) share of departures {sc.share_of_departures():.3f}, of switches "
          f"{sc.share_of_departures(controllable_only=True):.3f}; switch rate 4 / 5 = {sc.rate_ratio():.2f}\n")
    fig = Figure(figsize=(5.5, 4))
    ax = fig.subplots()
    ax.bar(t["level"], 100 * t["switch_rate_annual"], color="tab:blue")
    for _, row in t.iterrows():
        ax.annotate(f"{100 * row['share_of_departures']:.0f} % of\ndepartures", (row["level"],
                    100 * row["switch_rate_annual"]), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(t["level"], [label.replace(" ", "\n") for label in t["label"]], fontsize=8)
    ax.set(ylabel="switches to a competitor (% a year)", ylim=(0, 100 * t["switch_rate_annual"].max() * 1.3),
           title="Churn by satisfaction: flat at the top")
    _save(fig, "validation_satisfaction.png")


def profit() -> None:
    presets = INDUSTRY_PRESETS
    rows = []
    for market in presets:
        r = retention_profit(suite_config("profit", market))
        rows.append({"market": market, "defection": r.defection, "counterfactual": r.defection_counterfactual,
                     "points_removed": r.points, "exit_factor": r.exit_factor,
                     "profit_gain_per_5_points": r.gain_per_5_points(),
                     "npv_gain_per_5_points": r.gain_per_5_points(npv=True)})
    t = pd.DataFrame(rows)
    print("profit per five points less defection:")
    print(_table(t))
    print()
    fig = Figure(figsize=(6.5, 3.8))
    ax = fig.subplots()
    ax.axhspan(25, 85, color="tab:green", alpha=0.15, label="Reichheld & Sasser 1990: 25-85 %")
    ax.bar(range(len(t)), 100 * t["npv_gain_per_5_points"], color="tab:blue", label="simulated (NPV, 5 years)")
    ax.set_xticks(range(len(t)), [m.replace("_", "\n") for m in t["market"]], fontsize=8)
    ax.set(ylabel="profit gain per 5 points less defection (%)", ylim=(0, 100),
           title="Profit's response to retention, by market preset")
    ax.legend(fontsize=8)
    _save(fig, "validation_profit.png")


def effects() -> None:
    started = time.perf_counter()
    e = measure_effects(RunConfig(seed=11, n_accounts=150_000, months=120))  # tests/test_calibration.py's run
    print(f"contagion hazard ratio {e.contagion_hazard_ratio:.3f} ({e.contagion_exposed_switches} exposed switches); "
          f"rep-departure loss {e.rep_departure_loss:.3f} ({e.rep_departure_accounts} accounts); "
          f"{time.perf_counter() - started:.0f} s\n")


def main() -> None:
    if sys.argv[1:]:
        print(f"validation_figures.py: arguments = {sys.argv[1:]}: takes none", file=sys.stderr)
        raise SystemExit(2)
    IMG.mkdir(parents=True, exist_ok=True)
    for part in (cohort_retention, jeopardy, satisfaction, profit, effects):
        part()


if __name__ == "__main__":
    main()
