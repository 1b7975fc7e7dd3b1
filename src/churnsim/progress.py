"""Progress of a sweep: one line per finished job, ``[k/N] strategy=contracts replicate=3 done in 1.20 s``.

A job a resumed sweep finds complete (the job returned :data:`ALREADY_DONE`) prints ``... already done``.

:class:`SweepProgress` is a Hydra callback registered in ``conf/config.yaml`` (``hydra.callbacks``). It prints
nothing for a single run. ``N`` is the number of jobs of the sweep when Hydra's basic sweeper or a subclass of it
(churnsim's own, ``hydra/sweeper=churnsim``) runs it: the product of the sizes of every swept key, from
``hydra.sweeper.params`` and the command line. With another sweeper the line shows ``k`` alone.

A job's line is printed by the process that ran the job: the ``churnsim`` process with Hydra's basic launcher, a
worker process with the joblib launcher (workers write to the same standard output). ``k`` comes from a counter
file in the sweep directory (``.progress``), read, incremented and printed under an exclusive lock, so jobs that
finish at the same moment in parallel workers get distinct numbers and their lines come out whole and in order of
``k``. The file is removed when the sweep ends (it stays when a job failed: Hydra then skips the sweep's end).
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from hydra.utils import get_class
from omegaconf import DictConfig

__all__ = ["ALREADY_DONE", "SweepProgress", "count_jobs"]

_SENSITIVITY = "hydra_plugins.churnsim_sensitivity.sensitivity_sweeper.SensitivitySweeper"

ALREADY_DONE = "already done"
"""What a job returns when its directory already held its complete run (``churnsim.app``): it ran nothing."""

_BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
_COUNTER = ".progress"  # in the sweep directory: how many of the sweep's jobs have finished so far


class SweepProgress(Callback):
    """Print one line per finished job of a multirun: its number, strategy, replicate and wall time."""

    def __init__(self) -> None:
        self.n_jobs: int | None = None
        self._started = 0.0

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Count the sweep's jobs before any starts, and reset the counter of finished ones (launching process)."""
        self.n_jobs = count_jobs(config)
        with contextlib.suppress(OSError):  # an unwritable sweep directory is for the sweeper to report
            _counter_file(config).unlink(missing_ok=True)  # left by an earlier sweep into the same directory

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Remove the counter of finished jobs and say where the sweep is and how to compare it (launching process;
        Hydra skips this when a job failed)."""
        _counter_file(config).unlink(missing_ok=True)
        where = Path(config.hydra.sweep.dir)
        jobs = f"{self.n_jobs} jobs" if self.n_jobs else "its jobs"
        print(f"churnsim: wrote {where} ({jobs}); compare them: churnsim-report {where}", flush=True)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Start the job's clock."""
        self._started = time.perf_counter()

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Print the job's line (multirun only)."""
        if config.hydra.mode != RunMode.MULTIRUN:
            return
        seconds = time.perf_counter() - self._started
        if job_return.status == JobStatus.COMPLETED:
            outcome = ALREADY_DONE if job_return.return_value == ALREADY_DONE else f"done in {seconds:.2f} s"
        else:
            err = job_return._return_value  # the exception; `return_value` would raise it
            outcome = f"FAILED after {seconds:.2f} s: {type(err).__name__}: {err}"
        with _next_count(_counter_file(config)) as done:
            counter = f"{done}/{self.n_jobs}" if self.n_jobs else f"{done}"
            print(f"[{counter}] {_job_label(config)} {outcome}", flush=True)


def count_jobs(config: DictConfig) -> int | None:
    """Number of jobs Hydra's basic sweeper (or a subclass) will launch for ``config``, or None for another sweeper.

    Swept keys come from ``hydra.sweeper.params`` and then the command line (a key given in both is swept as the
    command line says), as in the basic sweeper; glob sweeps over config groups are expanded by Hydra's parser.
    """
    sweeper = config.hydra.sweeper
    params = [f"{key}={value}" for key, value in (sweeper.get("params") or {}).items()]
    try:
        if sweeper.get("_target_") == _SENSITIVITY:
            from churnsim.sensitivity.design import read_design

            return read_design(sweeper.design).n_jobs
        if not _is_basic_sweeper(sweeper.get("_target_")):
            return None
        parser = OverridesParser.create(config_loader=GlobalHydra.instance().config_loader())
        overrides = parser.parse_overrides([*params, *config.hydra.overrides.task])
        sizes = {o.get_key_element(): len(list(o.sweep_string_iterator())) if o.is_sweep_override() else 1
                 for o in overrides}
    except Exception:  # progress is a convenience: never stop a sweep over it
        return None
    return math.prod(sizes.values())


def _is_basic_sweeper(target: str | None) -> bool:
    """Whether the sweeper class at ``target`` is Hydra's basic sweeper or a subclass of it.

    Compared by class path: Hydra's plugin scan runs plugin modules again, so the class objects may differ.
    """
    mro = get_class(target).__mro__ if target else ()
    return any(f"{cls.__module__}.{cls.__qualname__}" == _BASIC_SWEEPER for cls in mro)


def _job_label(config: DictConfig) -> str:
    """``strategy=... replicate=...``, then the scenario groups this job chose on the command line, if any.

    A job of a sensitivity design (``hydra/sweeper=sensitivity``) shows its sampled values instead of the groups.
    """
    label = [f"strategy={config.strategy.name}", f"replicate={config.replicate}"]
    task = [str(o) for o in config.hydra.overrides.task]
    if config.hydra.sweeper.get("_target_") == _SENSITIVITY:
        return " ".join([*label, *_sampled(task)])
    chosen = {o.lstrip("+~").split("=", 1)[0] for o in task}
    label += [f"{group}={config[group].name}" for group in ("competitors", "market") if group in chosen]
    return " ".join(label)


def _sampled(task: list[str]) -> list[str]:
    """The numeric values set on dotted keys (a sensitivity job's sampled parameters), to 4 significant digits."""
    out = []
    for override in task:
        key, _, value = override.partition("=")
        try:
            number = float(value)
        except ValueError:
            continue
        if "." in key and not key.startswith("hydra"):
            out.append(f"{key.rsplit('.', 1)[-1]}={number:.4g}")
    return out


def _counter_file(config: DictConfig) -> Path:
    return Path(config.hydra.sweep.dir) / _COUNTER


@contextmanager
def _next_count(path: Path) -> Iterator[int]:
    """Add one to the count in ``path`` (created at 0) and yield the new count, holding ``path`` locked meanwhile.

    The lock (``flock``, exclusive) is held until the block ends, so what the block prints for this count comes
    out before what another process prints for the next one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o644), "r+", encoding="ascii") as file:
        fcntl.flock(file, fcntl.LOCK_EX)  # released when the file is closed
        count = int(file.read() or 0) + 1
        file.seek(0)
        file.write(f"{count}\n")
        file.truncate()
        file.flush()
        yield count
