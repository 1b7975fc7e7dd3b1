"""The report as a document: built once as blocks, written as ``report.md`` and as a self-contained ``report.html``.

Every user-supplied string (strategy, scenario and job names, error lines) is escaped with :func:`html.escape` in
both outputs; figures are linked from the Markdown and embedded in the HTML as base64 PNGs.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import pandas as pd

from churnsim.report.compare import BASELINE, LEVEL, MEASURES, Measure
from churnsim.report.figures import FigureFile
from churnsim.report.load import COMPONENT_ACTIONS, COMPONENT_COST, DRAWS, Sweep

__all__ = ["build_document", "fmt", "ranked_header", "ranked_rows", "to_html", "to_markdown"]

Block = tuple  # ("h1" | "h2" | "h3" | "p", text) · ("ul", [items]) · ("table", header, rows) · ("figure", FigureFile)



def ranked_header(measure: Measure = MEASURES["total"]) -> list[str]:
    """The columns of the ranking: the measure's value and cost, retention, return on cost."""
    return ["rank", "strategy", "replicates (paired)", measure.label, "P(beats baseline)", "P(best)",
            "Δ customer retention (pp/yr)", "strategy cost, present value (k€)", "return on cost"]


_SHARES = {"retention", "share", "rate"}  # words of metrics shown in per cent (differences in percentage points)


def fmt(metric: str, value: float, delta: bool = False) -> str:
    """A metric's value for people: shares in % (differences in pp), money and counts with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if _SHARES & set(metric.split("_")):
        return f"{100 * value:+.1f} pp" if delta else f"{100 * value:.1f} %"
    sign = "+" if delta else ""
    return f"{value:{sign},.0f}" if abs(value) >= 100 else f"{value:{sign}.3g}"


def _ci(metric: str, row: pd.Series, stat: str) -> str:
    """``mean [low, high]`` of one metric in a summary row; ``stat`` is ``mean`` or ``delta``."""
    delta, low_col = stat == "delta", "delta_ci_low" if stat == "delta" else "ci_low"
    centre = fmt(metric, row[f"{metric}.{stat}"], delta)
    low, high = row[f"{metric}.{low_col}"], row[f"{metric}.{low_col.replace('low', 'high')}"]
    if math.isnan(low) or math.isnan(high):
        return centre
    return f"{centre} [{fmt(metric, low, delta)}, {fmt(metric, high, delta)}]"


def ranked_rows(table: pd.DataFrame, measure: Measure = MEASURES["total"]) -> list[list[str]]:
    """The ranking of one scenario's rows of the summary table, as text cells under :func:`ranked_header`."""
    rows = []
    for _, r in table.sort_values("rank").iterrows():
        roc = r["return_on_cost"]
        rows.append([str(r["rank"]), str(r["strategy"]), f"{r['n_replicates']} ({r['n_paired']})",
                     _ci(measure.value, r, "delta"), _share(r.get("p_beats_baseline")), _share(r.get("p_best")),
                     _ci("customer_retention_annual", r, "delta"),
                     _ci(measure.cost, r, "mean"), "–" if math.isnan(roc) else f"{roc:+.2f}"])
    return rows


def _share(p) -> str:
    return "–" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{100 * p:.0f} %"


def build_document(sweep: Sweep, table: pd.DataFrame, figures: list[FigureFile], missing: pd.DataFrame,
                   skipped: dict[str, list[str]], segments: pd.DataFrame | None = None,
                   measure: Measure = MEASURES["total"], voi: pd.DataFrame | None = None) -> list[Block]:
    """Every block of the report, in order; strategies are valued by ``measure``."""
    counts = sweep.jobs["status"].value_counts()
    status = ", ".join(f"{n} {s}" for s, n in counts.items())
    doc: list[Block] = [
        ("h1", "Strategy comparison"),
        ("p", f"Sweep: {sweep.path.name}. Jobs: {len(sweep.jobs)} ({status}); missing from the grid: "
              f"{len(missing)}. Intervals are {LEVEL:.0%} t-intervals over replicates; differences are paired "
              f"with {BASELINE} by replicate (definitions at the end). Value: {measure.value}, {measure.span}."),
        ("p", _what_a_replicate_is(sweep)),
        ("h2", "Ranking"),
    ]
    groups = list(table.groupby(sweep.scenario, dropna=False, sort=True))
    for key, rows in groups:
        key = key if isinstance(key, tuple) else (key,)
        doc += [("h3", sweep.scenario_label(key)), ("table", ranked_header(measure), ranked_rows(rows, measure))]
        if {"focal_accounts_start.mean", "market_accounts_start.mean"} <= set(rows):
            first = rows.sort_values("rank").iloc[0]
            doc.append(("p", f"At month 0 the focal firm holds {first['focal_accounts_start.mean']:,.0f} of the "
                             f"market's {first['market_accounts_start.mean']:,.0f} accounts (mean over replicates)."))
        if not (rows["strategy"] == BASELINE).any():
            doc.append(("p", f"No {BASELINE} in this scenario: no differences; ranked by the means."))
    doc.append(("h2", "Figures"))
    doc += [("figure", f) for f in figures]
    for title, stat in (("Every metric: mean over replicates [95 % interval]", "mean"),
                        (f"Every metric: paired difference from {BASELINE} [95 % interval]", "delta")):
        doc.append(("h2", title))
        for key, rows in groups:
            key = key if isinstance(key, tuple) else (key,)
            body = [[str(r["strategy"]), *(_ci(m, r, stat) for m in sweep.metrics)]
                    for _, r in rows.sort_values("rank").iterrows()]
            doc += [("h3", sweep.scenario_label(key)), ("table", ["strategy", *sweep.metrics], body)]
    doc += _revenue_lost(sweep, groups)
    doc += _uncertainty(sweep, groups, voi)
    doc += _segments(sweep, groups, segments)
    doc += _component_costs(sweep, groups)
    doc += _problems(sweep, missing, skipped)
    doc += [("h2", "How the numbers are defined"), ("ul", _definitions(measure))]
    return doc


def _what_a_replicate_is(sweep: Sweep) -> str:
    drawn = [c for c in sweep.jobs.columns if c.startswith(DRAWS)]
    if drawn:
        return (f"What a replicate is: one simulated world, shared by every strategy of its scenario: fresh randomness "
                f"(which accounts are offered, complain, leave, and when) and one draw of the {len(drawn)} uncertain "
                "assumptions of the priors (effect sizes, costs, market parameters). The intervals and probabilities "
                "below therefore hold both simulation noise and uncertainty about those assumptions, as far as the "
                "priors describe it.")
    return ("What a replicate is: one simulated world, shared by every strategy of its scenario: fresh randomness "
            "(which accounts are offered, complain, leave, and when) with every assumption (effect sizes, costs, "
            "market parameters) held at its configured value. The intervals and probabilities below are simulation "
            "noise only: they say nothing about whether those assumptions are right (uncertainty=default draws "
            "them).")


_LOST = ("revenue_lost_departures_keur", "revenue_lost_wallet_shifts_keur")


def _revenue_lost(sweep: Sweep, groups: list) -> list[Block]:
    """With share of wallet (some revenue lost to falling shares): each strategy's revenue lost to departures and
    to share shifts, and its effect on each."""
    columns = [f"{m}.{stat}" for m in _LOST for stat in ("mean", "delta")]
    if not groups or not all(c in groups[0][1] for c in columns):
        return []
    if not any((rows[f"{_LOST[1]}.mean"].fillna(0) > 0).any() for _, rows in groups):
        return []  # one supplier per account: every loss is a departure
    blocks: list[Block] = [
        ("h2", "Where the revenue goes: departures and falling shares of wallet"),
        ("p", "Revenue lost (k€ a month at list price, summed over the reported months): to departures, the monthly "
              "revenue of accounts that stopped buying from the focal firm (to a rival or leaving the market); to "
              "share shifts, the fall of its share of the wallet of accounts it keeps. A strategy that keeps the "
              "accounts but not their purchases shows here. Mean over replicates [95 % interval]; Δ paired with "
              f"{BASELINE}.")]
    for key, rows in groups:
        key = key if isinstance(key, tuple) else (key,)
        body = []
        for _, r in rows.sort_values("rank").iterrows():
            shifts, gone = r[f"{_LOST[1]}.mean"], r[f"{_LOST[0]}.mean"]
            body.append([str(r["strategy"]), _ci(_LOST[0], r, "mean"), _ci(_LOST[1], r, "mean"),
                         fmt("share", shifts / (shifts + gone)) if shifts + gone > 0 else "–",
                         _ci(_LOST[0], r, "delta"), _ci(_LOST[1], r, "delta")])
        blocks += [("h3", sweep.scenario_label(key)),
                   ("table", ["strategy", "lost to departures", "lost to share shifts", "share by shifts",
                              "Δ departures", "Δ share shifts"], body)]
    return blocks


_VOI_ROWS = 10  # parameters the report lists by EVPPI (voi.csv has all)


def _uncertainty(sweep: Sweep, groups: list, voi: pd.DataFrame | None) -> list[Block]:
    """Under priors on assumptions: how much of each strategy's spread they explain, and what perfect information
    on them would be worth."""
    if voi is None or not len(voi):
        return []
    blocks: list[Block] = [
        ("h2", "Under uncertainty: what the assumptions explain and what knowing them would be worth"),
        ("p", "Share from assumptions: the share of the variance of a strategy's Δ value across replicates that a "
              "linear regression on the drawn values explains (adjusted R²; the rest is simulation noise and what a "
              "linear fit misses; – with too few replicates). EVPPI: what knowing one parameter before choosing "
              "would be worth (k€, present value), by regression on the draws (Strong, Oakley & Brennan 2014); "
              "'all (linear)' is the EVPI. Noise floor: the EVPPI of a parameter that cannot matter (the replicates "
              "shuffled); an EVPPI below it is not told apart from simulation noise: run more replicates.")]
    for key, rows in groups:
        key = key if isinstance(key, tuple) else (key,)
        body = [[str(r["strategy"]), _share(r.get("p_beats_baseline")), _share(r.get("p_best")),
                 _share(r.get("delta_share_assumptions"))]
                for _, r in rows.sort_values("rank").iterrows()]
        mine = voi[(voi[sweep.scenario].astype(str) == [str(v) for v in key]).all(axis=1)].head(_VOI_ROWS)
        blocks += [("h3", sweep.scenario_label(key)),
                   ("table", ["strategy", "P(beats baseline)", "P(best)", "share from assumptions"], body)]
        if len(mine):
            blocks.append(("table", ["parameter", "EVPPI (k€)", "noise floor (k€)", "replicates"],
                           [[str(r["parameter"]), fmt("evppi", r["evppi"]), fmt("evppi", r["evppi_noise_floor"]),
                             str(r["n_replicates"])] for _, r in mine.iterrows()]))
    return blocks


_SEGMENT_STRATEGIES = 5  # the best-ranked strategies whose segments the report shows (segments.csv has all)


def _segments(sweep: Sweep, groups: list, segments: pd.DataFrame | None) -> list[Block]:
    """Whom the best-ranked strategies keep: paired differences from baseline by tier, size band and whose
    relationship it is (every strategy and region in ``segments.csv``)."""
    if segments is None or not len(segments):
        return []
    blocks: list[Block] = [
        ("h2", "Segments: whom each strategy keeps"),
        ("p", f"The focal firm's month-0 customers by segment, for the {_SEGMENT_STRATEGIES} best-ranked strategies: "
              f"the paired difference from {BASELINE} in the share never lost (pp), in the revenue they brought "
              "over the reported months (k€) and in their value (k€, present value: their margin over the reported "
              "months and the terminal value of those still held, before the strategy's spending), mean over "
              "replicates [95 % interval]. Size bands are quartiles of "
              "volume at entry (Q1 smallest); rep-owned: more of the relationship was the salesperson's. Every "
              "strategy and every region: segments.csv.")]
    header = ["strategy", "segment", "accounts", "Δ retention (pp)", "Δ revenue (k€)", "Δ value (k€)"]
    for key, rows in groups:
        key = key if isinstance(key, tuple) else (key,)
        chosen = [s for s in rows.sort_values("rank")["strategy"] if s != BASELINE][:_SEGMENT_STRATEGIES]
        mine = segments[(segments[sweep.scenario].astype(str) == [str(v) for v in key]).all(axis=1)
                        & segments["dimension"].isin(["tier", "size_band", "relationship"])]
        body = []
        for strategy in chosen:
            for _, r in mine[mine["strategy"] == strategy].iterrows():
                body.append([str(strategy), f"{r['dimension']}: {r['segment']}", fmt("accounts", r["accounts.mean"]),
                             _ci("retention", r, "delta"), _ci("revenue", r, "delta"), _ci("value", r, "delta")])
        if body:
            blocks += [("h3", sweep.scenario_label(key)), ("table", header, body)]
    return blocks


def _component_costs(sweep: Sweep, groups: list) -> list[Block]:
    """Each strategy's cost and actions by component (over the reported months, mean over its complete
    replicates), and the components that never acted in a scenario."""
    columns = [c for c in sweep.jobs.columns if c.startswith(COMPONENT_COST)]
    if not columns:
        return []
    blocks: list[Block] = [("h2", "Strategy cost and actions by component (mean per run over replicates)")]
    complete = sweep.complete
    for key, rows in groups:
        key = key if isinstance(key, tuple) else (key,)
        body, idle = [], []
        for strategy in rows.sort_values("rank")["strategy"]:
            jobs = complete[(complete["strategy"] == strategy)
                            & (complete[sweep.scenario].astype(str) == [str(v) for v in key]).all(axis=1)]
            means = jobs[columns].mean()
            for column, cost in means.items():
                if pd.isna(cost):
                    continue
                name = column.removeprefix(COMPONENT_COST)
                prefix = f"{COMPONENT_ACTIONS}{name}."
                done = jobs[[c for c in jobs.columns if c.startswith(prefix)]].sum()  # over replicates
                did = {c.removeprefix(prefix): n / len(jobs) for c, n in done.items()}
                words = "; ".join(f"{fmt('count', n)} {what.replace('_', ' ')}" for what, n in did.items())
                body.append([str(strategy), name, fmt("cost", float(cost)), words or "–"])
                acts = {what: n for what, n in did.items() if what != "covered_account_months"}
                if (acts and not any(acts.values())) or (not acts and not did.get("covered_account_months", 1)):
                    idle.append(f"{strategy}: {name} never acted in this scenario ("
                                + ", ".join(f"0 {what.replace('_', ' ')}" for what in (acts or did)) + ")")
        if body:
            blocks += [("h3", sweep.scenario_label(key)),
                       ("table", ["strategy", "component", "cost (k€)", "what it did"], body)]
        if idle:
            blocks.append(("ul", idle))
    return blocks


def _problems(sweep: Sweep, missing: pd.DataFrame, skipped: dict[str, list[str]]) -> list[Block]:
    bad = sweep.jobs[sweep.jobs["status"] != "complete"]
    blocks: list[Block] = [("h2", "Failed, incomplete and missing jobs")]
    if not len(bad) and not len(missing):
        return [*blocks, ("p", "None: every job of the sweep completed.")]
    if len(bad):
        rows = [[str(r["job"]), str(r["status"]), str(r["strategy"]), str(r["replicate"]), str(r["error"])]
                for _, r in bad.iterrows()]
        blocks += [("p", "Not used in the comparison:"),
                   ("table", ["job", "status", "strategy", "replicate", "error"], rows)]
    if len(missing):
        rows = [[str(v) for v in r] for r in missing.itertuples(index=False)]
        blocks += [("p", "No job directory at all (the sweep stopped before launching them?):"),
                   ("table", list(missing.columns), rows)]
    for name, jobs in skipped.items():
        blocks.append(("p", f"{len(jobs)} complete jobs did not write {name}.parquet (output.tables): left out of "
                            "the figures that need it."))
    return blocks


def _definitions(measure: Measure) -> list[str]:
    return [
        "Jobs: every directory of the sweep with .hydra/overrides.yaml or run.json. Complete: it holds "
        "summary.json. Failed: it holds error.txt (its line is shown above). Incomplete: neither (stopped or still "
        "running). Duplicate: a second complete job of the same scenario, strategy, seed and replicate (not used). "
        "Missing: a strategy × replicate of the sweep's grid with no directory.",
        "Metrics: the scalar figures of each run's summary.json (README, Outputs); money in k€ over the "
        "reported months; shares in %.",
        f"Interval: mean ± t(0.975, n−1)·sd/√n over the replicates (n ≥ 2), a {LEVEL:.0%} Student-t interval.",
        f"Paired difference: for each replicate, the strategy's value minus {BASELINE}'s in the same scenario "
        "with the same seed and replicate (the same simulated world: common random numbers); then the mean and "
        "interval of these differences. A strategy identical to baseline differs by exactly zero.",
        f"Value ({measure.value}): {measure.span}; report.value=npv values net profit over the reported months "
        "alone (net_profit_npv), report.value=total adds the terminal value (README, Outputs). The ranking, the "
        "worth-it figure and return on cost all use it.",
        f"Strategy cost ({measure.cost}): its spending and the revenue it conceded in discounts over the same span, "
        "in present value.",
        f"Return on cost: mean Δ {measure.value} / mean {measure.cost}. The value already pays for the strategy: 0 "
        "is break-even, −1 is a strategy that changed nothing but cost money; – when the strategy costs nothing.",
        f"Rank: by mean Δ {measure.rank_by[0]} (larger first), then by mean Δ {measure.rank_by[1]}.",
        "Active accounts over time: the focal firm's active_accounts at the end of each month over its value at "
        "the end of month 0 (monthly.parquet; accounts won count too), and its market_share.",
        "Departures by reason: events.parquet rows with event switch or exit and the focal firm as from_supplier.",
        "Cohort survival: the month-0 cohort is every account that entered before month 0 and was the focal "
        "firm's customer when month 0 began (its first_supplier in accounts.parquet; with share of wallet, its "
        "main supplier; departures from events.parquet). Survival after t months: share of "
        "the cohort that had not left the focal firm in months 0 … t−1; an account won back still counts as lost. "
        "(summary.json's customer_retention_annual counts it as kept.)",
    ]


def to_markdown(doc: list[Block], out: Path) -> str:
    """The document as Markdown; figures are linked by file name (they sit next to the report)."""
    lines: list[str] = []
    for block in doc:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            lines += [f"{'#' * int(kind[1])} {_md(block[1])}", ""]
        elif kind == "p":
            lines += [_md(block[1]), ""]
        elif kind == "ul":
            lines += [*(f"- {_md(item)}" for item in block[1]), ""]
        elif kind == "table":
            header, rows = block[1], block[2]
            lines += ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows] + [""]
        elif kind == "figure":
            f: FigureFile = block[1]
            lines += [f"### {_md(f.title)} ({_md(f.scenario)})", "",
                      f"![{_md(f.title)}]({f.path.relative_to(out).as_posix()})", "", _md(f.caption), ""]
    return "\n".join(lines)


def to_html(doc: list[Block]) -> str:
    """The document as one self-contained HTML page (figures embedded as base64 PNGs, styles inline)."""
    esc = html.escape
    parts = []
    for block in doc:
        kind = block[0]
        if kind in ("h1", "h2", "h3", "p"):
            parts.append(f"<{kind}>{esc(str(block[1]))}</{kind}>")
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{esc(str(i))}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{esc(str(h))}</th>" for h in block[1])
            body = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in block[2])
            parts.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
                         "</div>")
        elif kind == "figure":
            f: FigureFile = block[1]
            data = base64.b64encode(f.path.read_bytes()).decode("ascii")
            parts.append(f'<figure><img alt="{esc(f.title)}" src="data:image/png;base64,{data}">'
                         f"<figcaption><b>{esc(f.title)}</b> ({esc(f.scenario)}). {esc(f.caption)}</figcaption>"
                         "</figure>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Strategy comparison</title>"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def _md(text) -> str:
    """Text for a Markdown table cell or line: HTML-escaped, pipes escaped."""
    return html.escape(str(text), quote=False).replace("|", "\\|")


_CSS = ("body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1.5em}"
        "th,td{border:1px solid #ccc;padding:0.25em 0.5em;text-align:left;white-space:nowrap}"
        ".scroll{overflow-x:auto}"
        "figure{margin:1.5em 0}img{max-width:100%}figcaption{font-size:0.85em;color:#444}")
