"""The ``churnsim-report SWEEP_DIR [--out DIR] [report.value=total|npv]`` command: aggregate a finished (or partly
failed) sweep.

Writes ``jobs.csv``, ``summary.csv``, the figures, ``report.md`` and ``report.html`` into ``SWEEP_DIR/report/``
(or ``--out``), prints the ranking and the report's path. Strategies are valued by ``report.value``: ``total``
(default: present value of net profit plus the terminal value of the accounts held at the end) or ``npv`` (present
value of net profit over the reported months alone). A directory that does not exist, is not a sweep or has no
complete job, or a setting it does not know, is reported in one line on stderr, with exit status 2 and nothing
written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

import pandas as pd

from churnsim.core.cli_errors import help_text
from churnsim.report.compare import MEASURES, Measure, summary_table
from churnsim.report.decisions import decision_columns, voi_table
from churnsim.report.figures import make_figures
from churnsim.report.load import Sweep, SweepError, load_sweep, missing_jobs
from churnsim.report.perjob import job_parts
from churnsim.report.render import build_document, ranked_header, ranked_rows, to_html, to_markdown
from churnsim.report.segments import segment_table

__all__ = ["main", "write_report"]


def write_report(sweep: Sweep, out: Path, measure: Measure = MEASURES["total"]) -> tuple[Path, pd.DataFrame]:
    """Write every output of the report of ``sweep`` into ``out`` (created if missing), valuing strategies by
    ``measure``.

    Returns:
        The path of ``report.html`` and the summary table (:func:`~churnsim.report.compare.summary_table`).

    Raises:
        SweepError: the sweep's runs lack the measure (nothing is written).
    """
    table = decision_columns(summary_table(sweep, measure=measure), sweep, measure)
    voi = voi_table(sweep, measure)
    out.mkdir(parents=True, exist_ok=True)
    sweep.jobs.to_csv(out / "jobs.csv", index=False)
    table.to_csv(out / "summary.csv", index=False)
    series, per_job = job_parts(sweep)
    segments = segment_table(sweep, per_job)
    segments.to_csv(out / "segments.csv", index=False)
    if len(voi):
        voi.to_csv(out / "voi.csv", index=False)
    figures = make_figures(sweep, table, series, out, measure)
    doc = build_document(sweep, table, figures, missing_jobs(sweep), series.skipped, segments, measure, voi)
    (out / "report.md").write_text(to_markdown(doc, out), encoding="utf-8")
    (out / "report.html").write_text(to_html(doc), encoding="utf-8")
    return out / "report.html", table


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``churnsim-report``."""
    parser = argparse.ArgumentParser(prog="churnsim-report", description=help_text(__doc__))
    parser.add_argument("sweep_dir", metavar="SWEEP_DIR", help="a sweep directory (multirun/...) or a run directory")
    parser.add_argument("--out", metavar="DIR", help="where to write the report (default: SWEEP_DIR/report)")
    parser.add_argument("settings", metavar="report.value=total|npv", nargs="*",
                        help="how strategies are valued: total (default: present value of net profit plus the "
                             "terminal value of the accounts held at the end) or npv (net profit's present value "
                             "over the reported months alone)")
    args = parser.parse_intermixed_args(argv)  # settings before or after --out
    measure = _measure(args.settings)
    try:
        sweep = load_sweep(args.sweep_dir)
    except SweepError as err:
        _fail(str(err))
    out = Path(args.out) if args.out else sweep.path / "report"
    if out.exists() and not out.is_dir():
        _fail(f"--out {out}: exists and is not a directory")
    try:
        report, table = write_report(sweep, out, measure)
    except SweepError as err:
        _fail(str(err))
    for key, rows in table.groupby(sweep.scenario, dropna=False, sort=True):
        print(sweep.scenario_label(key if isinstance(key, tuple) else (key,)))
        print(_text_table(ranked_header(measure), ranked_rows(rows, measure)))
    bad = int((sweep.jobs["status"] != "complete").sum())
    if bad:
        print(f"{bad} of {len(sweep.jobs)} jobs were not used (failed, incomplete or duplicate): listed in the report")
    print(f"churnsim-report: wrote {report.resolve()} (with report.md, summary.csv, jobs.csv and the figures)")


def _measure(settings: list[str]) -> Measure:
    """The value measure the settings choose (``report.value=NAME``); any other setting stops with one line."""
    chosen = "total"
    for setting in settings:
        key, sep, value = setting.partition("=")
        if key != "report.value" or not sep:
            _fail(f"{setting!r}: unknown setting; the only one is report.value=total|npv")
        if value not in MEASURES:
            _fail(f"report.value={value!r}: not a value measure; allowed: {', '.join(MEASURES)}")
        chosen = value
    return MEASURES[chosen]


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"churnsim-report: error: {message}\n")
    raise SystemExit(2)


if __name__ == "__main__":
    main()
