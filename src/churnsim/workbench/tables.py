"""The comparison table as the pages show it: the report's summary rows, rounded, Δ value with its interval."""

from __future__ import annotations

import pandas as pd

from churnsim.report.compare import BASELINE

__all__ = ["CSS", "comparison_html", "interval"]

CSS = """
.comparison-table table, .segment-table table { border-collapse: collapse; margin: 4px 0 12px 0; }
.comparison-table th, .comparison-table td, .segment-table th, .segment-table td {
    padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
.comparison-table td:nth-child(2), .segment-table td:nth-child(1), .segment-table td:nth-child(2) { text-align: left; }
"""
"""The tables' style (the pages add it with ``solara.Style``)."""


def comparison_html(rows: pd.DataFrame) -> str:
    """HTML of :func:`churnsim.report.compare.summary_table` rows: rank, strategy, replicates paired, Δ value
    (``value_total``) against baseline with its 95 % interval, annual retention and its Δ, cost, return on cost."""
    shown = pd.DataFrame({
        "rank": rows["rank"], "strategy": rows["strategy"], "replicates": rows["n_paired"],
        "Δ value (k€) [95 % interval]": [
            "reference" if s == BASELINE else interval(m, lo, hi) for s, m, lo, hi in zip(
                rows["strategy"], rows["value_total.delta"], rows["value_total.delta_ci_low"],
                rows["value_total.delta_ci_high"], strict=True)],
        "retention / yr": rows["customer_retention_annual.mean"].map("{:.1%}".format),
        "Δ retention (points)": (100 * rows["customer_retention_annual.delta"]).map(_signed),
        "cost (k€)": rows["strategy_cost_total.mean"].map("{:,.0f}".format),
        "return on cost": rows["return_on_cost"].map(_signed),
    })
    return shown.to_html(index=False, classes="comparison", border=0, escape=True, na_rep="")


def interval(mean: float, low: float, high: float, digits: int = 0) -> str:
    """``+1,234 [-56, +2,345]`` (``digits`` decimals); the mean alone while there is no interval (one replicate)."""
    if pd.isna(mean):
        return ""
    if pd.isna(low):
        return f"{mean:+,.{digits}f}"
    return f"{mean:+,.{digits}f} [{low:+,.{digits}f}, {high:+,.{digits}f}]"


def _signed(x: float) -> str:
    return "" if pd.isna(x) else f"{x:+.2f}"
