"""One run on several threads gives the very numbers it gives on one (``n_threads``; churnsim.core.jit)."""

from __future__ import annotations

from dataclasses import fields

import numba
import numpy as np
import pandas as pd
import pytest

from churnsim.core.hydra_schemas import load_config
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan

pytestmark = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs at least two threads")

# A busy market: offers, contract ends, threats, rep departures, exits and entrants, strategies setting terms.
BUSY = ["competitors=aggressive_poacher", "strategy=key_account_protection", "n_accounts=6000", "months=18",
        "burn_in_months=6"]


def _run(n_threads: int) -> tuple[MarketModel, object]:
    model = MarketModel(make_plan(load_config([*BUSY, f"n_threads={n_threads}"])))
    return model, model.run()


def test_results_are_bit_identical_for_any_number_of_threads():
    (one, base), *others = (_run(n) for n in (1, 2, 0))
    assert base.summary["departures_total"] > 500  # busy enough that every parallel loop has work
    for model, result in others:
        assert result.summary == base.summary
        for name, table in base.tables.items():
            pd.testing.assert_frame_equal(result.tables[name], table, check_exact=True, obj=name)
        for column in fields(one.accounts):  # every state array, not only what reaches the tables
            np.testing.assert_array_equal(getattr(model.accounts, column.name), getattr(one.accounts, column.name),
                                          err_msg=column.name)


def test_a_run_uses_the_threads_it_asks_for():
    model = MarketModel(make_plan(load_config([*BUSY[:2], "n_accounts=500", "months=1", "burn_in_months=0",
                                               "n_threads=2"])))
    model.step()
    assert numba.get_num_threads() == 2
    model.cfg.n_threads = 0  # all that numba may use
    model.step()
    assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS
