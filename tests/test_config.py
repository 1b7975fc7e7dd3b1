"""``config.validate`` on the dataclasses: every bad value is named with its field, its value and what is allowed."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from churnsim.core.config import ConfigError, RunConfig, SupplierConfig, validate


def ranged_fields(obj, path=""):
    """Yield ``(path, owner, name, meta)`` for every numeric scalar field with a declared range, nested included."""
    for f in dataclasses.fields(obj):
        where, value = f"{path}.{f.name}" if path else f.name, getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            yield from ranged_fields(value, where)
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                yield from ranged_fields(item, f"{where}[{i}]")
        elif isinstance(value, int | float) and (f.metadata.get("lo") is not None or f.metadata.get("hi") is not None):
            yield where, obj, f.name, f.metadata


RANGED = [path for path, *_ in ranged_fields(RunConfig())]


def field_of(cfg, path):
    return next((owner, name, meta) for where, owner, name, meta in ranged_fields(cfg) if where == path)


def out_of_range(default, meta):
    """A value just outside the field's range on each side that has a bound."""
    step = 1 if isinstance(default, int) else 0.5
    bad = []
    if meta["lo"] is not None:
        bad.append(meta["lo"] if meta.get("strict_lo") else meta["lo"] - step)
    if meta["hi"] is not None:
        bad.append(meta["hi"] + step)
    return [type(default)(v) for v in bad]


def assert_names(err, path, value):
    message = str(err.value)
    assert message.startswith(f"{path} = {value!r}: "), message
    assert "must" in message or "allowed" in message, message
    assert "\n" not in message


def test_defaults_are_valid():
    cfg = RunConfig()
    assert validate(cfg) is cfg


@pytest.mark.parametrize("path", RANGED)
def test_out_of_range_names_field_value_and_range(path):
    owner, name, meta = field_of(RunConfig(), path)
    for bad in out_of_range(getattr(owner, name), meta):
        cfg = RunConfig()
        owner, name, _ = field_of(cfg, path)
        setattr(owner, name, bad)
        with pytest.raises(ConfigError) as err:
            validate(cfg)
        assert_names(err, path, bad)


@given(path=st.sampled_from(RANGED), x=st.floats(-1e3, 1e3, allow_nan=False))
def test_validate_accepts_exactly_the_declared_range(path, x):
    cfg = RunConfig()
    owner, name, meta = field_of(cfg, path)
    value = 2 * round(x / 2) if isinstance(getattr(owner, name), int) else x  # even: network_degree must be
    setattr(owner, name, value)
    lo, hi = meta["lo"], meta["hi"]
    inside = (lo is None or value > lo or (value == lo and not meta.get("strict_lo"))) and (hi is None or value <= hi)
    if inside:
        validate(cfg)
    else:
        with pytest.raises(ConfigError):
            validate(cfg)


@pytest.mark.parametrize(("value", "allowed"), [("abc", "must be a number"), (math.nan, "must be a finite number"),
                                                (True, "must be a number")])
def test_non_numbers_are_named(value, allowed):
    cfg = RunConfig(months=value)
    with pytest.raises(ConfigError, match=f"^months = {value!r}: {allowed}$"):
        validate(cfg)


def test_list_elements_are_named_by_index():
    cfg = RunConfig()
    cfg.market.focal.cost_to_serve_per_month[1] = -0.5
    with pytest.raises(ConfigError, match=r"^market\.focal\.cost_to_serve_per_month\[1\] = -0\.5: must be ≥ 0"):
        validate(cfg)


def _set(cfg, path, value):
    *parents, last = path.split(".")
    owner = cfg
    for part in parents:
        owner = getattr(owner, part)
    setattr(owner, last, value)


@pytest.mark.parametrize(("path", "value", "allowed"), [
    ("market.accounts.tier_shares", [0.2, 0.3, 0.6], "three shares summing to 1"),
    ("market.accounts.tastes", [[0.3, 0.3, 0.4]] * 3, "three rows"),
    ("market.accounts.network_degree", 7, "must be even"),
    ("market.behaviour.report_cutpoints", [0.1, -0.1, 0.2, 0.3], "four increasing cut-points"),
    ("market.behaviour.expectation", [0.8, 0.8], "three levels"),
    ("competitors.rivals", [], "at least one competitor"),
    ("output.tables", ["monthly", "agents"], "allowed: monthly, events, accounts"),
])
def test_inconsistent_values_are_named(path, value, allowed):
    cfg = RunConfig()
    _set(cfg, path, value)
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert str(err.value).startswith(f"{path} = {value}") and allowed in str(err.value)


def test_duplicate_supplier_names_are_named():
    cfg = RunConfig()
    cfg.competitors.rivals.append(SupplierConfig(name="rival_a"))
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    message = str(err.value)
    assert "competitors.rivals" in message and message.count("'rival_a'") == 2 and "must be unique" in message
