"""The golden run: a fixed configuration whose summary is committed and compared exactly by the regression test.

Refresh after an intended change of behaviour with ``make golden`` (``python -m churnsim.golden PATH``), and say
in the commit why the numbers moved.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from churnsim.core.config import CompetitorsConfig, PoachingConfig, RunConfig, StrategyConfig, SupplierConfig
from churnsim.engine.run import simulate

__all__ = ["golden_config", "golden_summary"]


def golden_config() -> RunConfig:
    """A small market where every mechanism is active: a poaching rival, contracts and a survey."""
    poacher = PoachingConfig(offer_rate_per_month=0.01, offer_discount=0.12, rep_court_rate_per_month=0.02)
    rivals = [SupplierConfig(name="rival_a", initial_share=0.4, poaching=poacher),
              SupplierConfig(name="rival_b", initial_share=0.3)]
    strategy = StrategyConfig("golden", [{"kind": "contracts", "tiers": ["key", "regular"]},
                                         {"kind": "satisfaction_survey"}])
    return RunConfig(seed=20261124, n_accounts=3000, months=36, burn_in_months=12,
                     competitors=CompetitorsConfig("golden", rivals), strategy=strategy)


def golden_summary() -> dict:
    return simulate(golden_config()).summary


def main(argv: list[str] | None = None) -> None:
    path = Path((argv or sys.argv[1:] or ["tests/golden/summary.json"])[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(golden_summary(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
