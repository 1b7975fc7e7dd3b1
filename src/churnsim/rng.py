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

    def uniform_at(self, stream: str, month: int, slots: np.ndarray) -> np.ndarray:
        """Elements ``slots`` (ascending, distinct) of ``uniform(stream, month, n)``, skipping the others.

        The generator jumps over the slots in between (``advance``: each double uses one 64-bit output), so a few
        runs of slots cost microseconds whatever their position; the values are the same as the full draw's.
        """
        slots = np.asarray(slots, dtype=np.int64)
        out = np.empty(len(slots))
        gen, done = self.generator(stream, month), 0
        starts = np.flatnonzero(np.diff(slots, prepend=-2) != 1)  # first position of each run of consecutive slots
        for start, stop in zip(starts, [*starts[1:], len(slots)], strict=False):  # (no runs when no slots)
            gen.bit_generator.advance(int(slots[start]) - done)
            out[start:stop] = gen.random(stop - start)
            done = int(slots[start] + stop - start)
        return out
