"""What a trial's parameters mean: its search space, the components of its plan, and the plan's lever columns.

Search space (Optuna parameter names): ``<lever>`` (whether the plan has it: ``false``/``true``; optional levers
only) and ``<lever>.<parameter>`` for each searched parameter: a float or integer range, or a categorical choice
whose values are the choices written as JSON text (Optuna's categorical values are scalars; a list such as
``[key, regular]`` becomes ``'["key", "regular"]'``). The space is the same for every trial: a parameter of a lever
left out is still drawn (and ignored), so NSGA-II's crossover always sees every parameter.

A plan is a list of component dicts ``{kind: ..., parameter: value, ...}`` as ``conf/strategy`` files hold them: each
lever it has, in the spec's order, with its fixed parameters and the chosen values. Two trials with the same plan
are the same strategy (and score the same on the same seeds); :func:`plan_key` names it.
"""

from __future__ import annotations

import json
from typing import Any

from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from churnsim.optimise.spec import Lever, OptimiseSpec, Setting

__all__ = ["components", "describe", "distributions", "lever_columns", "lever_values", "plan_key"]


def _param(lever: Lever, setting: Setting | None = None) -> str:
    return lever.name if setting is None else f"{lever.name}.{setting.name}"


def distributions(spec: OptimiseSpec) -> dict[str, BaseDistribution]:
    """The search space, in a fixed order (levers, then each one's searched parameters)."""
    space: dict[str, BaseDistribution] = {}
    for lever in spec.levers:
        if lever.optional:
            space[_param(lever)] = CategoricalDistribution([False, True])
        for s in lever.searched:
            space[_param(lever, s)] = (
                CategoricalDistribution([json.dumps(c) for c in s.choices]) if s.choices
                else IntDistribution(int(s.low), int(s.high)) if s.integer
                else FloatDistribution(s.low, s.high))
    return space


def _chosen(lever: Lever, setting: Setting, params: dict[str, Any]) -> Any:
    value = params[_param(lever, setting)]
    return json.loads(value) if setting.choices else value


def components(spec: OptimiseSpec, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan a trial's parameters make: the component dict of every lever it has."""
    return [{"kind": lever.kind, **lever.fixed, **{s.name: _chosen(lever, s, params) for s in lever.searched}}
            for lever in spec.levers if not lever.optional or params[_param(lever)]]


def plan_key(plan: list[dict[str, Any]]) -> str:
    """A plan's identity: equal keys, equal strategies."""
    return json.dumps(plan, sort_keys=True)


def lever_columns(spec: OptimiseSpec) -> list[str]:
    """The outputs' lever columns: ``<lever>`` (in the plan or not), then ``<lever>.<parameter>`` for each
    searched parameter."""
    return [name for lever in spec.levers
            for name in (_param(lever), *(_param(lever, s) for s in lever.searched))]


def lever_values(spec: OptimiseSpec, params: dict[str, Any]) -> dict[str, Any]:
    """A trial's lever columns: a lever's parameters are empty when the plan leaves it out; list values are JSON."""
    row: dict[str, Any] = {}
    for lever in spec.levers:
        on = not lever.optional or bool(params[_param(lever)])
        row[_param(lever)] = on
        for s in lever.searched:
            value = _chosen(lever, s, params) if on else None
            row[_param(lever, s)] = json.dumps(value) if isinstance(value, list | dict) else value
    return row


def describe(plan: list[dict[str, Any]]) -> str:
    """A plan in one line: ``service_guarantee(service_boost=0.21), contracts(discount=0.03)``; ``baseline``."""
    if not plan:
        return "baseline (no component)"
    return ", ".join(f"{c['kind']}({', '.join(f'{k}={_short(v)}' for k, v in c.items() if k != 'kind')})"
                     for c in plan)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)
