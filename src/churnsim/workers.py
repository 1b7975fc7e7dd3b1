"""One thread of numerics per worker process of a sweep, so that parallel jobs never oversubscribe the cores.

A sweep's jobs already use every core, one worker process each (``hydra.launcher.n_jobs``); a numeric library
(OpenBLAS, MKL, OpenMP, numexpr, numba) that started a thread per core in each worker too would put
``n_jobs × cores`` threads on the cores. joblib's loky backend, under Hydra's joblib launcher, starts its workers
with these libraries' thread variables set to ``cores // n_jobs`` unless the launching process has them set: 1
with the default ``n_jobs=-1``, more with a smaller ``n_jobs``. :class:`SingleThreadedWorkers` sets them to 1 in
the launching process before any worker starts, so every worker's libraries read 1 when they load, whatever
``n_jobs`` is. A value exported by the user is kept. A single run (no ``-m``) is left as it is.
"""

from __future__ import annotations

import os
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

__all__ = ["THREAD_VARIABLES", "SingleThreadedWorkers"]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")
"""The thread-count variables joblib sets in the workers it starts (``ParallelBackendBase.MAX_NUM_THREADS_VARS``)."""


class SingleThreadedWorkers(Callback):
    """Set each of :data:`THREAD_VARIABLES` to 1 at the start of a sweep, unless it is already set."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Runs in the launching process, before the launcher starts any worker."""
        for name in THREAD_VARIABLES:
            os.environ.setdefault(name, "1")
