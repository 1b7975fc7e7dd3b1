"""What an optimisation writes: every trial, the Pareto plans, their check on fresh replicates, and a strategy preset
for each plan.

Files in the output directory (columns in ``docs/optimise.md``), each written under a temporary name and moved into
place; ``trials.csv`` after every generation, the rest once the search is over, ``pareto.csv`` last, so a stopped
study never leaves a ``pareto.csv`` that looks complete (:func:`clear_results` removes an earlier one first):

- ``trials.csv``: one row per complete trial;
- ``strategy/plan_<k>.yaml``: plan k of the Pareto front as a strategy preset (``churnsim --config-dir OUT
  strategy=plan_<k>``), with a header saying where it came from;
- ``pareto_check.csv``: the Pareto plans re-scored on replicates the search never saw, beside the search's scores;
- ``pareto.csv``: the feasible, non-dominated plans (higher mean Δ value, lower risk), each plan once, best value
  first; only a header when no trial met the constraints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from optuna.trial import FrozenTrial

from churnsim.optimise.evaluate import Scores
from churnsim.optimise.plans import describe, lever_columns, lever_values, plan_key
from churnsim.optimise.search import scores_of
from churnsim.optimise.spec import OptimiseSpec
from churnsim.sensitivity.design import write_atomic

__all__ = ["clear_results", "pareto_front", "plan_preset", "scores_table", "trials_table", "write_results",
           "write_trials"]

_SEARCHED = ("value_delta_mean", "strategy_cost_total_mean", "customer_retention_annual_mean")


def _span(replicates: range) -> str:
    return f"{replicates.start}-{replicates.stop - 1}"


def clear_results(out: Path) -> None:
    """Remove an earlier run's results (``pareto.csv`` first), so none is left looking complete while this runs."""
    for path in (out / "pareto.csv", out / "pareto_check.csv", *sorted((out / "strategy").glob("plan_*.yaml"))):
        path.unlink(missing_ok=True)


def _scores(spec: OptimiseSpec, s: Scores) -> dict[str, Any]:
    risk = {"p_loss": s.risk(spec)} if spec.risk == "p_loss" else {"cvar": s.risk(spec), "cvar_level": spec.cvar_level}
    return {"value_delta_mean": s.value_delta_mean, "value_delta_se": s.value_delta_se, **risk,
            "strategy_cost_total_mean": s.strategy_cost_total_mean, "budget": spec.budget,
            "customer_retention_annual_mean": s.customer_retention_annual_mean,
            "retention_target": spec.retention_target, "feasible": s.feasible(spec)}


def trials_table(spec: OptimiseSpec, trials: list[FrozenTrial], front: list[FrozenTrial] = ()) -> pd.DataFrame:
    """One row per complete trial: its lever settings, scores, whether it is feasible, and its plan id if it is
    on the Pareto front."""
    plan_of = {t.number: f"plan_{i}" for i, t in enumerate(front)}
    searched = _span(range(spec.replicates))
    return pd.DataFrame([{"seed": spec.seed, "replicates": searched, "trial": t.user_attrs["trial"],
                          **lever_values(spec, t.params), **_scores(spec, scores_of(t)), "plan": plan_of.get(t.number)}
                         for t in trials], columns=_columns(spec, ["seed", "replicates", "trial"], ["plan"]))


def scores_table(spec: OptimiseSpec, front: list[FrozenTrial], replicates: range,
                 checks: list[Scores] | None = None) -> pd.DataFrame:
    """The Pareto plans: scored by the search (``checks`` None), or re-scored on ``replicates`` with the search's
    scores beside them (``search_*``)."""
    rows = []
    for i, t in enumerate(front):
        row = {"plan": f"plan_{i}", "trial": t.user_attrs["trial"], "seed": spec.seed, "replicates": _span(replicates),
               **lever_values(spec, t.params)}
        searched = _scores(spec, scores_of(t))
        if checks is None:
            rows.append({**row, **searched})
        else:
            check = _scores(spec, checks[i])
            rows.append({**row, **check, **{f"search_{k}": searched[k] for k in (*_SEARCHED, spec.risk)}})
    extra = [] if checks is None else [f"search_{k}" for k in (*_SEARCHED, spec.risk)]
    return pd.DataFrame(rows, columns=_columns(spec, ["plan", "trial", "seed", "replicates"], extra))


def _columns(spec: OptimiseSpec, first: list[str], last: list[str]) -> list[str]:
    risk = ["p_loss"] if spec.risk == "p_loss" else ["cvar", "cvar_level"]
    return [*first, *lever_columns(spec), "value_delta_mean", "value_delta_se", *risk, "strategy_cost_total_mean",
            "budget", "customer_retention_annual_mean", "retention_target", "feasible", *last]


def pareto_front(spec: OptimiseSpec, trials: list[FrozenTrial]) -> list[FrozenTrial]:
    """The feasible trials no other feasible trial dominates (as high a mean Δ value and as low a risk, one of them
    strictly), each plan once (its first trial), best mean Δ value first (then lower risk, then trial order)."""
    feasible: dict[str, FrozenTrial] = {}
    for t in trials:
        if scores_of(t).feasible(spec):
            feasible.setdefault(plan_key(t.user_attrs["plan"]), t)
    points = list(feasible.values())

    def dominated(t: FrozenTrial) -> bool:
        (v, r) = t.values
        return any(o.values[0] >= v and o.values[1] <= r and tuple(o.values) != (v, r) for o in points)

    front = [t for t in points if not dominated(t)]
    return sorted(front, key=lambda t: (-t.values[0], t.values[1], t.user_attrs["trial"]))


def plan_preset(spec: OptimiseSpec, name: str, trial: FrozenTrial, check: Scores, source: str, out: Path,
                start_month: int = 0) -> str:
    """A Pareto plan as a ``conf/strategy`` preset, with a header saying where it came from and how it scored.

    Args:
        spec: the checked spec.
        name: the preset's name and file stem, ``plan_<k>``.
        trial: the plan's (first) trial.
        check: its scores on the fresh replicates.
        source: the command that made it.
        out: the output directory, for the command in the header that runs the plan.
        start_month: the base config's ``strategy.start_month``, written when not 0.
    """
    searched, checked = scores_of(trial), check
    fresh = range(spec.replicates, spec.replicates + spec.check_replicates)
    plan = trial.user_attrs["plan"]
    header = [
        f"{name}: a Pareto plan of `{source}` (trial {trial.user_attrs['trial']}): {describe(plan)}",
        f"base: {' '.join(spec.overrides())}",
        f"replicates {_span(range(spec.replicates))} (search): {_line(spec, searched)}",
        f"replicates {_span(fresh)} (fresh): {_line(spec, checked)}",
        f"run: churnsim --config-dir {out} strategy={name} {' '.join(spec.overrides())}",
    ]
    body: dict[str, Any] = {"name": name, "components": plan}
    if start_month:
        body["start_month"] = start_month
    return "".join(f"# {line}\n" for line in header) + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def _line(spec: OptimiseSpec, s: Scores) -> str:
    risk = (f"P(loss) {s.risk(spec):.2f}" if spec.risk == "p_loss"
            else f"CVaR {spec.cvar_level:g} {s.risk(spec):,.0f} k€")
    target = "" if spec.retention_target is None else f" (target {spec.retention_target:g})"
    return (f"Δ value {s.value_delta_mean:+,.0f} ± {s.value_delta_se:,.0f} k€, {risk}, cost "
            f"{s.strategy_cost_total_mean:,.0f} k€ (budget {spec.budget:,.0f}), retention "
            f"{s.customer_retention_annual_mean:.3f}{target}")


def write_trials(out: Path, spec: OptimiseSpec, trials: list[FrozenTrial], front: list[FrozenTrial] = ()) -> Path:
    path = out / "trials.csv"
    write_atomic(path, trials_table(spec, trials, front).to_csv(index=False))
    return path


def write_results(out: Path, spec: OptimiseSpec, trials: list[FrozenTrial], front: list[FrozenTrial],
                  checks: list[Scores], source: str, start_month: int = 0) -> list[Path]:
    """Write every result file, ``pareto.csv`` last; return their paths.

    Args:
        out: the output directory.
        spec: the checked spec.
        trials: every complete trial.
        front: the Pareto plans (:func:`pareto_front`), in plan order.
        checks: each plan's scores on the fresh replicates.
        source: the command that made them, for the presets' header.
        start_month: the base config's ``strategy.start_month``, written into the presets when not 0.
    """
    written = [write_trials(out, spec, trials, front)]
    for i, (trial, check) in enumerate(zip(front, checks, strict=True)):
        path = out / "strategy" / f"plan_{i}.yaml"
        write_atomic(path, plan_preset(spec, f"plan_{i}", trial, check, source, out, start_month))
        written.append(path)
    fresh = range(spec.replicates, spec.replicates + spec.check_replicates)
    for name, table in (("pareto_check.csv", scores_table(spec, front, fresh, checks)),
                        ("pareto.csv", scores_table(spec, front, range(spec.replicates)))):
        write_atomic(out / name, table.to_csv(index=False))
        written.append(out / name)
    return written
