"""Reading and checking a sensitivity spec file, so that a bad spec stops before any job runs.

Every error is one line naming the spec file, the field, the value and what is allowed. A parameter is checked
against :class:`~churnsim.core.config.RunConfig` as the spec's ``base`` overrides compose it: the dotted path must name
a number field (a ``float``; integer fields cannot be sampled on a continuous scale), and both bounds must lie
inside the field's declared range. Every sample point then holds allowed values; :func:`check_points` also runs
:func:`~churnsim.core.config.validate` on the config of each point, which costs microseconds, so a cross-field rule
cannot fail in a job. Outcomes are checked against the keys of ``summary.json`` of a tiny probe run of the base
config (200 accounts): numeric, scalar keys only.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import typing
from pathlib import Path
from typing import Any

from churnsim.core.cli_errors import unknown_key
from churnsim.core.config import ConfigError, OutputConfig, RunConfig, validate
from churnsim.core.spec_files import base_overrides, compose_base, integer, read_spec, unknown, within_field
from churnsim.sensitivity.design import METHODS, Design, Spec

__all__ = ["SpecError", "check_points", "load_spec"]

_KEYS = ("method", "parameters", "outcomes", "replicates", "sample_seed", "base")
_PROBE_ACCOUNTS = 200  # accounts of the probe run that lists summary.json's keys (~0.1 s)


class SpecError(ConfigError):
    """A spec the user can fix: the message names the file, the field, the value and what is allowed."""


def load_spec(path: str | Path) -> tuple[Spec, RunConfig]:
    """Read and check a spec file; return it with the base config its ``base`` overrides compose.

    Raises:
        SpecError: a missing or unreadable file, a wrong key, type or value (one line).
    """
    path = Path(path)
    raw = read_spec(path, "a sensitivity spec", "conf/sensitivity/retention_drivers.yaml", _KEYS,
                    ("method", "parameters", "outcomes"), SpecError)

    def fail(message: str) -> typing.NoReturn:
        raise SpecError(f"{path}: {message}")

    method, options = _method(raw["method"], fail)
    replicates = integer("replicates", raw.get("replicates", 3), 2, fail)
    sample_seed = integer("sample_seed", raw.get("sample_seed", 0), 0, fail)
    base = base_overrides(raw, fail)
    cfg = compose_base(base, fail)
    parameters, bounds = _parameters(raw["parameters"], cfg, fail)
    taken = [o for o in base if o.lstrip("+~").split("=", 1)[0] in ["replicate", *parameters]]
    if taken:
        fail(f"base: {taken[0]}: sets a sampled parameter or replicate, which every job sets itself; "
             "allowed: other settings")
    outcomes = _outcomes(raw["outcomes"], cfg, fail)
    spec = Spec(method=method, options=options, parameters=parameters, bounds=bounds, outcomes=outcomes,
                replicates=replicates, sample_seed=sample_seed, base=list(base))
    return spec, cfg


def check_points(design: Design, base: RunConfig) -> None:
    """Validate the config of every sample point (ranges and cross-field rules).

    Raises:
        SpecError: naming the first point whose config is not allowed.
    """
    for i, point in enumerate(design.points):
        cfg = copy.deepcopy(base)
        for name, value in zip(design.spec.parameters, point, strict=True):
            parent, attr = _resolve(cfg, name)
            setattr(parent, attr, value)
        try:
            validate(cfg)
        except ConfigError as err:
            raise SpecError(f"sample point {i}: {err}") from err








def _method(raw: Any, fail) -> tuple[str, dict[str, Any]]:
    """The method's name and options (``method: morris`` or ``method: {name: morris, trajectories: 8}``)."""
    raw = {"name": raw} if isinstance(raw, str) else raw
    if not isinstance(raw, dict) or raw.get("name") not in METHODS:
        name = raw.get("name") if isinstance(raw, dict) else raw
        fail(f"method.name = {name!r}: must be one of {', '.join(METHODS)}")
    name = raw["name"]
    options = dict(METHODS[name])
    for key, value in raw.items():
        if key == "name":
            continue
        if key not in options:
            fail(f"method.{key}: {unknown(key, ['name', *options])} (for {name})")
        options[key] = value
    if name == "morris":
        integer("method.trajectories", options["trajectories"], 2, fail)
        levels = options["levels"]
        if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2 or levels % 2:
            fail(f"method.levels = {levels!r}: must be an even integer ≥ 2")
    else:
        n = options["n"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 2 or n & (n - 1):
            fail(f"method.n = {n!r}: must be a power of 2 ≥ 2 (Sobol' sequences converge only at powers of 2)")
        if not isinstance(options["second_order"], bool):
            fail(f"method.second_order = {options['second_order']!r}: must be true or false")
    return name, options


def _parameters(raw: Any, cfg: RunConfig, fail) -> tuple[list[str], list[list[float]]]:
    if not isinstance(raw, dict) or not raw:
        fail(f"parameters = {raw!r}: must map dotted config paths to [lower, upper], e.g. "
             "market.behaviour.choice_beta: [3.0, 9.0]")
    names, bounds = [], []
    for name, pair in raw.items():
        where = f"parameters.{name}"
        meta = _number_field(str(name), cfg, fail)
        if (not isinstance(pair, list) or len(pair) != 2 or
                not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in pair)):
            fail(f"{where} = {pair!r}: must be [lower, upper], two numbers")
        lo, hi = float(pair[0]), float(pair[1])
        if not lo < hi:
            fail(f"{where} = {pair!r}: lower bound must be below upper bound")
        within_field(where, pair, lo, hi, meta, fail)
        names.append(str(name))
        bounds.append([lo, hi])
    if len(names) < 2:
        fail(f"parameters: {len(names)} given; allowed: at least 2 (sensitivity compares parameters)")
    return names, bounds


def _number_field(path: str, cfg: RunConfig, fail) -> dict[str, Any]:
    """The metadata (``lo``, ``hi``, ``strict_lo``) of the float field at ``path``, or a one-line failure."""
    try:
        parent, attr = _resolve(cfg, path)
    except SpecError as err:
        fail(f"parameters.{path}: {err}")
    hint = typing.get_type_hints(type(parent)).get(attr)
    if hint is not float:
        what = getattr(hint, "__name__", str(hint))
        fail(f"parameters.{path}: is of type {what}; allowed: a number field (float) such as "
             "market.behaviour.choice_beta (integer, list and text fields cannot be sampled)")
    return dict(next(f for f in dataclasses.fields(parent) if f.name == attr).metadata)


def _resolve(cfg: Any, path: str) -> tuple[Any, str]:
    """The dataclass holding the field at dotted ``path`` (list items by index: ``competitors.rivals.0.price``)."""
    node, parts = cfg, path.split(".")
    for depth, part in enumerate(parts):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise SpecError(f"{'.'.join(parts[:depth])} has items 0..{len(node) - 1}; {part!r} is not one")
            node = node[int(part)]
            continue
        if not dataclasses.is_dataclass(node):
            raise SpecError(f"{'.'.join(parts[:depth])} is not a group of settings")
        if part not in {f.name for f in dataclasses.fields(node)}:
            raise SpecError(unknown_key(part, type(node)))
        if depth == len(parts) - 1:
            return node, part
        node = getattr(node, part)
    raise SpecError("empty path")


def _outcomes(raw: Any, cfg: RunConfig, fail) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(o, str) for o in raw):
        fail(f"outcomes = {raw!r}: must be a list of summary.json keys, e.g. [customer_retention_annual]")
    allowed = _summary_keys(cfg)
    for outcome in raw:
        if outcome not in allowed:
            hint = unknown(outcome, allowed).replace("unknown key", "not a number in summary.json")
            fail(f"outcomes: {outcome}: {hint}")
    return list(dict.fromkeys(raw))


def _summary_keys(cfg: RunConfig) -> list[str]:
    """Numeric scalar keys of ``summary.json``, from a probe run of the base config with few accounts."""
    from churnsim.engine.run import simulate  # the design phase may run the model; analysis never does

    probe = dataclasses.replace(cfg, n_accounts=min(cfg.n_accounts, _PROBE_ACCOUNTS), output=OutputConfig(tables=[]))
    summary = simulate(probe).summary
    return [k for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)]
