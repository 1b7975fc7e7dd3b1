"""The calibrated preset ``market=fader_hardie_regular`` tracks the published "Regular" cohort curve over 12 years.

The preset was fitted by ``churnsim-calibrate conf/calibration/fader_hardie_regular.yaml`` (seed 0, replicates
0-3). This check runs it on other worlds (seed 1), as a user would compose it (``market=fader_hardie_regular``),
and compares the cohort's survival at the start of years 1-12 with Fader & Hardie (2007), Table 1 (slow tier).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from churnsim.calibrate.objective import measure
from churnsim.core.hydra_schemas import load_config

pytestmark = pytest.mark.slow

REGULAR = Path(__file__).parent / "data" / "fader_hardie_2007_regular.csv"  # copy of shared/data; source in header
REPLICATES = 4


@pytest.fixture(scope="module")
def survival() -> np.ndarray:
    """(replicates, years 0-12) percentage of the month-0 cohort still with the focal firm, as in the calibration."""
    runs = []
    for replicate in range(REPLICATES):
        cfg = load_config(["market=fader_hardie_regular", "n_accounts=8000", "months=144", "burn_in_months=0",
                           "seed=1", f"replicate={replicate}"])
        runs.append(measure(cfg, 12)["survival"])
    return np.vstack(runs)


def test_calibrated_market_tracks_the_regular_cohort_over_12_years(survival):
    observed = pd.read_csv(REGULAR, comment="#")["pct_alive"].to_numpy()
    simulated = survival.mean(axis=0)
    noise = survival.std(axis=0, ddof=1) / np.sqrt(REPLICATES)
    error = np.abs(simulated - observed)
    # ~2,400 customers per cohort: a survival share has a binomial s.e. of at most 1 point per replicate, 0.5 for the
    # mean of four. 1.5 is three times that: an estimate from four replicates only exceeds it by chance about once
    # in 10,000 checks, so this asserts the noise is what the cohort size says, not the luck of a stream.
    assert noise.max() < 1.5
    # Every year within 3 points. On seeds other than the calibration's the fitted curve ends up to ~2 points below
    # the published one in year 12 (the model's curve is not exactly the sBG's shape; seed 1: max 2.0, seed 2:
    # 1.74 when this was written); 3 points is that misfit plus twice the noise of the mean, so a change of random
    # stream passes. The generic B2B market misses year 1 by ~21 points and year 12 by ~5, so this does not pass by
    # accident.
    assert error.max() < 3.0, np.round(simulated, 1)
    # and on average over years 1-12 within 1.5 points (root mean square; 0.8-1.0 when this was written)
    assert np.sqrt(np.mean(error[1:] ** 2)) < 1.5, np.round(simulated, 1)
