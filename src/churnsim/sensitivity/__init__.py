"""Global sensitivity of a run's outcomes to its parameters: ``churnsim-sensitivity`` (Morris and Sobol via SALib).

A spec file (``conf/sensitivity/*.yaml``, format in ``docs/sensitivity.md``) names the method, the parameters as
dotted config paths with bounds, the outcomes (keys of ``summary.json``), the replicates per sample point, the
sample seed and the base config. Every (sample point, replicate) is an ordinary job of a churnsim sweep, made by
the ``hydra/sweeper=sensitivity`` plugin (``src/hydra_plugins/churnsim_sensitivity``), so any launcher, resuming
and failure handling work as for ``churnsim -m``. Replicates estimate the noise, which is reported next to every
index rather than mistaken for sensitivity.

Modules: :mod:`~churnsim.sensitivity.design` (spec, sample, jobs; light enough for Hydra's plugin scan),
:mod:`~churnsim.sensitivity.spec` (reading and checking a spec), :mod:`~churnsim.sensitivity.indices` (indices
and their noise, on arrays), :mod:`~churnsim.sensitivity.analyse` (reading a sweep, writing the results),
:mod:`~churnsim.sensitivity.figures` and :mod:`~churnsim.sensitivity.cli` (the command).
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``churnsim-sensitivity`` (see :mod:`churnsim.sensitivity.cli`).

    Imported on call: the sweeper plugin imports this package on every ``churnsim`` command, and the command's
    modules bring SALib, pandas and matplotlib.
    """
    from churnsim.sensitivity.cli import main as cli_main

    cli_main(argv)
