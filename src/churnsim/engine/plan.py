"""The run plan: a config validated once, the strategy built once, the suppliers' arrays derived once.

:func:`make_plan` is the one door from a typed config to a run (:func:`plan_from_hydra` from a config Hydra
composed): it checks every field and cross-field rule (:func:`churnsim.core.config.validate`), builds the focal
strategy's components from the registry and checks them against the run's span, and derives the suppliers'
arrays. :class:`~churnsim.engine.model.MarketModel` takes the plan and checks nothing again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig

from churnsim.core.config import RunConfig, validate
from churnsim.core.hydra_schemas import to_run_config
from churnsim.state.suppliers import SupplierArrays
from churnsim.strategies import Component, build_components

__all__ = ["RunPlan", "make_plan", "plan_from_hydra"]


@dataclass(frozen=True)
class RunPlan:
    """What a run needs before it starts: nothing in it changes during the run."""

    cfg: RunConfig
    components: tuple[Component, ...]  # the focal firm's retention strategy, built and checked
    suppliers: SupplierArrays
    resolved: dict[str, Any] | None = field(default=None, compare=False)  # the composed config as plain data


def make_plan(cfg: RunConfig, resolved: dict[str, Any] | None = None) -> RunPlan:
    """Validate ``cfg``, build its strategy and derive the suppliers' arrays.

    Args:
        cfg: the run's configuration.
        resolved: the composed config as plain data, for the provenance record (:func:`plan_from_hydra` gives it).

    Raises:
        ConfigError: naming the field, its value and what is allowed.
    """
    validate(cfg)
    components = build_components(cfg.strategy.components)
    for i, component in enumerate(components):
        component.check(f"strategy.components[{i}]", cfg)
    return RunPlan(cfg, tuple(components), SupplierArrays.of(cfg), resolved)


def plan_from_hydra(dcfg: DictConfig) -> RunPlan:
    """The plan of a config Hydra composed (its resolved form kept for provenance)."""
    cfg, resolved = to_run_config(dcfg)
    return make_plan(cfg, resolved)
