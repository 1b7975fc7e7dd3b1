"""Named random streams keyed on (run seed, stream name, month): common random numbers by construction.

Every random process draws from its own stream, and the draw of account slot ``i`` in a (stream, month) depends on
nothing but (run seed, stream, month, i): switching a strategy on never shifts the draws of unrelated processes,
and a process that needs the draws of a few slots computes just those (Starsim's design; DESIGN.md §4).

Per-slot draws are **counter-based**: the 64-bit key of a (stream, month) comes from numpy's ``SeedSequence`` of
(run seed, crc32 of the name, month); the draw of slot ``i`` is element ``i`` of the SplitMix64 sequence started
at that key (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA; it passes
TestU01's BigCrush): ``mix64(key + (i + 1)·γ)``, whose top 53 bits make a float64 in [0, 1). That costs a few
integer operations per draw wherever it is needed, so the mechanisms' compiled loops call :func:`unit` and
:func:`gaussian` and draw for the active accounts inside their loops instead of reading
materialised arrays. Keys of different streams start the same Weyl sequence at unrelated points: two of a run's few
thousand (stream, month) keys would overlap within a few million slots with probability ~10⁻⁶.

A Gaussian draw (:func:`gaussian`) inverts the normal distribution at a uniform by linear interpolation in a table
of :data:`NORMAL_CELLS` cells (error below 10⁻⁴ σ inside ±3 σ, 2·10⁻³ σ at ±3.5 σ, truncated at ±4.0 σ):
arithmetic only, so the draws do not depend on a library's ``log`` or ``cos``.

Draws that are not per account slot (building the market, per region) use :meth:`RandomStreams.generator`, one
PCG64 generator per (stream, month).
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri

from churnsim.core.jit import kernel, rule

__all__ = ["GAMMA", "MIX1", "MIX2", "NORMAL_CELLS", "NORMAL_TABLE", "RandomStreams", "gaussian", "gaussians",
           "run_seed", "unit", "units"]

_MONTH_OFFSET = 1 << 20  # months may be negative during burn-in; keys must be non-negative

GAMMA = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment (the golden ratio in 64 bits)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)  # SplitMix64's output mix (Stafford's variant 13)
MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_ONE = np.uint64(1)

NORMAL_CELLS = 1 << 14
# Φ⁻¹ at k / NORMAL_CELLS, the two infinite ends replaced by Φ⁻¹ at half a cell: ±4.01 σ
NORMAL_TABLE = ndtri(np.clip(np.arange(NORMAL_CELLS + 1) / NORMAL_CELLS, 0.5 / NORMAL_CELLS,
                             1 - 0.5 / NORMAL_CELLS))


def run_seed(seed: int, replicate: int) -> int:
    """The seed of one run, derived from a study's root ``seed`` and the ``replicate`` number.

    Strategies do not enter, so replicate ``r`` of every strategy sees the same world (paired comparisons).
    """
    return int(np.random.SeedSequence([int(seed), int(replicate)]).generate_state(1, np.uint64)[0])


@rule
def unit(key, i):
    """The uniform in [0, 1) of slot ``i`` under ``key``: ``mix64(key + (i + 1)·γ)``'s top 53 bits."""
    z = (np.uint64(i) + _ONE) * GAMMA + key
    z = (z ^ (z >> _S30)) * MIX1
    z = (z ^ (z >> _S27)) * MIX2
    z = z ^ (z >> _S31)
    return np.float64(z >> _S11) * _TO_UNIT


@rule
def gaussian(key, i):
    """A standard normal deviate of slot ``i`` under ``key``: :data:`NORMAL_TABLE` interpolated at its uniform."""
    t = unit(key, i) * NORMAL_CELLS
    k = np.int64(t)
    f = t - k
    lo = NORMAL_TABLE[k]
    return lo + f * (NORMAL_TABLE[k + 1] - lo)


@kernel
def units(key, slots):
    """:func:`unit` of each of ``slots`` (float64; element ``j`` belongs to slot ``slots[j]``)."""
    out = np.empty(len(slots))
    for j in range(len(slots)):
        out[j] = unit(key, slots[j])
    return out


@kernel
def gaussians(key, slots):
    """:func:`gaussian` of each of ``slots``."""
    out = np.empty(len(slots))
    for j in range(len(slots)):
        out[j] = gaussian(key, slots[j])
    return out


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
        return units(self.key(stream, month), np.arange(n))

    def uniform_at(self, stream: str, month: int, slots: np.ndarray) -> np.ndarray:
        """The uniforms of ``slots`` only: ``uniform(stream, month, n)[slots]`` without drawing the others."""
        return units(self.key(stream, month), np.asarray(slots, dtype=np.int64))

    def normal_at(self, stream: str, month: int, slots: np.ndarray) -> np.ndarray:
        """Standard normal deviates of ``slots`` (see :func:`gaussian`); slot ``i``'s depends on ``i`` only."""
        return gaussians(self.key(stream, month), np.asarray(slots, dtype=np.int64))
