"""How the mechanisms' per-account loops are compiled: numba, once, cached beside the source.

A mechanism's loop is written once, as plain Python over the active slots, and decorated with :func:`kernel`; that
compiled function is the code that runs (``NUMBA_DISABLE_JIT=1`` runs the very same source interpreted, which is
how ``tests/test_interpreted.py`` checks it). Kernels use arithmetic and comparisons only: ``exp`` and ``log`` of
whole arrays stay in numpy, whose SIMD versions round differently from the C library's, so results never depend on
which of the two computed them.
"""

from __future__ import annotations

from numba import njit

__all__ = ["JIT_OPTIONS", "kernel"]

JIT_OPTIONS = {"cache": True, "nogil": True, "boundscheck": False}


def kernel(function):
    """Compile ``function`` with :data:`JIT_OPTIONS` (a decorator)."""
    return njit(**JIT_OPTIONS)(function)
