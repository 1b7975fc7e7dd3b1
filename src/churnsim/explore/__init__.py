"""Stress tests and scenario discovery: ``churnsim-explore`` (issue 15, point 3).

A spec (``conf/explore/*.yaml``) names strategies, ranges of scenario and assumption parameters, and targets.
``churnsim-explore SPEC --out DIR`` runs every strategy at each point of a Latin hypercube over the ranges (common
random numbers across strategies) as an ordinary churnsim sweep through the ``design`` sweeper, so any Hydra
launcher, resuming and failure handling work as for ``churnsim -m``; then it writes ``experiments.parquet``,
``robustness.csv`` (expected value, probability of loss, regret, satisficing) and ``discovery.csv`` (PRIM and CART
boxes, from EMA Workbench, of where each strategy does worse than the reference), with figures and ``summary.md``.

Modules: :mod:`~churnsim.explore.design` (spec, hypercube, jobs; light enough for Hydra's plugin scan),
:mod:`~churnsim.explore.spec` (reading and checking a spec), :mod:`~churnsim.explore.discovery` (PRIM and CART
through either EMA Workbench API), :mod:`~churnsim.explore.analyse` (reading the runs, writing the results),
:mod:`~churnsim.explore.figures` and :mod:`~churnsim.explore.cli` (the command).
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``churnsim-explore`` (see :mod:`churnsim.explore.cli`); imported on call."""
    from churnsim.explore.cli import main as cli_main

    cli_main(argv)
