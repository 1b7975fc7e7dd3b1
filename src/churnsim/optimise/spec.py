"""Reading and checking an optimisation spec, so that a bad spec stops before any trial runs.

Every error is one line naming the spec file, the field, the value and what is allowed. A lever names a strategy
component kind of :data:`~churnsim.strategies.REGISTRY` (its key, or its ``kind``); each of its ``params`` must be a
field of that kind, given as one of

- ``[low, high]``: a range searched, for a number field (``float``, or ``int``: whole bounds); both bounds inside
  the field's declared range, ``low < high``;
- ``{choices: [a, b, ...]}``: values searched, for any field (``tiers: {choices: [[key], [key, regular]]}``);
- anything else: a value fixed in every plan (``max_discount: 0.3``; for a list field, ``tiers: [key]``).

Each candidate value (every choice, both bounds) is built into its component by
:func:`~churnsim.strategies.build_components` and checked against the base config, so no trial can fail on a value.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from churnsim.core.cli_errors import BAD_INPUT, explain
from churnsim.core.config import ConfigError, RunConfig
from churnsim.core.hydra_schemas import CONF_DIR, load_config
from churnsim.core.spec_files import base_overrides, integer, read_spec, unknown, within_field
from churnsim.strategies import REGISTRY, build_components

__all__ = ["Lever", "OptimiseSpec", "Setting", "SpecError", "load_spec"]

_KEYS = ("base", "uncertainty", "levers", "budget", "retention_target", "risk", "replicates", "check_replicates",
         "seed", "trials", "population", "sampler_seed")
_LEVER_KEYS = ("kind", "optional", "params")
_SET_BY_THE_SEARCH = ("seed", "replicate", "strategy", "strategy.name", "strategy.components", "uncertainty")
_RISK_HELP = "p_loss, or {cvar: level} with 0 < level < 1"


class SpecError(ConfigError):
    """A spec (or a command line) the user can fix: the message names the file, the field, the value, what is
    allowed."""


@dataclass(frozen=True)
class Setting:
    """One searched parameter of a lever: a range of a number field, or a list of choices.

    Attributes:
        name: the component's parameter.
        low: lower bound of a range (None for choices).
        high: upper bound of a range (None for choices).
        integer: the range is of whole numbers.
        choices: the values to choose from (empty for a range).
    """

    name: str
    low: float | None = None
    high: float | None = None
    integer: bool = False
    choices: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Lever:
    """A candidate component of a plan.

    Attributes:
        name: its key in the spec's ``levers`` (the column prefix in the outputs).
        kind: the component kind (:data:`~churnsim.strategies.REGISTRY`).
        optional: the search may leave it out of a plan.
        fixed: parameters set in every plan that has it.
        searched: parameters the search chooses.
    """

    name: str
    kind: str
    optional: bool
    fixed: dict[str, Any]
    searched: tuple[Setting, ...]


@dataclass(frozen=True)
class OptimiseSpec:
    """A checked optimisation spec (file format: ``docs/optimise.md``).

    Attributes:
        levers: the candidate components, in the spec's order (the order of a plan's components).
        budget: k€; a feasible plan's mean ``strategy_cost_total`` is at most this.
        retention_target: a feasible plan's mean ``customer_retention_annual`` is at least this (None: no target).
        risk: ``p_loss`` or ``cvar``, the second objective (minimised).
        cvar_level: the share of worst replicates CVaR averages (with ``risk: cvar``).
        replicates: replicates 0..R−1 score every trial.
        check_replicates: replicates R..R+C−1 re-score the Pareto plans.
        seed: the root seed of every run.
        trials: total trials (``--trials`` overrides it).
        population: NSGA-II population: the trials of a generation, evaluated together.
        sampler_seed: seed of the sampler.
        uncertainty: the ``conf/uncertainty`` option (``none``, or priors drawn per replicate).
        base: Hydra overrides of the base config: the spec's, then the command line's.
    """

    levers: tuple[Lever, ...]
    budget: float
    retention_target: float | None
    risk: str
    cvar_level: float | None
    replicates: int
    check_replicates: int
    seed: int
    trials: int
    population: int
    sampler_seed: int
    uncertainty: str
    base: tuple[str, ...]

    def overrides(self) -> list[str]:
        """The Hydra overrides that compose the base config of every run."""
        return [*self.base, f"uncertainty={self.uncertainty}", f"seed={self.seed}"]

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (``spec.json``)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def fingerprint(self) -> dict[str, Any]:
        """What makes two studies the same: all but the number of trials and of check replicates."""
        data = self.to_dict()
        del data["trials"], data["check_replicates"]
        return data


def load_spec(path: str | Path, overrides: Sequence[str] = ()) -> tuple[OptimiseSpec, RunConfig]:
    """Read and check a spec file; return it with the base config its ``base`` (then ``overrides``) compose.

    Args:
        path: the spec (YAML).
        overrides: ``KEY=VALUE`` Hydra overrides from the command line, applied after the spec's ``base``.

    Raises:
        SpecError: a missing or unreadable file, a wrong key, type or value (one line).
    """
    path = Path(path)
    raw = read_spec(path, "an optimisation spec", "conf/optimise/budget_price_war.yaml", _KEYS, ("levers", "budget"),
                    SpecError)

    def fail(message: str) -> typing.NoReturn:
        raise SpecError(f"{path}: {message}")

    base = base_overrides(raw, fail)
    _check_overrides("base", base, fail)
    _check_overrides("override", overrides, _fail_plain)
    uncertainty = raw.get("uncertainty", "none")
    options = sorted(p.stem for p in (CONF_DIR / "uncertainty").glob("*.yaml"))
    if uncertainty not in options:
        fail(f"uncertainty = {uncertainty!r}: no such conf/uncertainty option; allowed: {', '.join(options)}")
    seed = integer("seed", raw.get("seed", 0), 0, fail)
    tail = [f"uncertainty={uncertainty}", f"seed={seed}"]
    cfg = _compose([*base, *tail], "base", base, fail)
    if overrides:
        cfg = _compose([*base, *overrides, *tail], "override", overrides, _fail_plain)
    risk, level = _risk(raw.get("risk", "p_loss"), fail)
    spec = OptimiseSpec(
        levers=_levers(raw["levers"], cfg, fail),
        budget=_number("budget", raw["budget"], 0.0, math.inf, fail),
        retention_target=(None if raw.get("retention_target") is None
                          else _number("retention_target", raw["retention_target"], 0.0, 1.0, fail)),
        risk=risk, cvar_level=level,
        replicates=integer("replicates", raw.get("replicates", 8), 2, fail),
        check_replicates=integer("check_replicates", raw.get("check_replicates", raw.get("replicates", 8)), 2, fail),
        seed=seed,
        trials=integer("trials", raw.get("trials", 64), 1, fail),
        population=integer("population", raw.get("population", 16), 2, fail),
        sampler_seed=integer("sampler_seed", raw.get("sampler_seed", 0), 0, fail),
        uncertainty=uncertainty, base=(*base, *overrides))
    return spec, cfg




def _fail_plain(message: str) -> typing.NoReturn:
    raise SpecError(message)






def _number(name: str, value: Any, lo: float, hi: float, fail) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        fail(f"{name} = {value!r}: must be a number ≥ {lo:g}{'' if math.isinf(hi) else f' and ≤ {hi:g}'}")
    return float(value)


def _risk(raw: Any, fail) -> tuple[str, float | None]:
    if raw == "p_loss":
        return "p_loss", None
    if isinstance(raw, dict) and list(raw) == ["cvar"]:
        level = raw["cvar"]
        if isinstance(level, int | float) and not isinstance(level, bool) and 0 < level < 1:
            return "cvar", float(level)
    fail(f"risk = {raw!r}: must be {_RISK_HELP}")


def _check_overrides(where: str, overrides: Sequence[str], fail) -> None:
    """Refuse an override of what the search sets itself: the strategy, the seeds, the priors."""
    for override in overrides:
        if not isinstance(override, str) or "=" not in override:
            fail(f"{where}: {override!r}: must be KEY=VALUE, a Hydra override such as n_accounts=2000")
        key = override.lstrip("+~").split("=", 1)[0]
        if key in _SET_BY_THE_SEARCH:
            fail(f"{where}: {override}: {key} is set by the search (the spec's levers, seed, uncertainty and "
                 "replicates); allowed: other settings, e.g. strategy.start_month or n_accounts")


def _compose(overrides: list[str], where: str, shown: Sequence[str], fail) -> RunConfig:
    try:
        return load_config(overrides)
    except BAD_INPUT as err:
        fail(f"{where}: {explain(err, shown)}")


def _levers(raw: Any, cfg: RunConfig, fail) -> tuple[Lever, ...]:
    if not isinstance(raw, dict) or not raw:
        fail(f"levers = {raw!r}: must map component kinds to {{optional, params}}, e.g. "
             "service_guarantee: {params: {service_boost: [0.05, 0.3]}}")
    levers = tuple(_lever(str(name), body, cfg, fail) for name, body in raw.items())
    if not any(lever.optional or lever.searched for lever in levers):
        fail("levers: nothing to search (no lever is optional or has a [low, high] or {choices: [...]} "
             "parameter); allowed: at least one")
    return levers


def _lever(name: str, body: Any, cfg: RunConfig, fail) -> Lever:
    where = f"levers.{name}"
    body = {} if body is None else body
    if not isinstance(body, dict):
        fail(f"{where} = {body!r}: must be a mapping with keys {', '.join(_LEVER_KEYS)}")
    for key in body:
        if key not in _LEVER_KEYS:
            fail(f"{where}.{key}: {unknown(str(key), _LEVER_KEYS)}")
    kind = body.get("kind", name)
    if not isinstance(kind, str) or kind not in REGISTRY:
        at = f"{where}.kind" if "kind" in body else where
        fail(f"{at} = {kind}: {unknown(str(kind), sorted(REGISTRY), 'unknown component kind')}")
    optional = body.get("optional", True)
    if not isinstance(optional, bool):
        fail(f"{where}.optional = {optional!r}: must be true or false")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        fail(f"{where}.params = {params!r}: must map the component's parameters to [low, high], "
             "{choices: [...]} or a fixed value")
    fields = {f.name: f for f in dataclasses.fields(REGISTRY[kind])}
    hints = typing.get_type_hints(REGISTRY[kind])
    fixed: dict[str, Any] = {}
    searched: list[Setting] = []
    for param, value in params.items():
        at = f"{where}.params.{param}"
        if param not in fields:
            fail(f"{at}: {unknown(str(param), list(fields), f'unknown parameter of {kind}')}")
        setting = _setting(at, str(param), value, hints[param], dict(fields[param].metadata), fail)
        if setting is None:
            fixed[str(param)] = value
        else:
            searched.append(setting)
    lever = Lever(name, kind, optional, fixed, tuple(searched))
    _probe(lever, cfg, fail)
    return lever


def _number_type(hint: Any) -> type | None:
    """``float`` or ``int`` for a number field (``int | None`` included), else None."""
    kinds = {hint} if not typing.get_args(hint) else set(typing.get_args(hint)) - {type(None)}
    return next(iter(kinds)) if len(kinds) == 1 and next(iter(kinds)) in (float, int) else None


def _setting(at: str, param: str, value: Any, hint: Any, meta: dict[str, Any], fail) -> Setting | None:
    """The searched setting ``value`` describes, or None for a fixed value."""
    if isinstance(value, dict):
        if list(value) != ["choices"] or not isinstance(value["choices"], list) or len(value["choices"]) < 2:
            fail(f"{at} = {value!r}: must be {{choices: [a, b, ...]}} with at least two values")
        choices = value["choices"]
        if len({json.dumps(c, sort_keys=True) for c in choices}) < len(choices):
            fail(f"{at} = {value!r}: a value is listed twice; allowed: distinct choices")
        return Setting(param, choices=tuple(choices))
    number = _number_type(hint)
    if number is None or not isinstance(value, list):
        return None
    whole = number is int
    ok = (int,) if whole else (int, float)
    if len(value) != 2 or not all(isinstance(v, ok) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        fail(f"{at} = {value!r}: must be [low, high], two {'whole numbers' if whole else 'numbers'}")
    low, high = value
    if not low < high:
        fail(f"{at} = {value!r}: lower bound must be below upper bound")
    within_field(at, value, low, high, meta, fail, what="parameter")
    return Setting(param, low=low if whole else float(low), high=high if whole else float(high), integer=whole)


def _probe(lever: Lever, cfg: RunConfig, fail) -> None:
    """Build the lever's component with every candidate value (and with all lows, all highs) and check it against
    ``cfg``: a value the component refuses stops the spec here, not a trial."""
    where = f"levers.{lever.name}"
    probes: list[dict[str, Any]] = [{}]
    probes += [{s.name: value} for s in lever.searched for value in (s.choices or (s.low, s.high))]
    probes += [{s.name: getattr(s, end) for s in lever.searched if not s.choices} for end in ("low", "high")]
    for values in probes:
        try:
            component = build_components([{"kind": lever.kind, **lever.fixed, **values}], path=where)[0]
            component.check(where, cfg)
        except ConfigError as err:
            fail(str(err).replace(f"{where}[0].", f"{where}.params."))
