"""The strategy-comparison report: ``churnsim-report SWEEP_DIR`` reads a sweep's written tables and compares.

Modules: :mod:`~churnsim.report.load` (find jobs, read what they wrote), :mod:`~churnsim.report.compare`
(intervals, paired differences, ranking), :mod:`~churnsim.report.series` (curves and counts for the figures),
:mod:`~churnsim.report.figures` (PNGs), :mod:`~churnsim.report.render` (Markdown and HTML) and
:mod:`~churnsim.report.cli` (the command). Analysis reads written tables only: nothing here imports the model.
"""

from churnsim.report.cli import main, write_report

__all__ = ["main", "write_report"]
