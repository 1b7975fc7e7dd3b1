"""The calibration spec: a YAML file naming the base config, the parameters to fit and the targets to fit them to.

Read and checked at the door (:func:`load_spec`): an unknown key, a parameter that is not a number of
:class:`~churnsim.core.config.RunConfig`, bounds outside the field's allowed range, a missing or malformed survival or
history CSV, a bad account list raise :class:`~churnsim.core.config.ConfigError` naming the key, the value and what is
allowed. Everything after that works on the typed :class:`CalibrationSpec`. The keys, with their defaults::

    name: calibrated                 # market.name of the calibrated preset (its `market` column in run outputs)
    base:                            # the world the parameters are fitted in, composed like `churnsim ...` would
      market: generic_b2b            # options of conf/market, conf/competitors, conf/strategy
      competitors: passive
      strategy: baseline
      overrides: []                  # more `key=value` overrides, e.g. market.environment.p_closure=0.002
      accounts_file: null            # the firm's account list (CSV or Parquet), relative to the spec file: its rows
                                     # are the focal firm's accounts at month 0 in every trial
      privacy_salt: null             # required with accounts_file, e.g. '${oc.env:CHURNSIM_SALT}'
      n_accounts: 10000              # not with accounts_file (the list sets the market's size)
      months: 60                     # default: 12 × the last year of the survival or history CSV when there is one
      burn_in_months: 24             # default 0 with accounts_file (the only value it allows)
      seed: 0                        # root seed; replicate r of every trial uses (seed, r): common random numbers
    parameters:                      # market.* numbers to fit, with their search bounds
      market.accounts.propensity_alpha: {low: 0.2, high: 3.0, log: true}
    targets:                         # at least one of:
      annual_churn_rate: {value: 0.18, weight: 1.0, scale: 0.01}       # summary key annual_churn_rate
      uncontrollable_share: {value: 0.6, weight: 1.0, scale: 0.05}     # 1 - churn_controllable_share
      revenue_retention: {value: 0.9, weight: 1.0, scale: 0.01}        # summary key revenue_retention_annual
      survival: {csv: regular.csv, weight: 1.0, scale: 1.0}           # year,pct_alive; scale in percentage points
      churn_by_tier: {csv: history.csv, weight: 1.0, scale: 0.01}     # year,tier,churn_rate (calibrate.history)
    trials: 50                       # total COMPLETE trials (a re-run continues up to it)
    replicates: 3                    # ≥ 2, so that each trial reports its own noise
    sampler_seed: 0                  # seed of the TPE sampler
    journal: journal.log             # Optuna journal file, relative to the output directory

Only ``market.*`` fields can be fitted, because the result is a market preset; CSV paths and the account list's path
(``base.accounts_file``, or ``accounts_file=`` in ``base.overrides``) are relative to the spec file. The salt never
reaches an output: the spec keeps only the start of its hash.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from churnsim.calibrate.history import read_history
from churnsim.core.cli_errors import BAD_INPUT, explain, unknown_key
from churnsim.core.config import ConfigError, RunConfig
from churnsim.core.hydra_schemas import load_config
from churnsim.state.account_list import read_account_list

__all__ = ["CSV_TARGETS", "CalibrationSpec", "Parameter", "SCALAR_TARGETS", "Target", "load_spec"]

SCALAR_TARGETS = {
    "annual_churn_rate": "the focal firm's departures a year over its mean active accounts (summary.json)",
    "uncontrollable_share": "share of the focal firm's departures outside its control (1 - churn_controllable_share)",
    "revenue_retention": "revenue from the focal firm's month-0 customers, last month over first, a year "
                         "(summary.json's revenue_retention_annual)",
}
"""Scalar targets: name → what is measured. Each is a share in [0, 1], but revenue retention, which growing
customers can take above 1 (at most 2)."""

CSV_TARGETS = ("survival", "churn_by_tier")
"""Targets read from a CSV file: a cohort's survival curve, the firm's churn by year and tier."""

_SCALAR_MAX = {"revenue_retention": 2.0}
_DEFAULT_SCALE = {"annual_churn_rate": 0.01, "uncontrollable_share": 0.05, "revenue_retention": 0.01,
                  "survival": 1.0, "churn_by_tier": 0.01}
"""Default standardising scales: 1 point of annual churn, 5 points of the uncontrollable share, 1 point of revenue
retention, 1 survival point, 1 point of a tier's churn rate."""

_TOP_KEYS = ("name", "base", "parameters", "targets", "trials", "replicates", "sampler_seed", "journal")
_BASE_KEYS = ("market", "competitors", "strategy", "overrides", "accounts_file", "privacy_salt", "n_accounts", "months",
              "burn_in_months", "seed")
_PARAMETER_KEYS = ("low", "high", "log")


@dataclass(frozen=True)
class Parameter:
    """A config field to fit: dotted ``path`` into :class:`RunConfig`, search bounds, log scale, int or float."""

    path: str
    low: float
    high: float
    log: bool = False
    integer: bool = False


@dataclass(frozen=True)
class Target:
    """An observed target: ``observed`` values at ``points`` (survival or history years; ``(None,)`` for a scalar),
    and for ``churn_by_tier`` each point's tier (``tiers``, one per point)."""

    name: str
    observed: tuple[float, ...]
    points: tuple[int | None, ...]
    weight: float
    scale: float
    tiers: tuple[str, ...] = ()

    @property
    def is_survival(self) -> bool:
        return self.name == "survival"


@dataclass
class CalibrationSpec:
    """A checked calibration spec (see the module docstring); ``base`` is the validated base config."""

    name: str
    base: RunConfig
    base_overrides: list[str]
    parameters: list[Parameter]
    targets: list[Target]
    trials: int
    replicates: int
    sampler_seed: int
    journal: str
    account_list: dict[str, Any] | None = None  # the account list's sha256 and rows (base.accounts_file)

    @property
    def years(self) -> int:
        """The last year a survival or history target looks at (0 without either)."""
        return _last_year(self.targets)


def load_spec(path: str | Path) -> CalibrationSpec:
    """Read and check a calibration spec file.

    Raises:
        ConfigError: one line naming the bad key, its value and what is allowed.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"spec = {str(path)!r}: no such file; must be a calibration spec (YAML)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(explain(err, [])) from err
    _mapping("", raw, _TOP_KEYS, required=("parameters", "targets"))
    name = raw.get("name", "calibrated")
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigError(f"name = {name!r}: must be a name of letters, digits and _ (a market preset's name)")
    targets = _targets(raw["targets"], path.parent)
    base, overrides = _base(raw.get("base") or {}, _last_year(targets), path.parent)
    return CalibrationSpec(
        name=name, base=base, base_overrides=overrides, parameters=_parameters(raw["parameters"]), targets=targets,
        trials=_integer("trials", raw.get("trials", 50), 1),
        replicates=_integer("replicates", raw.get("replicates", 3), 2),
        sampler_seed=_integer("sampler_seed", raw.get("sampler_seed", 0), 0), journal=_journal(raw.get("journal")),
        account_list=_account_list(base))


def _last_year(targets: list[Target]) -> int:
    return max((max(t.points) for t in targets if t.name in CSV_TARGETS), default=0)


# ---- sections ------------------------------------------------------------------------------------------------
def _base(raw: Any, years: int, spec_dir: Path) -> tuple[RunConfig, list[str]]:
    """Compose the base config as ``churnsim`` would, from the group options, the overrides and the run size.

    Returns the config (its account list's path resolved against ``spec_dir``) and the overrides as the spec gives
    them, the salt replaced by the start of its hash (they are recorded in the journal and the preset's header).
    """
    _mapping("base", raw, _BASE_KEYS)
    extra = raw.get("overrides", [])
    if not isinstance(extra, list) or not all(isinstance(o, str) and "=" in o for o in extra):
        raise ConfigError(f"base.overrides = {extra!r}: must be a list of key=value strings")
    head = [f"{group}={raw[group]}" for group in ("market", "competitors", "strategy") if group in raw]
    head += [f"{key}={raw[key]}" for key in ("accounts_file", "privacy_salt") if raw.get(key) is not None]
    own = [o for o in head + extra if _key_of(o) == "accounts_file"]
    if len(own) > 1:
        raise ConfigError(f"base: accounts_file given {len(own)} times ({', '.join(own)}); set it in one place, "
                          "base.accounts_file")
    if own and "n_accounts" in raw:
        raise ConfigError(f"base.n_accounts = {raw['n_accounts']!r}: not with an account list (accounts_file), "
                          "whose rows ÷ the focal firm's share set the market's size; leave n_accounts out")
    sizes = {"n_accounts": 10_000, "months": 12 * years if years else 60, "burn_in_months": 0 if own else 24,
             "seed": 0}
    overrides = head + [f"{key}={raw.get(key, default)}" for key, default in sizes.items()
                        if not (own and key == "n_accounts")] + list(extra)
    composed = [_resolved(o, spec_dir) if _key_of(o) == "accounts_file" else o for o in overrides]
    try:
        cfg = load_config(composed)
    except BAD_INPUT as err:
        raise ConfigError(f"base: {explain(err, overrides)}") from err
    if cfg.months < 12 * years:
        raise ConfigError(f"base.months = {cfg.months}: must be ≥ {12 * years} (12 × the last year of the survival "
                          f"or history CSV, {years})")
    return cfg, [_hidden(o, cfg) if _key_of(o) == "privacy_salt" else o for o in overrides]


def _key_of(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def _resolved(override: str, spec_dir: Path) -> str:
    """``accounts_file=PATH`` with a relative PATH made relative to the spec file's folder (quoted for Hydra)."""
    key, value = override.split("=", 1)
    value = value.strip("'\"")
    if not value or value == "null" or value.startswith("$"):
        return override
    path = str(spec_dir / value).replace("\\", "\\\\").replace("'", "\\'")
    return f"{key}='{path}'"


def _hidden(override: str, cfg: RunConfig) -> str:
    """``privacy_salt=...`` as the journal and the preset may record it: the start of the salt's hash."""
    if cfg.privacy_salt is None:
        return override
    return f"privacy_salt=sha256:{hashlib.sha256(cfg.privacy_salt.encode()).hexdigest()[:12]}"


def _account_list(cfg: RunConfig) -> dict[str, Any] | None:
    """Read and check the base config's account list, once, before any trial; its SHA-256 and row count."""
    if cfg.accounts_file is None:
        return None
    try:
        accounts = read_account_list(cfg.accounts_file, cfg.privacy_salt, cfg.market.accounts.n_regions)
    except ConfigError as err:
        raise ConfigError(f"base: {err}") from err
    return {"sha256": accounts.sha256, "rows": len(accounts)}


def _parameters(raw: Any) -> list[Parameter]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"parameters = {raw!r}: must map one or more market.* config paths to "
                          "{low: ..., high: ..., log: false}")
    return [_parameter(str(path), bounds) for path, bounds in raw.items()]


def _parameter(path: str, raw: Any) -> Parameter:
    where = f"parameters.{path}"
    meta, kind = _field_of(path)
    _mapping(where, raw, _PARAMETER_KEYS, required=("low", "high"))
    low, high, log = raw["low"], raw["high"], raw.get("log", False)
    for key, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"{where}.{key} = {value!r}: must be a finite number")
        if kind is int and value != int(value):
            raise ConfigError(f"{where}.{key} = {value!r}: must be a whole number ({path} is an integer)")
    if not isinstance(log, bool):
        raise ConfigError(f"{where}.log = {log!r}: must be true or false")
    if low >= high:
        raise ConfigError(f"{where} = [{low}, {high}]: low must be below high")
    lo, hi, strict = meta.get("lo"), meta.get("hi"), meta.get("strict_lo")
    if lo is not None and (low < lo or (strict and low == lo)):
        raise ConfigError(f"{where}.low = {low!r}: must be {'>' if strict else '≥'} {lo}, the least {path} allows")
    if hi is not None and high > hi:
        raise ConfigError(f"{where}.high = {high!r}: must be ≤ {hi}, the most {path} allows")
    if log and low <= 0:
        raise ConfigError(f"{where}.low = {low!r}: must be > 0 on a log scale (log: true)")
    return Parameter(path, float(low), float(high), log, kind is int)


def _field_of(path: str) -> tuple[dict, type]:
    """The metadata and type of the number at dotted ``path`` in :class:`RunConfig`, or a one-line error."""
    where = f"parameters.{path}"
    if not path.startswith("market."):
        raise ConfigError(f"{where}: must be a market.* field (the calibrated config is a market preset)")
    schema: Any = RunConfig
    parts = path.split(".")
    for i, part in enumerate(parts):
        names = {f.name: f for f in dataclasses.fields(schema)}
        if part not in names:
            raise ConfigError(f"{where}: {'.'.join(parts[:i + 1])}: {unknown_key(part, schema)}")
        kind = typing.get_type_hints(schema)[part]
        if i < len(parts) - 1:
            if not dataclasses.is_dataclass(kind):
                raise ConfigError(f"{where}: {'.'.join(parts[:i + 1])} is a single setting, not a group")
            schema = kind
    if kind not in (int, float):
        raise ConfigError(f"{where}: not a number (of type {getattr(kind, '__name__', kind)}); only single numbers "
                          "can be fitted")
    return dict(names[parts[-1]].metadata), kind


def _targets(raw: Any, spec_dir: Path) -> list[Target]:
    allowed = (*SCALAR_TARGETS, *CSV_TARGETS)
    _mapping("targets", raw, allowed)
    if not raw:
        raise ConfigError(f"targets = {raw!r}: must name at least one of {', '.join(allowed)}")
    targets = []
    for name, body in raw.items():
        where = f"targets.{name}"
        keys = ("csv", "weight", "scale") if name in CSV_TARGETS else ("value", "weight", "scale")
        _mapping(where, body, keys, required=keys[:1])
        weight = _number(f"{where}.weight", body.get("weight", 1.0), 0.0, None)
        scale = _number(f"{where}.scale", body.get("scale", _DEFAULT_SCALE[name]), 0.0, None, strict=True)
        if name == "survival":
            years, pct = _survival_csv(f"{where}.csv", body["csv"], spec_dir)
            targets.append(Target(name, tuple(pct), tuple(years), weight, scale))
        elif name == "churn_by_tier":
            history = read_history(f"{where}.csv", body["csv"], spec_dir)
            targets.append(Target(name, history.churn_rates, history.years, weight, scale, history.tiers))
        else:
            value = _number(f"{where}.value", body["value"], 0.0, _SCALAR_MAX.get(name, 1.0))
            targets.append(Target(name, (value,), (None,), weight, scale))
    return targets


def _survival_csv(where: str, value: Any, spec_dir: Path) -> tuple[list[int], list[float]]:
    """Years and percentages alive of a ``year,pct_alive`` CSV (``#`` comments), checked."""
    if not isinstance(value, str):
        raise ConfigError(f"{where} = {value!r}: must be the path of a year,pct_alive CSV file")
    path = spec_dir / value
    if not path.is_file():
        raise ConfigError(f"{where} = {value!r}: no such file ({path}); must be a year,pct_alive CSV, relative to the "
                          "spec file")
    try:
        table = pd.read_csv(path, comment="#")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ConfigError(f"{where} = {value!r}: not a readable CSV ({' '.join(str(err).split())})") from err
    if sorted(table.columns) != ["pct_alive", "year"]:
        raise ConfigError(f"{where} = {value!r}: columns {list(table.columns)}; must be exactly year,pct_alive")
    years = pd.to_numeric(table["year"], errors="coerce").to_numpy(dtype=float)
    pct = pd.to_numeric(table["pct_alive"], errors="coerce").to_numpy(dtype=float)
    n = len(table)
    if n < 2 or not np.array_equal(years, np.arange(n)):
        raise ConfigError(f"{where} = {value!r}: year must run 0, 1, 2, ... (at least to 1), one row each")
    if np.isnan(pct).any() or pct[0] != 100 or (pct < 0).any() or (np.diff(pct) > 0).any():
        raise ConfigError(f"{where} = {value!r}: pct_alive must start at 100 in year 0 and not increase, "
                          "staying ≥ 0")
    return [int(y) for y in years], [float(p) for p in pct]


# ---- small checks ----------------------------------------------------------------------------------------------
def _mapping(where: str, raw: Any, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> None:
    """Raise unless ``raw`` is a mapping with only ``allowed`` keys and every ``required`` one."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where or 'spec'} = {raw!r}: must be a mapping of {', '.join(allowed)}")
    prefix = f"{where}." if where else ""
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"{prefix}{key} = {raw[key]!r}: unknown key; allowed: {', '.join(allowed)}")
    for key in required:
        if key not in raw:
            raise ConfigError(f"{prefix}{key}: missing; required keys: {', '.join(required)}")


def _number(where: str, value: Any, lo: float | None, hi: float | None, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where} = {value!r}: must be a finite number")
    if (lo is not None and (value < lo or (strict and value == lo))) or (hi is not None and value > hi):
        allowed = " and ".join(p for p in (f"{'>' if strict else '≥'} {lo}" if lo is not None else "",
                                           f"≤ {hi}" if hi is not None else "") if p)
        raise ConfigError(f"{where} = {value!r}: must be {allowed}")
    return float(value)


def _integer(where: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ConfigError(f"{where} = {value!r}: must be a whole number ≥ {lo}")
    return value


def _journal(value: Any) -> str:
    if value is None:
        return "journal.log"
    if not isinstance(value, str) or not value or value.endswith(("/", "\\")):
        raise ConfigError(f"journal = {value!r}: must be a file name (relative to the output directory)")
    return value
