"""Priors on assumptions: each replicate draws one value for every uncertain config field (issue 15, point 1).

A replicate re-runs the world with fresh randomness; under ``uncertainty=NAME`` it also draws the assumptions that
the presets fix: market parameters (``market.behaviour.delight_hazard_ratio``), the scenario's headline numbers
(``competitors.price_war.depth``) and strategy components' effect sizes and costs
(``strategy.contracts.cost_per_action``: every ``contracts`` component of the strategy). A prior is one of

- ``uniform``: ``lo``, ``hi``;
- ``triangular``: ``lo``, ``mode``, ``hi``;
- ``normal``: ``mean``, ``sd``; ``lognormal``: ``median``, ``sigma`` (both truncated to ``lo``/``hi`` when given);
- ``beta``: ``a``, ``b`` on [``lo``, ``hi``] (default [0, 1]);

each with a ``source`` (a citation, or ``assumption``). Its support must lie within the field's declared range; an
integer field takes the value rounded. With ``relative: true`` the drawn value is a factor on the value the run's
config sets (a strategy file's, else the component's default; the market preset's), the product kept within the
field's range: one prior then fits every preset and every strategy that sets the field its own way.

Draws: the value of field ``f`` in replicate ``r`` is the prior's quantile at the uniform of stream
``uncertainty.f`` of the run seed of (``seed``, ``r``): strategies do not enter, so every strategy of a replicate
sees the same assumptions (paired comparisons), and adding a prior on one field moves no other field's draw.
Without priors (``uncertainty=none``, the default) nothing is drawn and a run is as it always was.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from scipy.special import betainc, betaincinv, ndtr, ndtri

from churnsim.core.config import ConfigError, RunConfig
from churnsim.core.rng import RandomStreams, run_seed
from churnsim.strategies import REGISTRY

__all__ = ["DISTRIBUTIONS", "Prior", "check_assumptions", "check_priors", "draw", "field_range", "with_assumptions",
           "with_draws"]

_NOT_ASSUMPTIONS = ("seed", "replicate", "months", "burn_in_months", "n_accounts", "focal_accounts", "n_threads",
                    "assumptions",
                    "uncertainty", "output")

DISTRIBUTIONS = {  # name → (required parameters, optional parameters)
    "uniform": (("lo", "hi"), ()),
    "triangular": (("lo", "mode", "hi"), ()),
    "normal": (("mean", "sd"), ("lo", "hi")),
    "lognormal": (("median", "sigma"), ("lo", "hi")),
    "beta": (("a", "b"), ("lo", "hi")),
}


@dataclass(frozen=True)
class Dist:
    """One of :data:`DISTRIBUTIONS` with its parameters: its CDF and quantile function, from ``scipy.special``
    (``scipy.stats`` would add about 30 MB and half a second to every run's start, priors or not)."""

    name: str
    p: dict[str, float]

    def cdf(self, x: float) -> float:
        p = self.p
        if self.name == "uniform":
            return min(max((x - p["lo"]) / (p["hi"] - p["lo"]), 0.0), 1.0)
        if self.name == "triangular":
            a, c, b = p["lo"], p["mode"], p["hi"]
            if x <= a:
                return 0.0
            if x >= b:
                return 1.0
            return (x - a) ** 2 / ((b - a) * (c - a)) if x <= c else 1.0 - (b - x) ** 2 / ((b - a) * (b - c))
        if self.name == "normal":
            return float(ndtr((x - p["mean"]) / p["sd"]))
        if self.name == "lognormal":
            return 0.0 if x <= 0 else float(ndtr(math.log(x / p["median"]) / p["sigma"]))
        lo, hi = p.get("lo", 0.0), p.get("hi", 1.0)
        return float(betainc(p["a"], p["b"], min(max((x - lo) / (hi - lo), 0.0), 1.0)))

    def ppf(self, u: float) -> float:
        p = self.p
        if self.name == "uniform":
            return p["lo"] + u * (p["hi"] - p["lo"])
        if self.name == "triangular":
            a, c, b = p["lo"], p["mode"], p["hi"]
            if u < (c - a) / (b - a):
                return a + math.sqrt(u * (b - a) * (c - a))
            return b - math.sqrt((1.0 - u) * (b - a) * (b - c))
        if self.name == "normal":
            return p["mean"] + p["sd"] * float(ndtri(u))
        if self.name == "lognormal":
            return p["median"] * math.exp(p["sigma"] * float(ndtri(u)))
        lo, hi = p.get("lo", 0.0), p.get("hi", 1.0)
        return lo + (hi - lo) * float(betaincinv(p["a"], p["b"], u))


@dataclass(frozen=True)
class Prior:
    """A distribution on one config field, truncated to ``[lo, hi]``."""

    field: str
    dist: Dist
    lo: float
    hi: float
    integer: bool
    relative: bool  # the draw is a factor on the configured value
    field_lo: float | None  # the field's declared range (a relative draw's product is kept within it)
    field_hi: float | None

    def quantile(self, u: float) -> float:
        """The value at cumulative probability ``u`` of the prior truncated to its bounds."""
        low, high = self.dist.cdf(self.lo), self.dist.cdf(self.hi)
        x = float(self.dist.ppf(min(max(low + u * (high - low), 0.0), 1.0)))
        x = min(max(x, self.lo), self.hi)
        return float(round(x)) if self.integer and not self.relative else x

    def apply(self, configured: float, drawn: float) -> float | int:
        """The field's value in the run: the draw, or for a relative prior the draw × the configured value, kept in
        the field's range (an integer field rounded)."""
        x = drawn * configured if self.relative else drawn
        if self.field_lo is not None:
            x = max(x, self.field_lo)
        if self.field_hi is not None:
            x = min(x, self.field_hi)
        return int(round(x)) if self.integer else float(x)


def check_priors(cfg: RunConfig) -> list[Prior]:
    """The priors of ``cfg.uncertainty``, each checked against the field it sets.

    Raises:
        ConfigError: every problem of the priors at once, in one line.
    """
    priors, problems = [], []
    for name, spec in cfg.uncertainty.priors.items():
        try:
            priors.append(_prior(str(name), spec))
        except ConfigError as err:
            problems.append(str(err))
    if problems:
        where = f"uncertainty={cfg.uncertainty.name}"
        raise ConfigError(f"{where}: {len(problems)} bad prior{'s' * (len(problems) > 1)}: " + "; ".join(problems))
    return priors


def draw(cfg: RunConfig, priors: list[Prior]) -> dict[str, float]:
    """This replicate's value of every prior's field (field → value)."""
    streams = RandomStreams(run_seed(cfg.seed, cfg.replicate))
    return {p.field: p.quantile(float(streams.uniform(f"uncertainty.{p.field}", 0, 1)[0])) for p in priors}


def with_draws(cfg: RunConfig, priors: list[Prior], draws: dict[str, float]) -> RunConfig:
    """A copy of ``cfg`` with the drawn values set (strategy fields on every component of their kind)."""
    by_field = {p.field: p for p in priors}
    return _with(cfg, draws, lambda name, configured, drawn: (
        None if configured is None and by_field[name].relative else by_field[name].apply(configured, drawn)))


def check_assumptions(cfg: RunConfig) -> dict[str, float | int]:
    """The values of ``cfg.assumptions`` (field → value), each checked against the field it sets.

    The fields are those priors go on (``market.…``, ``competitors.…``, ``strategy.<kind>.<parameter>``); a value
    must lie in the field's declared range; an integer field takes an integer.

    Raises:
        ConfigError: every problem at once, in one line.
    """
    values, problems = {}, []
    for name, value in _flat(cfg.assumptions).items():
        where = f"assumptions.{name}"
        try:
            meta, integer = _field(str(name))
        except ConfigError as err:
            problems.append(f"assumptions.{err}")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append(f"{where} = {value!r}: must be a finite number")
            continue
        if integer and value != round(value):
            problems.append(f"{where} = {value!r}: must be a whole number (the field is an integer)")
            continue
        lo, hi, strict = meta.get("lo"), meta.get("hi"), meta.get("strict_lo")
        if (lo is not None and (value < lo or (strict and value == lo))) or (hi is not None and value > hi):
            allowed = f"{'>' if strict else '≥'} {lo:g}" if lo is not None else ""
            allowed += (" and " if lo is not None and hi is not None else "") + (f"≤ {hi:g}" if hi is not None else "")
            problems.append(f"{where} = {value!r}: out of range; allowed: {allowed}")
            continue
        values[str(name)] = int(round(value)) if integer else float(value)
    if problems:
        raise ConfigError(f"{len(problems)} bad assumption{'s' * (len(problems) > 1)}: " + "; ".join(problems))
    return values


def _flat(tree: dict, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}`` (``+assumptions.market.x=1`` on the command line nests its keys)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        out.update(_flat(value, f"{name}.") if isinstance(value, dict) else {name: value})
    return out


def with_assumptions(cfg: RunConfig, values: dict[str, float | int]) -> RunConfig:
    """A copy of ``cfg`` with each field of ``values`` set to its value (strategy fields on every component of
    their kind; a strategy without that kind is unchanged)."""
    return _with(cfg, values, lambda name, configured, value: value)


def _with(cfg: RunConfig, values: dict[str, float], new_value) -> RunConfig:
    """A copy of ``cfg`` with field ``f`` set to ``new_value(f, configured value, values[f])`` (None: left as is)."""
    out = copy.deepcopy(cfg)
    for name, value in values.items():
        head, _, rest = name.partition(".")
        if head == "strategy":
            kind, _, param = rest.partition(".")
            default = _default(REGISTRY[kind], param)
            for component in out.strategy.components:
                if component.get("kind") == kind:
                    changed = new_value(name, component.get(param, default), value)
                    if changed is not None:
                        component[param] = changed
        else:
            parts = name.split(".")
            node = out
            for part in parts[:-1]:
                node = getattr(node, part)
            changed = new_value(name, getattr(node, parts[-1]), value)
            if changed is not None:
                setattr(node, parts[-1], changed)
    return out


def _default(cls: type, name: str) -> Any:
    f = next(f for f in fields(cls) if f.name == name)
    return f.default_factory() if callable(f.default_factory) else f.default


def _prior(path: str, spec: Any) -> Prior:
    """The prior ``spec`` on field ``path``, checked."""
    meta, integer = _field(path)
    where = f"{path}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} = {spec!r}: must be a mapping with dist, its parameters and source")
    spec = dict(spec)
    name = spec.pop("dist", None)
    if name not in DISTRIBUTIONS:
        raise ConfigError(f"{where}.dist = {name!r}: allowed: {', '.join(DISTRIBUTIONS)}")
    source = spec.pop("source", None)
    if not isinstance(source, str) or not source.strip():
        raise ConfigError(f"{where}.source: missing; give a citation or 'assumption'")
    relative = spec.pop("relative", False)
    if not isinstance(relative, bool):
        raise ConfigError(f"{where}.relative = {relative!r}: must be true or false")
    required, optional = DISTRIBUTIONS[name]
    missing = [k for k in required if k not in spec]
    unknown = [k for k in spec if k not in required + optional]
    if missing or unknown:
        raise ConfigError(f"{where}: {name} takes {', '.join(required + optional)}"
                          + (f"; missing {', '.join(missing)}" if missing else "")
                          + (f"; unknown {', '.join(unknown)}" if unknown else ""))
    for key, value in spec.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"{where}.{key} = {value!r}: must be a finite number")
    dist, lo, hi = _distribution(where, name, {k: float(v) for k, v in spec.items()})
    field_lo, field_hi = meta.get("lo"), meta.get("hi")
    if relative:
        if lo < 0:
            raise ConfigError(f"{where}: a relative prior is a factor on the configured value; its support starts at "
                              f"{lo:g}, below 0; give lo ≥ 0")
    elif (field_lo is not None and lo < field_lo) or (field_hi is not None and hi > field_hi) or (
            meta.get("strict_lo") and lo <= field_lo):
        support = f"[{lo:g}, {hi:g}]"
        allowed = f"[{'−∞' if field_lo is None else f'{field_lo:g}'}, {'∞' if field_hi is None else f'{field_hi:g}'}]"
        raise ConfigError(f"{where}: a {name} prior's support {support} leaves the field's range {allowed}; give lo "
                          "and hi within it")
    return Prior(path, dist, lo, hi, integer, relative, field_lo, field_hi)


def _distribution(where: str, name: str, p: dict[str, float]) -> tuple[Dist, float, float]:
    """(distribution, lower bound, upper bound) of a checked spec."""
    inf = math.inf
    dist = Dist(name, p)
    if name == "uniform":
        _ordered(where, p["lo"], p["hi"])
        return dist, p["lo"], p["hi"]
    if name == "triangular":
        _ordered(where, p["lo"], p["hi"])
        if not p["lo"] <= p["mode"] <= p["hi"]:
            raise ConfigError(f"{where}.mode = {p['mode']:g}: must lie between lo ({p['lo']:g}) and hi ({p['hi']:g})")
        return dist, p["lo"], p["hi"]
    if name == "beta":
        lo, hi = p.get("lo", 0.0), p.get("hi", 1.0)
        _ordered(where, lo, hi)
        for k in ("a", "b"):
            if p[k] <= 0:
                raise ConfigError(f"{where}.{k} = {p[k]:g}: must be > 0")
        return dist, lo, hi
    scale_key = "sd" if name == "normal" else "sigma"
    if p[scale_key] <= 0:
        raise ConfigError(f"{where}.{scale_key} = {p[scale_key]:g}: must be > 0")
    if name == "normal":
        lo, hi = p.get("lo", -inf), p.get("hi", inf)
    else:
        if p["median"] <= 0:
            raise ConfigError(f"{where}.median = {p['median']:g}: must be > 0")
        lo, hi = p.get("lo", 0.0), p.get("hi", inf)
    _ordered(where, lo, hi)
    if dist.cdf(hi) - dist.cdf(lo) <= 1e-9:
        raise ConfigError(f"{where}: the {name} prior holds no probability between lo ({lo:g}) and hi ({hi:g})")
    return dist, lo, hi


def _ordered(where: str, lo: float, hi: float) -> None:
    if not lo < hi:
        raise ConfigError(f"{where}: lo ({lo:g}) must be below hi ({hi:g})")


def field_range(path: str) -> tuple[dict, bool]:
    """(declared range metadata ``lo``/``hi``/``strict_lo``, whether an integer) of a field priors and assumptions
    may set, or a :class:`ConfigError` naming what is allowed."""
    return _field(path)


def _field(path: str) -> tuple[dict, bool]:
    """(declared range metadata, whether it is an integer) of the numeric config field at ``path``.

    ``market.…`` names a field of the market preset, ``competitors.…`` one of the scenario's headline blocks
    (``competitors.price_war.depth``: every rival; the list of rivals itself takes no prior), and
    ``strategy.<kind>.<param>`` a numeric parameter of a strategy component kind.
    """
    head, _, rest = path.partition(".")
    if head == "strategy":
        kind, _, param = rest.partition(".")
        if kind not in REGISTRY:
            raise ConfigError(f"{path}: unknown component kind {kind!r}; allowed: {', '.join(sorted(REGISTRY))}")
        known = {f.name: f for f in fields(REGISTRY[kind])}
        if param not in known or not _numeric(known[param]):
            numeric = [n for n, f in known.items() if _numeric(f)]
            raise ConfigError(f"{path}: not a numeric parameter of {kind}; allowed: {', '.join(numeric)}")
        return dict(known[param].metadata), _integer(known[param])
    if head in _NOT_ASSUMPTIONS:
        raise ConfigError(f"{path}: not an assumption a prior can go on ({', '.join(_NOT_ASSUMPTIONS)} are the "
                          "run's own settings); priors go on market.…, competitors.… and strategy.<kind>.<parameter>")
    node: Any = RunConfig()
    target = None
    for part in path.split("."):
        known = {f.name: f for f in fields(node)} if is_dataclass(node) else {}
        if part not in known:
            raise ConfigError(f"{path}: no field {part!r} there; allowed: {', '.join(known) or 'none'}")
        target, node = known[part], getattr(node, part)
    if is_dataclass(node) or not _numeric(target):
        raise ConfigError(f"{path}: not a numeric field")
    return dict(target.metadata), _integer(target)


def _integer(f: Any) -> bool:
    return f.type in (int, "int", "int | None") or isinstance(f.default, int) and not isinstance(f.default, bool)


def _numeric(f: Any) -> bool:
    """Whether a dataclass field holds one number (declared range metadata, not a flag, not a list)."""
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    return "lo" in f.metadata and kind.split(" ")[0] in ("int", "float")
