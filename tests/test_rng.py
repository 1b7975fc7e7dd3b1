"""Named random streams (churnsim.rng): same key, same draws; any other key, other draws."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from conftest import small_config

import churnsim.model
from churnsim.config import StrategyConfig
from churnsim.model import MarketModel
from churnsim.rng import RandomStreams, run_seed

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
        def generator(self, stream, month=0):
            names.add(stream)
            return super().generator(stream, month)

    monkeypatch.setattr(churnsim.model, "RandomStreams", Logging)
    survey_and_contracts = StrategyConfig("both", [{"kind": "satisfaction_survey", "interval_months": 1},
                                                   {"kind": "contracts"}])
    MarketModel(small_config(n_accounts=300, months=3, burn_in_months=1, strategy=survey_and_contracts)).run()
    assert {"init.accounts", "init.network", "decision.choice", "strategy.contracts.sign"} <= names
    assert len({zlib.crc32(n.encode()) for n in names}) == len(names)


def test_uniform_at_gives_the_full_draws_elements_without_drawing_the_rest():
    streams = RandomStreams(11)
    full = streams.uniform("decision.choice", -4, 20_000)
    picks = np.sort(streams.generator("test.picks").choice(20_000, 300, replace=False))
    for slots in (np.arange(0), np.arange(7), np.arange(500, 2_500), picks, np.r_[0:10, 11, 13:20, 19_990:20_000]):
        np.testing.assert_array_equal(streams.uniform_at("decision.choice", -4, slots), full[slots])
