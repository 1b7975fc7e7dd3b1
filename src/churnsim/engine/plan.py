"""The run plan: a config validated once, the strategy built once, the suppliers' arrays derived once.

:func:`make_plan` is the one door from a typed config to a run (:func:`plan_from_hydra` from a config Hydra
composed): it draws the replicate's values of the priors on assumptions, if any (:mod:`.uncertainty`), checks every
field and cross-field rule (:func:`churnsim.core.config.validate`), refuses a run whose
estimated peak memory exceeds the memory available (:func:`estimated_peak_bytes`), builds the focal strategy's
components from the registry and checks them against the run, and derives the suppliers' arrays.
:class:`~churnsim.engine.model.MarketModel` takes the plan and checks nothing again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from omegaconf import DictConfig

from churnsim.core.config import ConfigError, RunConfig, rivals_of, validate
from churnsim.core.hydra_schemas import to_run_config
from churnsim.engine.uncertainty import check_assumptions, check_priors, draw, with_assumptions, with_draws
from churnsim.state.account_list import AccountList, read_account_list
from churnsim.state.accounts import slot_bytes
from churnsim.state.suppliers import SupplierArrays
from churnsim.strategies import Component, build_components

__all__ = ["RunPlan", "available_bytes", "estimated_peak_bytes", "make_plan", "plan_from_hydra"]

# The peak-memory model of a run that writes its tables (what ``churnsim`` does), fitted to benchmarks/memory.py
# (2026-12-04, Python 3.11: 300k-1M accounts × 15-60 months, peak 499-856 MiB, residuals within 3 %;
# docs/performance.md):
_FIXED = 404e6  # the interpreter, numpy, pandas, numba and its compiled kernels, Mesa, Hydra
_PER_ACCOUNT = 101.0  # per initial account beyond its slot and contacts: building the market, writing the tables
_PER_CONTACT = 8.0  # per contact of the network (both ends of a link, int32, and the build's sort keys)
_CLV_PER_ACCOUNT_MONTH = 48.0  # the CLV export keeps each month's focal customers and builds its tables whole


@dataclass(frozen=True)
class RunPlan:
    """What a run needs before it starts: nothing in it changes during the run."""

    cfg: RunConfig
    components: tuple[Component, ...]  # the focal firm's retention strategy, built and checked
    suppliers: SupplierArrays
    resolved: dict[str, Any] | None = field(default=None, compare=False)  # the composed config as plain data
    draws: dict[str, float] = field(default_factory=dict)  # this replicate's values of the priors (set in cfg)
    account_list: AccountList | None = field(default=None, compare=False)  # the firm's accounts (accounts_file)


_MAX_COMPONENTS = 127  # the accounts' *_by columns are int8


def make_plan(cfg: RunConfig, resolved: dict[str, Any] | None = None) -> RunPlan:
    """Validate ``cfg``, build its strategy and derive the suppliers' arrays.

    Args:
        cfg: the run's configuration.
        resolved: the composed config as plain data, for the provenance record (:func:`plan_from_hydra` gives it).

    Raises:
        ConfigError: naming the field, its value and what is allowed.
    """
    if cfg.assumptions:  # values set over the presets (churnsim-explore's points); priors then act on them
        cfg = with_assumptions(cfg, check_assumptions(cfg))
    priors = check_priors(cfg)
    draws = draw(cfg, priors)  # this replicate's assumptions, set before anything is checked or built
    if draws:
        cfg = with_draws(cfg, priors, draws)
    validate(cfg)
    account_list = None
    if cfg.accounts_file is not None:
        account_list = read_account_list(cfg.accounts_file, cfg.privacy_salt, cfg.market.accounts.n_regions)
        cfg = replace(cfg, n_accounts=accounts_around(cfg, len(account_list)))
        if resolved is not None:
            resolved = {**resolved, "n_accounts": cfg.n_accounts}
    _check_memory(cfg)
    components = build_components(cfg.strategy.components)
    if len(components) > _MAX_COMPONENTS:
        raise ConfigError(f"strategy.components: {len(components)} components; at most {_MAX_COMPONENTS} are allowed "
                          "(each discount records the component that granted it in one byte)")
    for i, component in enumerate(components):
        component.check(f"strategy.components[{i}]", cfg)
    return RunPlan(cfg, tuple(components), SupplierArrays.of(cfg), _redacted(resolved), draws, account_list)


def accounts_around(cfg: RunConfig, focal: int) -> int:
    """Accounts in the whole market when the focal firm holds ``focal`` of them at month 0: the focal firm's
    ``initial_share`` weight against those of the suppliers present then sets its share."""
    present = [cfg.market.focal, *(r for r in rivals_of(cfg) if r.enters_at_month is None or r.enters_at_month <= 0)]
    share = cfg.market.focal.initial_share / sum(s.initial_share for s in present)
    return focal + round(focal * (1.0 - share) / share)


def _redacted(resolved: dict[str, Any] | None) -> dict[str, Any] | None:
    """The config as provenance records it: the privacy salt replaced by the start of its hash (two runs with the
    same salt still record the same config, and resume; the salt itself is in no output)."""
    if resolved is None or resolved.get("privacy_salt") is None:
        return resolved
    digest = hashlib.sha256(str(resolved["privacy_salt"]).encode()).hexdigest()[:12]
    return {**resolved, "privacy_salt": f"sha256:{digest}"}


def estimated_peak_bytes(cfg: RunConfig) -> float:
    """Peak resident memory of the run ``cfg`` writing its tables, estimated (bytes).

    The account table holds a slot for every account ever in the market: the initial ones and
    ``entry_rate_per_month × n_accounts`` entrants a month over burn-in and reported months.
    """
    acc, n = cfg.market.accounts, cfg.n_accounts
    months = cfg.months + cfg.burn_in_months
    slots = n * (1 + acc.entry_rate_per_month * months)
    clv = any(name.startswith("clv_") for name in cfg.output.tables)
    return (_FIXED + slots * slot_bytes() + n * (_PER_ACCOUNT + _PER_CONTACT * acc.network_degree)
            + (_CLV_PER_ACCOUNT_MONTH * n * months if clv else 0.0))


def available_bytes() -> float | None:
    """Memory available to a new process now (Linux ``MemAvailable``), or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            return next(int(line.split()[1]) * 1024.0 for line in meminfo if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return None


def _check_memory(cfg: RunConfig) -> None:
    """Refuse a run that would not fit in memory, in one line, unless ``output.allow_large``."""
    need, have = estimated_peak_bytes(cfg), available_bytes()
    if cfg.output.allow_large or have is None or need <= have:
        return
    fits = int(cfg.n_accounts * (have - _FIXED) / max(need - _FIXED, 1.0))
    raise ConfigError(f"n_accounts = {cfg.n_accounts}: this run needs about {need / 1e9:,.1f} GB of memory and "
                      f"{have / 1e9:,.1f} GB are available; run fewer accounts (about {max(fits, 0):,d} fit), "
                      f"fewer tables (output.tables), or set output.allow_large=true to try anyway")


def plan_from_hydra(dcfg: DictConfig, size: Callable[[RunConfig], RunConfig] | None = None) -> RunPlan:
    """The plan of a config Hydra composed (its resolved form kept for provenance).

    Args:
        size: what turns ``focal_accounts`` into ``n_accounts`` (:func:`churnsim.engine.sizing.sized`, which runs the
            model and so lives above this module); the n_accounts it sets is what the provenance records.
    """
    cfg, resolved = to_run_config(dcfg)
    if size is not None:
        cfg = size(cfg)
        resolved = {**resolved, "n_accounts": cfg.n_accounts} if resolved is not None else None
    return make_plan(cfg, resolved)
