"""The best plan under a budget: ``churnsim-optimise`` (issue 15, point 4).

A spec file (``conf/optimise/*.yaml``, format in ``docs/optimise.md``) names the levers (candidate strategy
components, the settings searched and whom they target), the two objectives (mean Δ value against the baseline;
P(loss) or CVaR), the constraints (the budget on the strategy's cost, a retention target), the replicates and seeds,
and the base config. Optuna's NSGA-II searches the plans one generation at a time, every trial scored on the same
replicates (common random numbers, and the same prior draws under ``uncertainty``); the Pareto plans are re-scored
on fresh replicates and written as strategy presets.

Modules: :mod:`~churnsim.optimise.spec` (reading and checking a spec), :mod:`~churnsim.optimise.plans` (search
space ↔ plan), :mod:`~churnsim.optimise.evaluate` (running and scoring plans), :mod:`~churnsim.optimise.search`
(the study: journal, generations), :mod:`~churnsim.optimise.results` (the files written) and
:mod:`~churnsim.optimise.cli` (the command).
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``churnsim-optimise`` (see :mod:`churnsim.optimise.cli`).

    Imported on call, so that importing the package stays cheap (the command brings Optuna, joblib, Hydra and the
    engine).
    """
    from churnsim.optimise.cli import main as cli_main

    cli_main(argv)
