"""One thread of numerics per worker process of a sweep, so that parallel jobs never oversubscribe the cores.

A sweep's jobs already use every core, one worker process each (``hydra.launcher.n_jobs``); a numeric library
(OpenBLAS, MKL, OpenMP, numexpr, numba) that started a thread per core in each worker too would put
``n_jobs × cores`` threads on the cores. joblib's loky backend, under Hydra's joblib launcher, starts its workers
with these libraries' thread variables set to ``cores // n_jobs`` unless the launching process has them set: 1
with the default ``n_jobs=-1``, more with a smaller ``n_jobs``. :class:`SingleThreadedWorkers` sets them to 1 in
the launching process before any worker starts, so every worker's libraries read 1 when they load, whatever
``n_jobs`` is. A value exported by the user is kept. A single run (no ``-m``) is left as it is, and so is a sweep
whose jobs run in the launching process itself (``hydra/launcher=basic``, or joblib with one job at a time): there
``n_threads`` decides, and numba, whose thread pool is sized when it first starts, refuses to compile anything more
once ``NUMBA_NUM_THREADS`` says another size. The variables are put back as they were when the sweep ends, so a
process that goes on (a test session, an app) keeps the environment its numba started with.
"""

from __future__ import annotations

import os
from typing import Any

import joblib
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

__all__ = ["THREAD_VARIABLES", "SingleThreadedWorkers", "jobs_run_here"]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")
"""The thread-count variables joblib sets in the workers it starts (``ParallelBackendBase.MAX_NUM_THREADS_VARS``)."""


class SingleThreadedWorkers(Callback):
    """Set each of :data:`THREAD_VARIABLES` to 1 while a sweep runs its jobs in worker processes, unless it is
    already set; restore them when the sweep ends."""

    def __init__(self) -> None:
        self._set: list[str] = []

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Runs in the launching process, before the launcher starts any worker."""
        if jobs_run_here(config):
            return
        self._set = [name for name in THREAD_VARIABLES if name not in os.environ]
        for name in self._set:
            os.environ[name] = "1"

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        for name in self._set:
            os.environ.pop(name, None)
        self._set = []


def jobs_run_here(config: DictConfig) -> bool:
    """Whether the sweep's launcher runs its jobs in this process: Hydra's basic launcher, or joblib's with one job
    at a time (joblib then runs them in the calling process)."""
    launcher = OmegaConf.select(config, "hydra.launcher", default=None)
    target = str(launcher.get("_target_", "")) if launcher is not None else ""
    if target.endswith(".BasicLauncher"):
        return True
    if target.endswith(".JoblibLauncher"):
        return joblib.effective_n_jobs(int(launcher.get("n_jobs", -1) or -1)) == 1
    return False
