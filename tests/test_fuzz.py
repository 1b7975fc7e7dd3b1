"""Fuzzing the typed config: any value for any field, or any override string, either runs or is refused in one line.

The composition, validation, plan and run are those of ``churnsim`` (``churnsim.core.hydra_schemas.load_config``,
``churnsim.engine.plan.make_plan``, ``churnsim.engine.run.simulate``), in this process so that hundreds of cases
take seconds; a refusal must be one of the exceptions the command turns into its one line (``BAD_INPUT``), and that
line must be one line. Anything else (a traceback of ours, numpy's, numba's) fails the test. The command itself is
checked on a few of the same values in a fresh process (tests/test_bad_input.py).
"""

from __future__ import annotations

import dataclasses
import typing

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from churnsim.core.cli_errors import BAD_INPUT, explain
from churnsim.core.config import RunConfig
from churnsim.core.hydra_schemas import load_config
from churnsim.engine.plan import make_plan
from churnsim.engine.run import simulate
from churnsim.engine.sizing import sized

TINY = {"n_accounts": "150", "months": "2", "burn_in_months": "0", "output.tables": "[monthly]"}
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _leaves(cls: type, prefix: str = "") -> list[str]:
    """Every field of the typed config a command line can set, as dotted paths (lists of dataclasses: item 0)."""
    hints = typing.get_type_hints(cls)
    paths = []
    for f in dataclasses.fields(cls):
        path, hint = f"{prefix}{f.name}", hints[f.name]
        if dataclasses.is_dataclass(hint):
            paths += _leaves(hint, f"{path}.")
        elif typing.get_origin(hint) is list and dataclasses.is_dataclass(typing.get_args(hint)[0]):
            paths += _leaves(typing.get_args(hint)[0], f"{path}.0.")
        else:
            paths.append(path)
    return paths


FIELDS = _leaves(RunConfig)
# values as a user could type them: numbers of every size and sign, non-finite ones, words, lists, nulls, dates
VALUES = st.one_of(
    st.integers(-(10**25), 10**25).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["true", "false", "null", "''", "[]", "[1,2]", "[key]", "abc", "2026-13-01", "1e308", "-0",
                     "0", "1", "2", "1000000000", "[0.1,0.2,0.7]", "{a: 1}", "${oc.env:HOME}", "nan", "inf"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
)


def _outcome(overrides: list[str]) -> str:
    """``"ran"``, or the one line the command would print for a refusal."""
    try:
        cfg = load_config(overrides)
        plan = make_plan(sized(cfg))
        if cfg.n_accounts * (cfg.months + cfg.burn_in_months) > 2_000_000:
            return "ran"  # valid, but too big to run here: the plan (every check) is what is fuzzed
        simulate(plan)
        return "ran"
    except BAD_INPUT as err:
        line = explain(err, overrides)
        assert line and "\n" not in line and "Traceback" not in line, (overrides, line)
        return line


@SETTINGS
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_any_value_of_any_field_runs_or_is_refused_in_one_line(field, value):
    overrides = [f"{key}={v}" for key, v in TINY.items() if key != field] + [f"{field}={value}"]
    _outcome(overrides)


@SETTINGS
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30))
def test_any_override_string_runs_or_is_refused_in_one_line(text):
    _outcome([f"{key}={v}" for key, v in TINY.items()] + [text])


def test_the_fuzzer_reaches_refusals_and_runs():
    assert _outcome([f"{k}={v}" for k, v in TINY.items()]) == "ran"
    assert _outcome([f"{k}={v}" for k, v in TINY.items()] + ["seed=-1"]).startswith("seed = -1: must be")
