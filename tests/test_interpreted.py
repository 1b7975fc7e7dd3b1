"""The compiled kernels are their source: a run with ``NUMBA_DISABLE_JIT=1`` (the same Python, interpreted) gives
exactly the run compiled.

The interpreted run happens in a subprocess (numba reads the variable when it is imported) and hands back its
summary, its tables and every account and salesperson array, pickled; the test process runs the same config
compiled and compares them to the bit.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd

OVERRIDES = ["competitors=aggressive_poacher", "strategy=key_account_protection", "n_accounts=400", "months=6",
             "market.wallet.max_suppliers=3",  # share of wallet: 30 % of accounts multi-source
             "burn_in_months=2"]

# Interpreted, the kernels' uint64 hashing (churnsim.core.rng.unit) runs on numpy scalars, which warn when the
# multiplication wraps around as it is meant to (compiled code wraps silently).
_INTERPRETED = f"""
import pickle, sys, warnings
warnings.filterwarnings("ignore", message="overflow encountered", category=RuntimeWarning)
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_interpreted import outcome
with open(sys.argv[1], "wb") as f:
    pickle.dump(outcome(compiled=False), f)
"""


class InterpretedRunFailed(RuntimeError):
    """The run did not complete under ``NUMBA_DISABLE_JIT=1``."""


def outcome(compiled: bool) -> dict:
    """Run :data:`OVERRIDES` as ``churnsim.engine.run.simulate`` does; return what it produced and its state."""
    from numba.core.registry import CPUDispatcher

    from churnsim.core import rng
    from churnsim.core.hydra_schemas import load_config
    from churnsim.engine.model import MarketModel
    from churnsim.engine.plan import make_plan

    assert isinstance(rng.unit, CPUDispatcher) == compiled  # the kernels are compiled, or plain Python functions
    model = MarketModel(make_plan(load_config(OVERRIDES)))  # simulate(cfg), keeping the model to read its state
    result = model.run()
    return {"summary": result.summary, "tables": result.tables, "run_seed": result.run_seed,
            "accounts": {f.name: getattr(model.accounts, f.name) for f in fields(model.accounts)},
            "reps": {f.name: getattr(model.reps, f.name) for f in fields(model.reps)},
            "threat_outcomes": model.threat_outcomes}


def _interpreted(path: Path) -> dict:
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run([sys.executable, "-c", _INTERPRETED, str(path)], env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode:
        raise InterpretedRunFailed(done.stderr[-3000:])
    with open(path, "rb") as f:
        return pickle.load(f)


def test_interpreted_run_is_the_compiled_run(tmp_path):
    interpreted = _interpreted(tmp_path / "interpreted.pkl")
    compiled = outcome(compiled=True)
    assert compiled["summary"]["departures_total"] > 0 and len(compiled["tables"]["events"]) > 0
    assert (compiled["accounts"]["others"] >= 0).any() and compiled["summary"]["revenue_lost_wallet_shifts_keur"] > 0
    np.testing.assert_equal(interpreted["summary"], compiled["summary"])  # NaN equals NaN here
    assert interpreted["run_seed"] == compiled["run_seed"]
    assert interpreted["tables"].keys() == compiled["tables"].keys()
    for name, table in compiled["tables"].items():
        pd.testing.assert_frame_equal(interpreted["tables"][name], table, check_exact=True, obj=name)
    for group in ("accounts", "reps"):
        for name, value in compiled[group].items():
            np.testing.assert_array_equal(interpreted[group][name], value, err_msg=f"{group}.{name}", strict=True)
    np.testing.assert_array_equal(interpreted["threat_outcomes"], compiled["threat_outcomes"], strict=True)
