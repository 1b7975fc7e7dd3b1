"""The Open-a-sweep page: a sweep directory's comparison, browsed by scenario, strategy and segment.

It reads the files the sweep's runs wrote, through :mod:`churnsim.report` (the statistics are the report's), and
writes nothing: the ranking with Δ value against baseline and its interval, the retention curves, the departures by
reason, whom each strategy keeps by segment, and the jobs that failed or are missing. Reading runs in the background
(a Solara task); the filters then only select from what was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import solara
import solara.lab

from churnsim.report.compare import BASELINE, summary_table
from churnsim.report.load import Sweep, SweepError, load_sweep, missing_jobs
from churnsim.report.perjob import job_parts
from churnsim.report.segments import DIMENSIONS, segment_table
from churnsim.report.series import Series, bands
from churnsim.workbench.figures import delta_figure, departures_figure, retention_figure
from churnsim.workbench.live import mean_departures
from churnsim.workbench.tables import CSS, comparison_html, interval

__all__ = ["SweepPage", "SweepView", "find_sweeps", "read_sweep"]

_SEARCH = ("multirun", "outputs")  # where sweeps are looked for, under the directory the app was started in
_DEPTH = 4
_BOLD = {"font-weight": "bold", "display": "block", "margin": "8px 0"}  # no Markdown: it would fetch KaTeX from a CDN


@dataclass
class SweepView:
    """What the page shows of a sweep, read once."""

    sweep: Sweep
    rows: pd.DataFrame  # the report's summary table
    series: Series
    segments: pd.DataFrame  # the report's segment table
    missing: pd.DataFrame

    def scenarios(self) -> list[str]:
        return sorted({self.label(r) for _, r in self.rows.iterrows()})

    def label(self, row: pd.Series) -> str:
        return self.sweep.scenario_label(tuple(row[c] for c in self.sweep.scenario))

    def of(self, frame: pd.DataFrame, scenario: str, strategies: list[str]) -> pd.DataFrame:
        """The rows of ``frame`` in ``scenario`` and, if any are named, of ``strategies``."""
        if not len(frame):
            return frame
        keep = frame.apply(self.label, axis=1) == scenario
        if strategies:
            keep &= frame["strategy"].isin(strategies)
        return frame[keep]


def read_sweep(path: str | Path) -> SweepView:
    """Read the sweep in ``path`` as the report does.

    Raises:
        SweepError: not a sweep, no complete job, or runs that predate the value measure.
    """
    sweep = load_sweep(path)
    rows = summary_table(sweep)
    series, segments = job_parts(sweep)
    return SweepView(sweep, rows, series, segment_table(sweep, segments), missing_jobs(sweep))


def find_sweeps(root: Path = Path(".")) -> list[str]:
    """Sweep directories (holding Hydra's ``multirun.yaml``) under ``multirun/`` and ``outputs/``, newest first."""
    found = []
    for top in _SEARCH:
        for depth in range(1, _DEPTH + 1):
            found += (root / top).glob("/".join(["*"] * (depth - 1) + ["multirun.yaml"]))
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [str(p.parent) for p in found]


path = solara.reactive("")
scenario = solara.reactive("")
chosen = solara.reactive([])
dimension = solara.reactive("tier")


@solara.lab.task(prefer_threaded=True)
def open_sweep(where: str) -> SweepView | str:
    """The sweep's view, or the one line saying why it cannot be read."""
    try:
        view = read_sweep(Path(where).expanduser())
    except SweepError as err:
        return str(err)
    scenario.set(view.scenarios()[0])
    chosen.set([])
    return view


@solara.component
def Controls(view: SweepView | None) -> None:
    known = find_sweeps()
    solara.InputText("sweep directory", value=path, continuous_update=True)
    if known:
        solara.Select("or one found here", values=known, value=path.value if path.value in known else None,
                      on_value=path.set)
    solara.Button("Open", color="primary", on_click=lambda: open_sweep(path.value),
                  disabled=not path.value or open_sweep.pending)
    if open_sweep.pending:
        solara.ProgressLinear(True)
    if view is None:
        return
    solara.Select("scenario", values=view.scenarios(), value=scenario)
    strategies = sorted(view.of(view.rows, scenario.value, [])["strategy"])
    solara.SelectMultiple("strategies (none: all)", values=[s for s in chosen.value if s in strategies],
                          all_values=strategies, on_value=chosen.set)
    solara.Select("segments by", values=list(DIMENSIONS), value=dimension)


@solara.component
def Report(view: SweepView) -> None:
    rows = view.of(view.rows, scenario.value, chosen.value)
    jobs = view.sweep.jobs["status"].value_counts()
    solara.Text(f"{view.sweep.path} — {scenario.value} — jobs: "
                + ", ".join(f"{n} {status}" for status, n in jobs.items())
                + (f", {len(view.missing)} missing from the grid" if len(view.missing) else ""), style=_BOLD)
    solara.HTML(tag="div", unsafe_innerHTML=comparison_html(rows), classes=["comparison-table"])
    order = [BASELINE, *[s for s in rows["strategy"] if s != BASELINE]]
    shown = order if chosen.value else None
    monthly = view.of(view.series.monthly, scenario.value, shown or [])
    departures = view.of(view.series.departures, scenario.value, shown or [])
    runs = view.of(view.sweep.complete, scenario.value, shown or [])["strategy"].value_counts()
    with solara.Columns([1, 1]):
        solara.FigureMatplotlib(delta_figure(rows), format="png")
        if len(monthly):
            solara.FigureMatplotlib(retention_figure(bands(monthly, ["strategy", "month"], "active_relative"), order),
                                    format="png")
    if len(departures):
        solara.FigureMatplotlib(departures_figure(mean_departures(departures, runs), order), format="png")
    segments = view.of(view.segments, scenario.value, shown or [])
    if len(segments):
        Segments(segments[segments["dimension"] == dimension.value])
    failed = view.sweep.jobs[view.sweep.jobs["status"] != "complete"]
    if len(failed):
        solara.Text("Jobs not used", style=_BOLD)
        solara.HTML(tag="div", unsafe_innerHTML=failed[["job", "status", "error"]].to_html(index=False, border=0))


@solara.component
def Segments(segments: pd.DataFrame) -> None:
    """Whom each strategy keeps in each segment: retention and Δ retention, Δ value, with intervals."""
    shown = pd.DataFrame({
        "strategy": segments["strategy"], "segment": segments["segment"],
        "accounts": segments["accounts.mean"].map("{:,.0f}".format),
        "retention": segments["retention.mean"].map("{:.1%}".format),
        "Δ retention (points) [95 %]": [interval(100 * m, 100 * lo, 100 * hi, digits=1) for m, lo, hi in zip(
            segments["retention.delta"], segments["retention.delta_ci_low"], segments["retention.delta_ci_high"],
            strict=True)],
        "Δ value (k€) [95 %]": [interval(m, lo, hi) for m, lo, hi in zip(
            segments["value.delta"], segments["value.delta_ci_low"], segments["value.delta_ci_high"], strict=True)],
    })
    solara.Text(f"Whom each strategy keeps, by {dimension.value} (the focal firm's month-0 customers)", style=_BOLD)
    solara.HTML(tag="div", unsafe_innerHTML=shown.to_html(index=False, border=0), classes=["segment-table"])


@solara.component
def SweepPage() -> None:
    solara.Title("churnsim · Open a sweep")
    solara.Style(CSS)
    result = open_sweep.value if open_sweep.finished else None
    view = result if isinstance(result, SweepView) else None
    with solara.Sidebar():
        Controls(view)
    if isinstance(result, str):
        solara.Error(result)
    if view is None:
        solara.Info("Give a sweep directory (churnsim -m … hydra.sweep.dir=DIR), then press Open. Its files are "
                    "read, never written.")
        return
    Report(view)
