"""Named random streams keyed on (run seed, stream name, month): common random numbers by construction.

Every random process draws from its own stream, and the draw of account slot ``i`` in a (stream, month) depends on
nothing but (run seed, stream, month, i): switching a strategy on never shifts the draws of unrelated processes,
and a process that needs the draws of a few slots computes just those (Starsim's design; DESIGN.md §4).

Per-slot draws are **counter-based**: the 64-bit key of a (stream, month) comes from numpy's ``SeedSequence`` of
(run seed, crc32 of the name, month); the draw of slot ``i`` is element ``i`` of the SplitMix64 sequence started
at that key (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA; it passes
TestU01's BigCrush): ``mix64(key + (i + 1)·γ)``, whose top 53 bits make a float64 in [0, 1). That costs a few
integer operations per draw wherever it is needed, so the compiled kernels (:mod:`churnsim.kernels`, which restate
:func:`unit` and :func:`gaussian` exactly) draw for the active accounts inside their loops instead of reading
materialised arrays. Keys of different streams start the same Weyl sequence at unrelated points: two of a run's few
thousand (stream, month) keys would overlap within a few million slots with probability ~10⁻⁶.

A Gaussian draw (:func:`gaussian`) inverts the normal distribution at a uniform by linear interpolation in a table
of :data:`NORMAL_CELLS` cells (error below 10⁻⁴ σ inside ±3 σ, 2·10⁻³ σ at ±3.5 σ, truncated at ±4.0 σ):
arithmetic only, so numpy and the kernels agree to the bit, where a library ``log`` or ``cos`` would not.

Draws that are not per account slot (building the market, per region) use :meth:`RandomStreams.generator`, one
PCG64 generator per (stream, month).
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri

__all__ = ["GAMMA", "MIX1", "MIX2", "NORMAL_CELLS", "NORMAL_TABLE", "RandomStreams", "gaussian", "run_seed",
           "unit"]

_MONTH_OFFSET = 1 << 20  # months may be negative during burn-in; keys must be non-negative

GAMMA = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment (the golden ratio in 64 bits)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)  # SplitMix64's output mix (Stafford's variant 13)
MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53

NORMAL_CELLS = 1 << 14
# Φ⁻¹ at k / NORMAL_CELLS, the two infinite ends replaced by Φ⁻¹ at half a cell: ±4.01 σ
NORMAL_TABLE = ndtri(np.clip(np.arange(NORMAL_CELLS + 1) / NORMAL_CELLS, 0.5 / NORMAL_CELLS,
                             1 - 0.5 / NORMAL_CELLS))


def run_seed(seed: int, replicate: int) -> int:
    """The seed of one run, derived from a study's root ``seed`` and the ``replicate`` number.

    Strategies do not enter, so replicate ``r`` of every strategy sees the same world (paired comparisons).
    """
    return int(np.random.SeedSequence([int(seed), int(replicate)]).generate_state(1, np.uint64)[0])


def unit(key: np.uint64, slots: np.ndarray) -> np.ndarray:
    """The uniforms in [0, 1) of ``slots`` under ``key`` (float64; element ``j`` belongs to slot ``slots[j]``)."""
    with np.errstate(over="ignore"):
        z = np.asarray(slots, dtype=np.uint64) + np.uint64(1)
        z *= GAMMA
        z += key
        z ^= z >> np.uint64(30)
        z *= MIX1
        z ^= z >> np.uint64(27)
        z *= MIX2
        z ^= z >> np.uint64(31)
    z >>= np.uint64(11)
    return z.astype(np.float64) * _TO_UNIT


def gaussian(u: np.ndarray) -> np.ndarray:
    """Standard normal deviates from uniforms ``u`` in [0, 1): interpolated in :data:`NORMAL_TABLE`."""
    t = u * NORMAL_CELLS
    k = t.astype(np.int64)
    f = t - k
    lo = NORMAL_TABLE[k]
    return lo + f * (NORMAL_TABLE[k + 1] - lo)


class RandomStreams:
    """Independent draws, one sequence per (stream name, month), all derived from one run seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def _entropy(self, stream: str, month: int) -> list[int]:
        return [self.seed, zlib.crc32(stream.encode()), int(month) + _MONTH_OFFSET]

    def generator(self, stream: str, month: int = 0) -> np.random.Generator:
        """A PCG64 generator for ``stream`` in ``month``; the same arguments always give the same draws."""
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self._entropy(stream, month))))

    def key(self, stream: str, month: int) -> np.uint64:
        """The counter key of ``stream`` in ``month``: what the kernels take to draw slot ``i`` (:func:`unit`)."""
        return np.random.SeedSequence(self._entropy(stream, month)).generate_state(1, np.uint64)[0]

    def uniform(self, stream: str, month: int, n: int) -> np.ndarray:
        """``n`` uniforms in [0, 1) as float64: element ``i`` belongs to slot ``i``."""
        return unit(self.key(stream, month), np.arange(n))

    def uniform_at(self, stream: str, month: int, slots: np.ndarray) -> np.ndarray:
        """The uniforms of ``slots`` only: ``uniform(stream, month, n)[slots]`` without drawing the others."""
        return unit(self.key(stream, month), slots)

    def normal_at(self, stream: str, month: int, slots: np.ndarray) -> np.ndarray:
        """Standard normal deviates of ``slots`` (see :func:`gaussian`); slot ``i``'s depends on ``i`` only."""
        return gaussian(self.uniform_at(stream, month, slots))
