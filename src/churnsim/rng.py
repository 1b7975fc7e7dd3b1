"""Named random streams keyed on (run seed, stream name, month): common random numbers by construction.

Every random process draws from its own stream, and every draw of a month is a full-length vector over the
account table, so account slot ``i`` always uses element ``i`` of that month's draw. Switching a strategy on
therefore never shifts the draws of unrelated processes (Starsim's design; DESIGN.md §4).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["RandomStreams", "run_seed"]

_MONTH_OFFSET = 1 << 20  # months may be negative during burn-in; keys must be non-negative


def run_seed(seed: int, replicate: int) -> int:
    """The seed of one run, derived from a study's root ``seed`` and the ``replicate`` number.

    Strategies do not enter, so replicate ``r`` of every strategy sees the same world (paired comparisons).
    """
    return int(np.random.SeedSequence([int(seed), int(replicate)]).generate_state(1, np.uint64)[0])


class RandomStreams:
    """Independent generators, one per (stream name, month), all derived from one run seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def generator(self, stream: str, month: int = 0) -> np.random.Generator:
        """The generator of ``stream`` in ``month``; the same arguments always give the same draws."""
        key = [self.seed, zlib.crc32(stream.encode()), int(month) + _MONTH_OFFSET]
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))

    def uniform(self, stream: str, month: int, n: int) -> np.ndarray:
        """``n`` uniforms in [0, 1) as float64: element ``i`` belongs to account slot ``i``."""
        return self.generator(stream, month).random(n)
