"""Progress of a sweep: one line per finished job, ``[k/N] strategy=contracts replicate=3 done in 1.20 s``.

:class:`SweepProgress` is a Hydra callback registered in ``conf/config.yaml`` (``hydra.callbacks``). It prints
nothing for a single run. ``N`` is the number of jobs of the sweep when Hydra's basic sweeper runs it (the product
of the sizes of every swept key, from ``hydra.sweeper.params`` and the command line); with another sweeper the
line shows ``k`` alone. ``k`` counts the job directories of the sweep that hold a finished run (``summary.json``)
or a failed one (``error.txt``), so it stays right when a launcher runs jobs in parallel processes.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

__all__ = ["SweepProgress", "count_jobs"]

_BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
_FINISHED = ("summary.json", "error.txt")


class SweepProgress(Callback):
    """Print one line per finished job of a multirun: its number, strategy, replicate and wall time."""

    def __init__(self) -> None:
        self.n_jobs: int | None = None
        self._started = 0.0

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Count the sweep's jobs before any starts (runs in the launching process)."""
        self.n_jobs = count_jobs(config)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Start the job's clock."""
        self._started = time.perf_counter()

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Print the job's line (multirun only)."""
        if config.hydra.mode != RunMode.MULTIRUN:
            return
        seconds = time.perf_counter() - self._started
        done = _finished_jobs(Path(config.hydra.sweep.dir), Path(config.hydra.runtime.output_dir))
        counter = f"{done}/{self.n_jobs}" if self.n_jobs else f"{done}"
        if job_return.status == JobStatus.COMPLETED:
            outcome = f"done in {seconds:.2f} s"
        else:
            err = job_return._return_value  # the exception; `return_value` would raise it
            outcome = f"FAILED after {seconds:.2f} s: {type(err).__name__}: {err}"
        print(f"[{counter}] {_job_label(config)} {outcome}", flush=True)


def count_jobs(config: DictConfig) -> int | None:
    """Number of jobs Hydra's basic sweeper will launch for ``config``, or None if another sweeper runs it.

    Swept keys come from ``hydra.sweeper.params`` and then the command line (a key given in both is swept as the
    command line says), as in the basic sweeper; glob sweeps over config groups are expanded by Hydra's parser.
    """
    sweeper = config.hydra.sweeper
    if sweeper.get("_target_") != _BASIC_SWEEPER:
        return None
    params = [f"{key}={value}" for key, value in (sweeper.get("params") or {}).items()]
    try:
        parser = OverridesParser.create(config_loader=GlobalHydra.instance().config_loader())
        overrides = parser.parse_overrides([*params, *config.hydra.overrides.task])
        sizes = {o.get_key_element(): len(list(o.sweep_string_iterator())) if o.is_sweep_override() else 1
                 for o in overrides}
    except Exception:  # progress is a convenience: never stop a sweep over it
        return None
    return math.prod(sizes.values())


def _job_label(config: DictConfig) -> str:
    """``strategy=... replicate=...``, then the scenario groups this job chose on the command line, if any."""
    label = [f"strategy={config.strategy.name}", f"replicate={config.replicate}"]
    chosen = {str(o).lstrip("+~").split("=", 1)[0] for o in config.hydra.overrides.task}
    label += [f"{group}={config[group].name}" for group in ("competitors", "market") if group in chosen]
    return " ".join(label)


def _finished_jobs(sweep_dir: Path, job_dir: Path) -> int:
    """Job directories under ``sweep_dir`` (at ``job_dir``'s depth) that hold a finished or failed run."""
    try:
        depth = len(job_dir.resolve().relative_to(sweep_dir.resolve()).parts)
    except ValueError:
        depth = 1
    pattern = "/".join(["*"] * depth)
    return sum(any((d / name).exists() for name in _FINISHED) for d in sweep_dir.glob(pattern) if d.is_dir())
