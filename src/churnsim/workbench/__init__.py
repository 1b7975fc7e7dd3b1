"""The workbench: churnsim in the browser (``churnsim-app``; the ``app`` extra).

Pages (:mod:`~churnsim.workbench.pages`): Compare (:mod:`.compare_page`, replicates run in the background by
:mod:`.runs`, tallied by :mod:`.live` as the report tallies a sweep), Inside a run (:mod:`.inside_page`, Mesa's
SolaraViz on :mod:`.watched`), Open a sweep (:mod:`.sweep_page`, files read through :mod:`churnsim.report`).
:mod:`.levers` says what can be set; :mod:`.figures` draws.
"""

from churnsim.workbench.cli import main

__all__ = ["main"]
