"""Integration: every shipped config option composes through Hydra and runs at tiny size."""

from __future__ import annotations

from pathlib import Path

import pytest

from churnsim.core.hydra_schemas import load_config
from churnsim.engine.run import simulate

CONF = Path(__file__).parents[1] / "conf"
TINY = ["n_accounts=400", "months=6", "burn_in_months=2"]


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.mark.parametrize("group", ["market", "competitors", "strategy"])
def test_every_option_of_every_group_runs(group):
    # competitor scenarios run long enough for new_entrant's entrant (month 12) to enter
    size = [*TINY[:1], "months=14", *TINY[2:]] if group == "competitors" else TINY
    for option in _options(group):
        cfg = load_config([f"{group}={option}", *size])
        result = simulate(cfg)
        monthly = result.tables["monthly"]
        assert (monthly[group] == getattr(cfg, group).name).all()
        assert result.summary["revenue_total"] > 0


def test_strategies_cost_money_and_baseline_costs_nothing():
    # Under an aggressive poacher, so that the value guarantee has offers to match, and in a price war, so that the
    # price matches have list-price cuts to match: every strategy but baseline costs money in one of them.
    costs = {s: max(simulate(load_config([f"strategy={s}", f"competitors={scenario}", *TINY])).summary["strategy_cost"]
                    for scenario in ("aggressive_poacher", "price_war"))
             for s in _options("strategy")}
    assert costs.pop("baseline") == 0
    assert all(cost > 0 for cost in costs.values()), costs
