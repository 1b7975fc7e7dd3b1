"""The regional small-world contact network (churnsim.state.network)."""

from __future__ import annotations

import numpy as np
import pytest

from churnsim.core.rng import RandomStreams
from churnsim.state.network import Network, regional_small_world

N, DEGREE, REGIONS = 4000, 8, 8


def _network(rewire: float, n: int = N, degree: int = DEGREE, seed: int = 0) -> tuple[np.ndarray, Network]:
    region = RandomStreams(seed).generator("test.region").integers(0, REGIONS, n)
    return region, regional_small_world(region, degree, rewire, RandomStreams(seed).generator("test.network"))


def _edges(net: Network) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(np.arange(net.n_nodes), net.degree()), net.indices.astype(np.int64)


def test_mean_degree_is_the_requested_degree():
    _, net = _network(0.1)
    # Each node starts with exactly DEGREE contacts; rewiring only loses links, to self loops (≈ 1/N per rewired
    # link) and to duplicates of an existing contact (≈ DEGREE/N per rewired link). With ~1600 rewired links that
    # is ≈ 4 links, a mean-degree drop of ≈ 0.002; 0.05 leaves ample room yet catches a lost half-ring (−4).
    assert DEGREE - 0.05 <= net.degree().mean() <= DEGREE
    _, ring = _network(0.0)
    np.testing.assert_array_equal(ring.degree(), DEGREE)


def test_contacts_are_symmetric_without_self_loops_or_duplicates():
    _, net = _network(0.3)
    src, dst = _edges(net)
    assert not np.any(src == dst)
    forward = src * N + dst
    assert len(np.unique(forward)) == len(forward)
    np.testing.assert_array_equal(np.sort(forward), np.sort(dst * N + src))
    assert net.indices.dtype == np.int32 and net.indptr[-1] == len(net.indices)


def test_most_contacts_are_within_the_same_region_when_rewiring_is_rare():
    region, net = _network(0.1)
    src, dst = _edges(net)
    same = (region[src] == region[dst]).mean()
    # Expected ≈ 0.9 × 0.995 (ring links, 0.5 % cross a region boundary) + 0.1 / 8 (rewired, random region) ≈ 0.91;
    # its sampling sd over ~32 000 link ends is < 0.01, so 0.85 is far below the expectation.
    assert same > 0.85
    region, random_net = _network(1.0)
    src, dst = _edges(random_net)
    # fully rewired: about 1/8 of contacts share a region (ring ends keep a little more); sd < 0.01
    assert (region[src] == region[dst]).mean() < 0.25


def test_same_generator_state_gives_the_same_network():
    a, b = _network(0.2)[1], _network(0.2)[1]
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, _network(0.2, seed=1)[1].indices)


@pytest.mark.parametrize("n, degree", [(1, 8), (50, 0)])
def test_degenerate_sizes_give_an_empty_network(n, degree):
    _, net = _network(0.1, n=n, degree=degree)
    assert net.n_nodes == n and len(net.indices) == 0


def test_neighbours_of_matches_a_plain_loop():
    _, net = _network(0.5, n=300)
    nodes = np.array([5, 17, 5, 299, 0, 150])  # a repeated node is listed twice
    source, contact = net.neighbours_of(nodes)
    expected_source = [pos for pos, i in enumerate(nodes) for _ in net.neighbours(i)]
    expected_contact = [c for i in nodes for c in net.neighbours(i)]
    np.testing.assert_array_equal(source, expected_source)
    np.testing.assert_array_equal(contact, expected_contact)


def test_neighbours_of_handles_no_nodes_and_isolated_nodes():
    # node 0 isolated; edges 1-2 and 1-3
    net = Network(np.array([0, 0, 2, 3, 4]), np.array([2, 3, 1, 1], dtype=np.int32))
    source, contact = net.neighbours_of(np.zeros(0, dtype=np.int64))
    assert len(source) == len(contact) == 0
    source, contact = net.neighbours_of(np.array([0, 2, 1]))
    np.testing.assert_array_equal(source, [1, 2, 2])
    np.testing.assert_array_equal(contact, [1, 2, 3])
