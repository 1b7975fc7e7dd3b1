"""The compiled kernels (churnsim.kernels) give exactly the numpy path's results, table for table."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from churnsim import kernels
from churnsim.core.hydra_schemas import load_config
from churnsim.engine.model import MarketModel

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is not installed")

# Busy markets, so every kernel branch runs: poaching offers, contracts ending, discounts and promotions, threats,
# parallel trading (margin hit), an entrant, rep departures, contractions and exits, strategies setting terms.
CASES = [
    [],
    ["competitors=aggressive_poacher", "strategy=key_account_protection"],
    ["market=home_appliances", "competitors=price_war", "strategy=communication_alignment_guarantees"],
    ["competitors=new_entrant", "strategy=at_risk_rescue", "seed=3"],
    ["market=food_beverage_distribution", "competitors=online_channel", "strategy=people_first", "replicate=2"],
]


@pytest.mark.parametrize("overrides", CASES, ids=lambda o: ",".join(o) or "defaults")
def test_kernels_and_numpy_path_give_identical_tables(overrides):
    cfg = load_config([*overrides, "n_accounts=2500", "months=24", "burn_in_months=6"])
    models = [MarketModel(cfg, kernels=k) for k in (True, False)]
    fast, plain = (model.run() for model in models)
    assert fast.summary["departures_total"] > 100  # the market is busy enough to exercise the kernels
    for column in fields(models[0].accounts):  # every state array, not only what reaches the tables
        np.testing.assert_array_equal(*(getattr(m.accounts, column.name) for m in models), err_msg=column.name)
    for name in plain.tables:
        pd.testing.assert_frame_equal(fast.tables[name], plain.tables[name], check_exact=True, obj=name)
    assert fast.summary == plain.summary


def test_kernels_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("CHURNSIM_KERNELS", "0")
    assert not kernels.wanted()
    assert kernels.wanted(True)
    monkeypatch.setenv("CHURNSIM_KERNELS", "1")
    assert kernels.wanted() and not kernels.wanted(False)
