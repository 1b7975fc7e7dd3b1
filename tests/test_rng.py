"""Named random streams (churnsim.core.rng): same key, same draws; any other key, other draws."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from conftest import small_config
from scipy.special import ndtr, ndtri

import churnsim.engine.model
from churnsim.core.config import StrategyConfig
from churnsim.core.rng import NORMAL_CELLS, NORMAL_TABLE, RandomStreams, run_seed, units
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan

N = 1000


def test_same_stream_and_month_give_identical_draws_in_a_fresh_object():
    a, b = RandomStreams(42), RandomStreams(42)
    np.testing.assert_array_equal(a.uniform("delivery.quality", 3, N), b.uniform("delivery.quality", 3, N))
    np.testing.assert_array_equal(a.generator("init.network", 0).standard_normal(N),
                                  b.generator("init.network", 0).standard_normal(N))


def test_draws_do_not_depend_on_what_was_drawn_before():
    streams = RandomStreams(7)
    first = streams.uniform("decision.choice", 5, N)
    streams.uniform("decision.consider", 5, N)
    streams.uniform("decision.choice", 6, N)
    np.testing.assert_array_equal(streams.uniform("decision.choice", 5, N), first)


@pytest.mark.parametrize("other", [("decision.choice", 5), ("decision.consider", 4), ("decision.consider", -5),
                                   ("decision.consider", 0)])
def test_another_stream_name_or_month_gives_other_draws(other):
    streams = RandomStreams(7)
    base = streams.uniform("decision.consider", 5, N)
    draws = streams.uniform(*other, N)
    assert not np.array_equal(base, draws)
    # Independent uniforms have correlation ~ N(0, 1/N); 5 standard errors would be exceeded by chance with
    # probability < 1e-6, while a shared or shifted sequence would show correlation near 1.
    assert abs(np.corrcoef(base, draws)[0, 1]) < 5 / np.sqrt(N)


def test_burn_in_months_are_valid_keys_distinct_from_reported_months():
    streams = RandomStreams(1)
    draws = {m: streams.uniform("environment.event", m, 50) for m in (-24, -1, 0, 1, 24)}
    assert len({d.tobytes() for d in draws.values()}) == len(draws)


def test_another_run_seed_gives_other_draws():
    assert not np.array_equal(RandomStreams(1).uniform("s", 0, N), RandomStreams(2).uniform("s", 0, N))


def test_uniform_is_one_float64_in_unit_interval_per_slot_and_prefix_stable():
    u = RandomStreams(3).uniform("s", 2, 10 * N)
    assert u.dtype == np.float64 and u.shape == (10 * N,)
    assert u.min() >= 0.0 and u.max() < 1.0
    # element i belongs to slot i: a shorter table sees the same first draws
    np.testing.assert_array_equal(RandomStreams(3).uniform("s", 2, N), u[:N])


def test_run_seed_is_deterministic_and_differs_by_replicate_and_root_seed():
    assert run_seed(0, 0) == run_seed(0, 0)
    seeds = {run_seed(s, r) for s in range(3) for r in range(5)}
    assert len(seeds) == 15
    assert all(isinstance(s, int) and 0 <= s < 2**64 for s in seeds)


def test_every_stream_the_model_uses_has_its_own_key(monkeypatch):
    """Streams are keyed by crc32 of their name: two names with the same crc32 would silently share draws."""
    names: set[str] = set()

    class Logging(RandomStreams):
        def _entropy(self, stream, month):
            names.add(stream)
            return super()._entropy(stream, month)

    monkeypatch.setattr(churnsim.engine.model, "RandomStreams", Logging)
    survey_and_contracts = StrategyConfig("both", [{"kind": "satisfaction_survey", "interval_months": 1},
                                                   {"kind": "contracts"}])
    cfg = small_config(n_accounts=300, months=3, burn_in_months=1, strategy=survey_and_contracts)
    MarketModel(make_plan(cfg)).run()
    assert {"init.accounts", "init.network", "decision.choice", "strategy.contracts.sign"} <= names
    assert len({zlib.crc32(n.encode()) for n in names}) == len(names)


def test_uniform_at_gives_the_full_draws_elements_without_drawing_the_rest():
    streams = RandomStreams(11)
    full = streams.uniform("decision.choice", -4, 20_000)
    picks = np.sort(streams.generator("test.picks").choice(20_000, 300, replace=False))
    for slots in (np.arange(0), np.arange(7), np.arange(500, 2_500), picks, np.r_[0:10, 11, 13:20, 19_990:20_000]):
        np.testing.assert_array_equal(streams.uniform_at("decision.choice", -4, slots), full[slots])


# ---- the counter-based draws ---------------------------------------------------------------------------------

def test_splitmix64_matches_its_reference_output():
    # The first outputs of SplitMix64 (Vigna's splitmix64.c) seeded with 1234567, as published with Rosetta Code's
    # "Pseudo-random numbers/Splitmix64" task: element i of the stream at key k is mix64(k + (i + 1)·γ).
    z = np.uint64(1234567)
    expected = [6457827717110365317, 3203168211198807973, 9817491932198370423]
    got = units(z, np.arange(3))
    np.testing.assert_array_equal(got, (np.array(expected, dtype=np.uint64) >> np.uint64(11)) * 2.0**-53)


def test_uniforms_are_uniform_and_unrelated_across_slots_streams_and_months():
    n = 1 << 20
    streams = RandomStreams(2024)
    u = streams.uniform("delivery.quality", 7, n)
    # 1,000 equal bins, ~1,049 draws each: the chi-square statistic (999 degrees of freedom, sd ≈ 44.7) stays
    # below mean + 5 sd unless the draws are not uniform (by chance: probability < 1e-6).
    counts = np.bincount((u * 1000).astype(int), minlength=1000)
    expected = n / 1000
    assert ((counts - expected) ** 2 / expected).sum() < 999 + 5 * np.sqrt(2 * 999)
    # neighbouring slots, the next month, and another stream: correlation ~ N(0, 1/n); 5 standard errors
    for other in (u[1:], streams.uniform("delivery.quality", 8, n), streams.uniform("delivery.logistics", 7, n)):
        m = min(len(other), n - 1)
        assert abs(np.corrcoef(u[:m], other[:m])[0, 1]) < 5 / np.sqrt(m)


def test_gaussian_draws_follow_the_normal_quantiles_truncated_at_four_sd():
    g = RandomStreams(5).normal_at("satisfaction.report", 3, np.arange(1 << 20))
    # mean and sd of 2^20 deviates: standard errors 0.001 and 0.0007; 5 of them
    assert abs(g.mean()) < 0.005 and abs(g.std() - 1) < 0.0035
    assert -4.02 < g.min() and g.max() < 4.02
    # the table itself, against scipy's Φ⁻¹: linear interpolation errs by h²/8 · |Φ⁻¹''| (h = 2⁻¹⁴), which is
    # 7e-5 σ at 3 σ and 2e-3 σ at 3.5 σ (as the rng docstring says)
    for within, error in ((3.0, 1e-4), (3.5, 2e-3)):
        u = np.linspace(ndtr(-within), ndtr(within), 100_001)
        table = np.interp(u * NORMAL_CELLS, np.arange(NORMAL_CELLS + 1), NORMAL_TABLE)  # what gaussian() computes
        assert np.abs(table - ndtri(u)).max() < error
