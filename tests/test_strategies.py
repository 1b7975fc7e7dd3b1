"""Retention-strategy components (churnsim.strategies): validation at the door, and each component's rule.

Component behaviour is checked inside a small real market: a spy around ``MarketModel.strategies_act`` records the
account table just before and just after the strategies act each month, and the month's strategy cost; the test
then recomputes, from the component's own random stream, what the rule says should have happened.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from churnsim.core.codes import NO_CONTRACT, TIERS
from churnsim.core.config import ConfigError, RunConfig, StrategyConfig
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan
from churnsim.mechanisms.pricing import shares_off_of
from churnsim.strategies import REGISTRY, build_components
from churnsim.strategies.contracts import Contracts
from churnsim.strategies.survey import SatisfactionSurvey

# ---- building components from config -------------------------------------------------------------------------


def _error(specs: list) -> str:
    with pytest.raises(ConfigError) as err:
        build_components(specs)
    return str(err.value)


def test_every_registered_component_is_shipped_in_a_strategy_config():
    import yaml

    conf = Path(__file__).parents[1] / "conf" / "strategy"
    used = {c["kind"] for f in conf.glob("*.yaml") for c in yaml.safe_load(f.read_text())["components"]}
    assert REGISTRY["contracts"] is Contracts and REGISTRY["satisfaction_survey"] is SatisfactionSurvey
    assert used == set(REGISTRY)


def test_valid_specs_build_components_with_their_parameters():
    survey, contracts = build_components([
        {"kind": "satisfaction_survey", "interval_months": 1, "sample_share": 1, "tiers": ["key"]},
        {"kind": "contracts", "term_months": 12, "discount": 0.05}])
    assert isinstance(survey, SatisfactionSurvey) and isinstance(contracts, Contracts)
    assert (survey.interval_months, survey.tiers, contracts.term_months, contracts.discount) == (1, ["key"], 12, 0.05)
    assert isinstance(survey.sample_share, float)  # an integer is accepted for a float parameter
    assert contracts.p_renew == Contracts().p_renew  # the rest keep their defaults
    assert build_components([]) == []


def test_unknown_kind_lists_the_allowed_kinds():
    message = _error([{"kind": "contracts"}, {"kind": "loyalty_points"}])
    assert "strategy.components[1].kind" in message and "loyalty_points" in message
    assert "contracts" in message and "satisfaction_survey" in message


@pytest.mark.parametrize("spec", [{"term_months": 12}, "contracts", None])
def test_a_spec_without_a_kind_is_rejected(spec):
    message = _error([spec])
    assert "strategy.components[0]" in message and "kind" in message


def test_unknown_parameter_names_the_field_and_the_allowed_ones():
    message = _error([{"kind": "contracts", "term": 12}])
    assert "strategy.components[0].term" in message and "term_months" in message


@pytest.mark.parametrize("field, value", [("term_months", 2.5), ("term_months", "12"), ("term_months", True),
                                          ("discount", "2%"), ("discount", None), ("tiers", "key"),
                                          ("tiers", [["key"]])])
def test_wrong_type_names_the_field(field, value):
    message = _error([{"kind": "contracts", field: value}])
    assert f"strategy.components[0].{field}" in message


def test_a_kind_of_the_wrong_type_is_a_config_error():
    message = _error([{"kind": ["contracts"]}])
    assert "strategy.components[0].kind" in message


@pytest.mark.parametrize("kind, field, value", [("satisfaction_survey", "sample_share", 1.5),
                                                ("satisfaction_survey", "followup_levels", 6),
                                                ("satisfaction_survey", "interval_months", 0),
                                                ("contracts", "term_months", 0),
                                                ("contracts", "cost_per_action", -0.1),
                                                ("contracts", "discount", float("nan"))])
def test_out_of_range_value_names_the_field_and_what_is_allowed(kind, field, value):
    message = _error([{"kind": kind, field: value}])
    assert f"strategy.components[0].{field} = " in message and "must be" in message


def test_unknown_tier_names_it_and_the_allowed_tiers():
    message = _error([{"kind": "satisfaction_survey", "tiers": ["key", "vip"]}])
    assert "strategy.components[0].tiers" in message and "vip" in message
    assert all(t in message for t in TIERS)


def test_the_path_prefix_is_the_callers():
    with pytest.raises(ConfigError, match=r"^custom\[0\]\.kind"):
        build_components([{"kind": "nope"}], path="custom")


# ---- components in a small market ----------------------------------------------------------------------------

_WATCHED = ("active", "supplier", "tier", "reported", "at_risk", "complaint_weight", "mem", "contract_end",
            "exit_penalty_months", "discount", "contract_discount")


def _snapshot(model: MarketModel) -> dict[str, np.ndarray]:
    acc = model.accounts
    return {name: (acc.active() if name == "active" else getattr(acc, name)).copy() for name in _WATCHED}


def _run(*components: dict, start_month: int = -2) -> tuple[MarketModel, dict[int, tuple[dict, dict, float]]]:
    """Run a small market; return it and, per month, (table before, table after, strategy cost of the focal).

    The strategy runs from the first month of burn-in (``start_month=-2``) unless told otherwise.
    """
    strategy = StrategyConfig("test", list(components), start_month=start_month)
    cfg = RunConfig(n_accounts=500, months=6, burn_in_months=2, strategy=strategy)
    model = MarketModel(make_plan(cfg))
    records = {}
    original = model.strategies_act

    def spy() -> None:
        before = _snapshot(model)
        original()
        records[model.month] = (before, _snapshot(model), float(model.recorder.month_strategy_cost[0]))

    model.strategies_act = spy
    model.run()
    assert sorted(records) == list(range(-2, 6))
    return model, records


def _covered(state: dict, tiers: list[str]) -> np.ndarray:
    return state["active"] & (state["supplier"] == 0) & np.isin(state["tier"], [TIERS.index(t) for t in tiers])


SURVEY = {"kind": "satisfaction_survey", "interval_months": 2, "sample_share": 0.8, "followup_levels": 3,
          "p_fix": 0.6, "recovery": 0.15, "cost_fixed_per_month": 1.5, "cost_per_account_month": 0.01,
          "cost_per_response": 0.02, "cost_per_action": 0.3}


def _survey_draws(model: MarketModel, month: int, purpose: str) -> np.ndarray:
    return model.streams.uniform(f"strategy.satisfaction_survey.{purpose}", month, model.accounts.capacity)


@pytest.fixture(scope="module")
def survey_run():
    return _run(SURVEY)


def test_survey_acts_only_in_survey_months_and_costs_what_the_rule_says(survey_run):
    model, records = survey_run
    waves = 0
    for month, (before, after, cost) in records.items():
        covered = _covered(before, TIERS)
        expected = 1.5 + 0.01 * covered.sum()
        if month % 2 == 0:
            asked = covered & (_survey_draws(model, month, "sample") < 0.8)
            low = asked & (before["reported"] <= 3)
            expected += 0.02 * asked.sum() + 0.3 * low.sum()
            waves += 1
            assert low.sum() > 0, month  # the wave has follow-ups to check
        else:
            for name in ("at_risk", "complaint_weight", "mem"):
                np.testing.assert_array_equal(after[name], before[name], err_msg=f"{name} in month {month}")
        assert cost == pytest.approx(expected), month
    assert waves == 4  # months -2, 0, 2, 4


def test_survey_follow_ups_hit_only_low_answers_and_mark_them_at_risk(survey_run):
    model, records = survey_run
    n_fixed = n_low = 0
    for month in (-2, 0, 2, 4):
        before, after, _ = records[month]
        asked = _covered(before, TIERS) & (_survey_draws(model, month, "sample") < 0.8)
        low = asked & (before["reported"] <= 3)
        content = asked & (before["reported"] >= 4)  # answers 4 and 5 are no longer believed at risk
        np.testing.assert_array_equal(after["at_risk"], (before["at_risk"] | low) & ~content)
        fixed = low & (_survey_draws(model, month, "fix") < 0.6)
        np.testing.assert_array_equal(after["complaint_weight"][fixed], 0)
        np.testing.assert_array_equal(after["complaint_weight"][~fixed], before["complaint_weight"][~fixed])
        np.testing.assert_allclose(after["mem"][fixed, 1], np.minimum(1, before["mem"][fixed, 1] + 0.15), rtol=1e-6)
        np.testing.assert_array_equal(after["mem"][~fixed], before["mem"][~fixed])
        np.testing.assert_array_equal(after["mem"][:, [0, 2]], before["mem"][:, [0, 2]])
        n_fixed, n_low = n_fixed + fixed.sum(), n_low + low.sum()
    assert 0 < n_fixed < n_low  # p_fix = 0.6: some visits fix, some do not


def test_survey_covers_only_its_tiers():
    _, records = _run({**SURVEY, "tiers": ["key"]})
    for before, after, _ in records.values():
        touched = (after["at_risk"] != before["at_risk"]) | (after["mem"] != before["mem"]).any(axis=1)
        assert np.all(_covered(before, ["key"])[touched])


CONTRACTS = {"kind": "contracts", "tiers": ["key", "regular"], "term_months": 3, "exit_penalty_months": 2.5,
             "discount": 0.04, "p_accept_per_month": 0.3, "p_renew": 0.5, "cost_fixed_per_month": 1.0,
             "cost_per_account_month": 0.01, "cost_per_action": 0.2}


def _signs(model: MarketModel, month: int, before: dict, spec: dict) -> np.ndarray:
    """The rule: a covered account with no contract in force signs with p_accept, or p_renew right after one."""
    draws = model.streams.uniform("strategy.contracts.sign", month, model.accounts.capacity)
    p = np.where(before["contract_end"] == month - 1, spec["p_renew"], spec["p_accept_per_month"])
    return _covered(before, spec["tiers"]) & (before["contract_end"] < month) & (draws < p)


def test_contracts_sign_covered_accounts_and_cost_per_contract():
    model, records = _run(CONTRACTS)
    signed_total = renewals = 0
    for month, (before, after, cost) in records.items():
        signs = _signs(model, month, before, CONTRACTS)
        changed = after["contract_end"] != before["contract_end"]
        np.testing.assert_array_equal(changed, signs, err_msg=str(month))
        np.testing.assert_array_equal(after["contract_end"][signs], month + 3 - 1)
        np.testing.assert_array_equal(after["exit_penalty_months"][signs], 2.5)
        np.testing.assert_allclose(after["contract_discount"][signs], 0.04)
        covered = _covered(before, CONTRACTS["tiers"])
        assert cost == pytest.approx(1.0 + 0.01 * covered.sum() + 0.2 * signs.sum()), month
        signed_total += signs.sum()
        renewals += (signs & (before["contract_end"] == month - 1)).sum()
    assert signed_total > 50 and renewals > 0


def test_contracts_only_in_covered_tiers_and_only_with_the_owner():
    model, _ = _run(CONTRACTS)
    acc = model.accounts
    has_contract = acc.contract_end != NO_CONTRACT
    assert has_contract.any()
    assert np.all(acc.tier[has_contract] != TIERS.index("small"))
    assert np.all(acc.supplier[has_contract] == 0)  # a switch cancels the contract


def test_contract_discount_ends_when_the_contract_does():
    # Everyone covered signs at month -2 (term 2: in force through month -1); nobody renews at month 0.
    spec = {"kind": "contracts", "term_months": 2, "p_accept_per_month": 1.0, "p_renew": 0.0, "discount": 0.04}
    model, records = _run(spec)
    before, after, _ = records[0]
    lapsed = before["contract_end"] == -1
    assert lapsed.sum() > 50
    assert np.all(before["contract_discount"][lapsed] == np.float32(0.04))
    # "discount: share off list price while under contract"; no competitor makes offers here, so the only other
    # discount is a concession to a key account's threat to leave (promotional terms), left out
    acc = model.accounts
    for name in ("discount", "contract_discount", "contract_end"):
        getattr(acc, name)[:] = after[name]  # the table as it stood after month 0's strategies acted
    slots = np.flatnonzero(lapsed & (acc.promo_end < 0))
    assert len(slots) > 50
    np.testing.assert_array_equal(shares_off_of(acc, slots, 0), 0.0)
    np.testing.assert_allclose(shares_off_of(acc, slots, -1), 0.04)


def test_a_strategy_does_nothing_and_costs_nothing_before_its_start_month():
    spec = {"kind": "contracts", "p_accept_per_month": 1.0, "cost_fixed_per_month": 1.0}
    _, records = _run(spec, start_month=1)
    for month, (before, after, cost) in records.items():
        changed = any(not np.array_equal(before[k], after[k]) for k in ("contract_end", "contract_discount"))
        assert (cost > 0, changed) == ((True, True) if month >= 1 else (False, False)), month


def test_strategy_cost_is_reported_by_component_and_adds_up():
    """Issue 14, point 6: ``strategy_cost_by_component`` names each component by kind (a second of a kind
    numbered) and its costs add up to ``strategy_cost``."""
    from churnsim.core.hydra_schemas import load_config
    from churnsim.engine.run import simulate
    from churnsim.strategies import REGISTRY, component_names

    summary = simulate(load_config(["strategy=communication_alignment_guarantees", "n_accounts=2000",
                                    "months=6", "burn_in_months=2"])).summary
    by_component = summary["strategy_cost_by_component"]
    assert list(by_component) == ["deep_communication", "alignment", "quality_guarantee", "service_guarantee",
                                  "logistics_guarantee", "value_guarantee"]
    assert sum(by_component.values()) == pytest.approx(summary["strategy_cost"], rel=1e-12)
    assert by_component["deep_communication"] > 0
    twice = [REGISTRY["contracts"](), REGISTRY["satisfaction_survey"](), REGISTRY["contracts"]()]
    assert component_names(twice) == ["contracts", "satisfaction_survey", "contracts.2"]

