"""The peak-memory estimate that refuses runs too big (churnsim.engine.plan) matches what a run measures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from churnsim.core.config import ConfigError, OutputConfig, RunConfig
from churnsim.engine.plan import available_bytes, estimated_peak_bytes, make_plan

MEMORY = Path(__file__).parents[1] / "benchmarks" / "memory.py"


def test_a_run_that_cannot_fit_is_refused_unless_allowed():
    huge = RunConfig(n_accounts=2_000_000_000)
    if available_bytes() is None:
        pytest.skip("no MemAvailable on this system")
    with pytest.raises(ConfigError, match=r"^n_accounts = 2000000000: this run needs about [\d,.]+ GB of memory"):
        make_plan(huge)
    allowed = RunConfig(n_accounts=2_000_000_000, output=OutputConfig(allow_large=True))
    assert make_plan(allowed).cfg is allowed  # planned; nothing is built before the model is


def test_the_estimate_grows_with_what_a_run_holds():
    base = estimated_peak_bytes(RunConfig(n_accounts=100_000))
    assert estimated_peak_bytes(RunConfig(n_accounts=200_000)) > base
    assert estimated_peak_bytes(RunConfig(n_accounts=100_000, months=120)) > base  # entrants' slots
    clv = RunConfig(n_accounts=100_000, output=OutputConfig(tables=["monthly", "clv_orders"]))
    assert estimated_peak_bytes(clv) > base


@pytest.mark.slow
@pytest.mark.parametrize("accounts, months", [(300_000, 24), (300_000, 60)])
def test_the_estimate_is_within_fifteen_percent_of_the_measured_peak(accounts, months):
    # The model was fitted at 250k-1M accounts × 15-60 months (residuals ≤ 6 %, docs/performance.md); 15 % leaves
    # room for other versions of the libraries, whose own memory is most of the fixed part.
    done = subprocess.run([sys.executable, str(MEMORY), "--case", str(accounts), str(months)], capture_output=True,
                          text=True, timeout=600, check=True)
    measured = json.loads(done.stdout)["peak"] * 2**20
    estimate = estimated_peak_bytes(RunConfig(n_accounts=accounts, months=months))
    assert abs(estimate / measured - 1) < 0.15, (estimate / 1e6, measured / 1e6)
