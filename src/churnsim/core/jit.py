"""How the mechanisms' per-account loops are compiled: numba, once, cached beside the source; and on how many threads.

A mechanism's loop is written once, as plain Python over the active slots, and decorated with :func:`kernel` (one
thread) or :func:`parallel_kernel` (its ``prange`` loop split over the run's threads); that compiled function is
the code that runs (``NUMBA_DISABLE_JIT=1`` runs the very same source interpreted, which is how
``tests/test_interpreted.py`` checks it).

Results do not depend on the number of threads: a parallel loop only writes each slot's own values (every draw is
a function of (stream, month, slot), :mod:`churnsim.core.rng`), and whatever sums or collects over slots (totals
per supplier, the list of accounts that leave) is done afterwards in slot order, on one thread — except integer
counts, which are exact in any order: those count per :data:`BLOCK` of slots in parallel and then add the blocks.
"""

from __future__ import annotations

import numba
from numba import njit

__all__ = ["BLOCK", "JIT_OPTIONS", "kernel", "parallel_kernel", "rule", "use_threads"]

JIT_OPTIONS = {"cache": True, "nogil": True, "boundscheck": False}

BLOCK = 1 << 16
"""Slots per block of a loop that counts per block and then adds the blocks up (integers: exact in any order), so
that its blocks can run on separate threads; a fixed size, so the work does not depend on the thread count."""


def kernel(function):
    """Compile ``function`` with :data:`JIT_OPTIONS`, to run on the calling thread (a decorator)."""
    return njit(**JIT_OPTIONS)(function)


def rule(function):
    """Compile ``function``, a per-account rule that loops call, to be inlined where it is called (a decorator).

    Inlined (numba's ``inline="always"``), a rule that takes the account table's arrays costs what its arithmetic
    costs; called, every array argument would be counted in and out of the call (atomic reference counts).
    """
    return njit(inline="always", **JIT_OPTIONS)(function)


def parallel_kernel(function):
    """Compile ``function`` with :data:`JIT_OPTIONS`, its ``numba.prange`` loops split over threads (a decorator)."""
    return njit(parallel=True, **JIT_OPTIONS)(function)


def use_threads(n_threads: int) -> int:
    """Run the parallel kernels called from this thread on ``n_threads`` threads (0: all numba may use, which is
    every core unless ``NUMBA_NUM_THREADS`` says fewer, as in a sweep's workers); return how many."""
    most = numba.config.NUMBA_NUM_THREADS
    n = most if n_threads == 0 else min(n_threads, most)
    numba.set_num_threads(n)
    return n
