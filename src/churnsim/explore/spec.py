"""Reading and checking an explore spec, so that a bad spec stops before any job runs (one line, exit 2).

A spec (``conf/explore/*.yaml``; format in ``docs/decisions.md``) names the strategies compared, the reference they
are compared against, the ranges of the uncertain scenario and assumption parameters (the fields priors may go on:
``market.…``, ``competitors.…``, ``strategy.<kind>.<parameter>``), the number of Latin-hypercube samples, the
replicates per sample, the targets of satisficing, the options of scenario discovery and the base config. Every
error names the spec file, the field, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
import typing
from pathlib import Path
from typing import Any

from churnsim.core.config import ConfigError, RunConfig
from churnsim.core.spec_files import base_overrides, compose_base, integer, read_spec, unknown, within_field
from churnsim.engine.uncertainty import check_priors, field_range
from churnsim.explore.design import MEASURES, Range, Spec, Target

__all__ = ["SpecError", "load_spec"]

_KEYS = ("strategies", "reference", "ranges", "samples", "replicates", "sample_seed", "value", "targets",
         "discovery", "base")
_DISCOVERY = {"threshold": 0.8, "peel_alpha": 0.05, "mass_min": 0.05}
_TARGET_OUTCOMES = ("value_delta", "value", "strategy_cost_total", "strategy_cost_npv", "customer_retention_annual",
                    "revenue_retention_annual", "net_profit_npv", "value_total")


class SpecError(ConfigError):
    """A spec the user can fix: the message names the file, the field, the value and what is allowed."""


def load_spec(path: str | Path, overrides: list[str] | None = None, samples: int | None = None
              ) -> tuple[Spec, RunConfig]:
    """Read and check an explore spec; return it with the base config.

    Args:
        path: the spec file.
        overrides: config overrides from the command line, applied after the spec's ``base``.
        samples: the number of samples, replacing the spec's (``--samples``).

    Raises:
        SpecError: a missing or unreadable file, a wrong key, type or value (one line).
    """
    path = Path(path)
    raw = read_spec(path, "an explore spec", "conf/explore/price_war_stress.yaml", _KEYS, ("strategies", "ranges"),
                    SpecError)

    def fail(message: str) -> typing.NoReturn:
        raise SpecError(f"{path}: {message}")

    base = [*base_overrides(raw, fail), *(overrides or [])]
    taken = [o for o in base if o.lstrip("+~").split("=", 1)[0] in ("strategy", "replicate", "assumptions")]
    if taken:
        fail(f"base: {taken[0]}: every job sets its strategy, replicate and assumptions itself; allowed: other "
             "settings (strategies go in the spec's strategies list)")
    cfg = compose_base(base, fail)
    strategies = _strategies(raw["strategies"], fail)
    reference = raw.get("reference", "baseline")
    if reference not in strategies:
        fail(f"reference = {reference!r}: must be one of the strategies ({', '.join(strategies)})")
    ranges = _ranges(raw["ranges"], cfg, fail)
    n = samples if samples is not None else raw.get("samples", 32)
    n = integer("samples", n, 4, fail)
    replicates = integer("replicates", raw.get("replicates", 1), 1, fail)
    sample_seed = integer("sample_seed", raw.get("sample_seed", 0), 0, fail)
    value = raw.get("value", "value_total")
    if value not in MEASURES:
        fail(f"value = {value!r}: allowed: {', '.join(MEASURES)}")
    targets = _targets(raw.get("targets") or {}, fail)
    discovery = _discovery(raw.get("discovery") or {}, fail)
    spec = Spec(strategies=strategies, reference=reference, ranges=ranges, samples=n, replicates=replicates,
                sample_seed=sample_seed, value=value, targets=targets, discovery=discovery, base=list(base))
    return spec, cfg








def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _strategies(raw: Any, fail) -> list[str]:
    from churnsim.core.hydra_schemas import CONF_DIR

    shipped = sorted(p.stem for p in (CONF_DIR / "strategy").glob("*.yaml"))
    if not isinstance(raw, list) or len(raw) < 2 or not all(isinstance(s, str) for s in raw):
        fail(f"strategies = {raw!r}: must list at least two strategy presets, e.g. [baseline, service_guarantee]")
    for name in raw:
        if name not in shipped:
            close = difflib.get_close_matches(name, shipped, n=1)
            fail(f"strategies: {name}: no such strategy preset; {f'did you mean {close[0]}? ' if close else ''}"
                 f"allowed: {', '.join(shipped)}")
    if len(set(raw)) < len(raw):
        fail(f"strategies = {raw!r}: a strategy is listed twice")
    return list(raw)


def _ranges(raw: Any, cfg: RunConfig, fail) -> list[Range]:
    if not isinstance(raw, dict) or not raw:
        fail(f"ranges = {raw!r}: must map fields to [lower, upper] (or {{range: [lower, upper], label: text}}), "
             "e.g. competitors.price_war.depth: [0.0, 0.3]")
    priors = {p.field for p in check_priors(cfg)} if cfg.uncertainty.priors else set()
    out = []
    for name, entry in raw.items():
        name, where = str(name), f"ranges.{name}"
        label = name
        if isinstance(entry, dict):
            extra = [k for k in entry if k not in ("range", "label")]
            if extra:
                fail(f"{where}.{extra[0]}: {unknown(str(extra[0]), ['range', 'label'])}")
            label = entry.get("label", name)
            if not isinstance(label, str) or not label.strip():
                fail(f"{where}.label = {label!r}: must be a short text, e.g. price-war depth")
            entry = entry.get("range")
        try:
            meta, integer = field_range(name)
        except ConfigError as err:
            fail(f"ranges.{err}")
        if not isinstance(entry, list) or len(entry) != 2 or not all(_number(v) for v in entry):
            fail(f"{where} = {entry!r}: must be [lower, upper], two numbers")
        lo, hi = float(entry[0]), float(entry[1])
        if not lo < hi:
            fail(f"{where} = {entry!r}: lower bound must be below upper bound")
        if integer and (lo != round(lo) or hi != round(hi)):
            fail(f"{where} = {entry!r}: the field is an integer; give whole-number bounds")
        within_field(where, entry, lo, hi, meta, fail)
        if name in priors:
            fail(f"{where}: also has a prior in uncertainty={cfg.uncertainty.name}; allowed: a range or a prior on a "
                 "field, not both")
        out.append(Range(field=name, lo=lo, hi=hi, integer=integer, label=label))
    return out


def _targets(raw: Any, fail) -> list[Target]:
    if not isinstance(raw, dict):
        fail(f"targets = {raw!r}: must map outcomes to {{min: x}} or {{max: x}}, e.g. "
             "customer_retention_annual: {min: 0.8}")
    out = []
    for outcome, bound in raw.items():
        where = f"targets.{outcome}"
        if outcome not in _TARGET_OUTCOMES:
            hint = unknown(str(outcome), _TARGET_OUTCOMES).replace("unknown key", "unknown outcome")
            fail(f"targets: {outcome}: {hint}")
        if not isinstance(bound, dict) or not bound or any(k not in ("min", "max") for k in bound):
            fail(f"{where} = {bound!r}: must be {{min: x}}, {{max: x}} or both")
        if not all(_number(v) for v in bound.values()):
            fail(f"{where} = {bound!r}: min and max must be numbers")
        if "min" in bound and "max" in bound and not bound["min"] <= bound["max"]:
            fail(f"{where} = {bound!r}: min must not exceed max")
        out.append(Target(outcome=str(outcome), min=bound.get("min"), max=bound.get("max")))
    return out


def _discovery(raw: Any, fail) -> dict[str, float]:
    if not isinstance(raw, dict):
        fail(f"discovery = {raw!r}: must be a mapping with {', '.join(_DISCOVERY)}")
    options = dict(_DISCOVERY)
    for key, value in raw.items():
        if key not in options:
            fail(f"discovery.{key}: {unknown(str(key), list(_DISCOVERY))}")
        if not _number(value) or not 0 < value < 1:
            fail(f"discovery.{key} = {value!r}: must be a number between 0 and 1")
        options[key] = float(value)
    return options
