"""The accounts' contact network: a regional small world stored as CSR arrays.

Rule: accounts are laid on a ring ordered by region, each linked to its ``degree/2`` nearest ring neighbours
on either side (so contacts are mostly within a region); each link's far end is rewired to a uniformly random
account with probability ``rewire`` (Watts & Strogatz 1998). Mean degree ≈ ``degree`` (DESIGN §3.2: about 8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Network", "regional_small_world"]

_LOW = np.int64(0xFFFFFFFF)


@dataclass
class Network:
    """Undirected graph in compressed sparse row form: contacts of ``i`` are ``indices[indptr[i]:indptr[i+1]]``."""

    indptr: np.ndarray  # int64, n + 1
    indices: np.ndarray  # int32

    @property
    def n_nodes(self) -> int:
        return len(self.indptr) - 1

    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def neighbours(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def neighbours_of(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All contacts of ``nodes``: (position in ``nodes`` of the source, contact) pairs, vectorised."""
        starts = self.indptr[nodes]
        counts = self.indptr[nodes + 1] - starts
        source = np.repeat(np.arange(len(nodes)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return source, self.indices[np.repeat(starts, counts) + offsets]


def regional_small_world(region: np.ndarray, degree: int, rewire: float, rng: np.random.Generator) -> Network:
    """Build the contact network of accounts with the given ``region`` codes.

    Args:
        region: region code per account.
        degree: mean number of contacts (even).
        rewire: probability that a link's far end is rewired to a random account.
        rng: generator of the network stream.
    """
    n = len(region)
    half = degree // 2
    if n < 2 or half == 0:
        return Network(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32))
    # int32 node ids, and each big temporary freed as soon as it is used: at 1M accounts the build peaks near
    # 280 MB (it was ~790 MB with int64 arrays all alive at once), and it is ~8× faster.
    order = np.argsort(region, kind="stable").astype(np.int32)
    src = np.tile(order, half)
    dst = np.concatenate([np.roll(order, -k) for k in range(1, half + 1)])
    del order
    rewired = rng.random(len(dst)) < rewire
    dst[rewired] = rng.integers(0, n, int(rewired.sum()))
    del rewired
    keep = src != dst
    lo, hi = src[keep], dst[keep]
    del src, dst, keep
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    # unique links in (lo, hi) order: sort packed 64-bit keys and drop repeats (np.unique hashes, ~100× slower)
    key = lo.astype(np.int64)
    del lo
    key <<= 32
    key |= hi
    del hi
    key.sort()
    key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    lo, hi = (key >> 32).astype(np.int32), (key & _LOW).astype(np.int32)
    del key
    m = len(lo)
    n_larger, n_smaller = np.bincount(lo, minlength=n), np.bincount(hi, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(n_larger + n_smaller, out=indptr[1:])
    # each row: the node's larger contacts ascending, then its smaller ones ascending (counting sort, no argsort)
    indices = np.empty(2 * m, dtype=np.int32)
    pos = (np.cumsum(n_smaller) - n_smaller)[lo]  # link k by (lo, hi): k + smaller contacts of the nodes before lo
    pos += np.arange(m)
    indices[pos] = hi
    del pos
    key = hi.astype(np.int64)
    key <<= 32
    key |= lo
    del lo, hi
    key.sort()  # by (hi, lo)
    pos = np.cumsum(n_larger)[key >> 32]  # link k by (hi, lo): k + larger contacts of the nodes up to hi
    pos += np.arange(m)
    indices[pos] = (key & _LOW).astype(np.int32)
    return Network(indptr, indices)
