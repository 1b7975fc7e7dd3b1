"""The accounts' contact network: a regional small world stored as CSR arrays.

Rule: accounts are laid on a ring ordered by region, each linked to its ``degree/2`` nearest ring neighbours
on either side (so contacts are mostly within a region); each link's far end is rewired to a uniformly random
account with probability ``rewire`` (Watts & Strogatz 1998). Mean degree ≈ ``degree`` (DESIGN §3.2: about 8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Network", "regional_small_world"]


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
    order = np.argsort(region, kind="stable")
    pos = np.arange(n)
    src = np.concatenate([order[pos] for _ in range(half)])
    dst = np.concatenate([order[(pos + k) % n] for k in range(1, half + 1)])
    rewired = rng.random(len(dst)) < rewire
    dst[rewired] = rng.integers(0, n, int(rewired.sum()))
    keep = src != dst
    lo, hi = np.minimum(src[keep], dst[keep]), np.maximum(src[keep], dst[keep])
    key = np.unique(lo.astype(np.int64) * n + hi)
    lo, hi = key // n, key % n
    both_src = np.concatenate([lo, hi])
    both_dst = np.concatenate([hi, lo])
    sort = np.argsort(both_src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(both_src, minlength=n), out=indptr[1:])
    return Network(indptr, both_dst[sort].astype(np.int32))
