"""Scoring plans: each plan run on the same replicates as the baseline, its value measured as the paired difference.

One run is the base config with the plan as its strategy and ``replicate = r`` (:func:`run_once`); the baseline
(no component) with the same ``seed`` and ``replicate`` lives in the same world (common random numbers; under
priors it draws the same assumptions), so ``Δ value_r = value_total_r(plan) − value_total_r(baseline)`` holds the
plan's effect and little noise. A run is a pure function of (plan, replicate): :class:`Evaluator` runs each one
once per study (the baseline included, being the plan with no component), in worker processes when ``jobs > 1``,
and the results are the same for any number of jobs.

Scores of a plan over R replicates (:class:`Scores`): ``value_delta_mean`` (k€, maximised), its standard error
``sd / √R``, the risk (minimised): ``p_loss``, the share of replicates with Δ value < 0, or ``cvar``, the mean loss
−Δ value over the ⌈level × R⌉ worst replicates (k€; negative when even those gain), and the means of
``strategy_cost_total`` (k€) and ``customer_retention_annual`` that the constraints bound.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed

from churnsim.core.config import RunConfig
from churnsim.engine.run import simulate
from churnsim.optimise.plans import plan_key
from churnsim.optimise.spec import OptimiseSpec

__all__ = ["OUTCOMES", "Evaluator", "Scores", "run_once"]

OUTCOMES = ("value_total", "strategy_cost_total", "customer_retention_annual")
"""The keys of ``summary.json`` a run keeps."""

Runs = dict[str, list[float]]  # outcome → one value per replicate, in replicate order


def run_once(base: RunConfig, plan: list[dict[str, Any]], replicate: int) -> tuple[float, ...]:
    """Run ``plan`` in replicate ``replicate`` of ``base`` (no tables kept); return its :data:`OUTCOMES`."""
    strategy = dataclasses.replace(base.strategy, name="optimise_plan", components=copy.deepcopy(plan))
    cfg = dataclasses.replace(base, replicate=replicate, strategy=strategy,
                              output=dataclasses.replace(base.output, tables=[]))
    summary = simulate(cfg).summary
    return tuple(float(summary[key]) for key in OUTCOMES)


@dataclass(frozen=True)
class Scores:
    """A plan's runs over R replicates, paired with the baseline's, and what the search reads off them."""

    value_delta: np.ndarray  # k€, per replicate
    strategy_cost_total: np.ndarray  # k€, per replicate
    customer_retention_annual: np.ndarray  # per replicate

    @property
    def value_delta_mean(self) -> float:
        return float(self.value_delta.mean())

    @property
    def value_delta_se(self) -> float:
        return float(self.value_delta.std(ddof=1) / math.sqrt(len(self.value_delta)))

    @property
    def strategy_cost_total_mean(self) -> float:
        return float(self.strategy_cost_total.mean())

    @property
    def customer_retention_annual_mean(self) -> float:
        return float(self.customer_retention_annual.mean())

    def risk(self, spec: OptimiseSpec) -> float:
        """The spec's risk measure: P(loss), or CVaR at its level (k€)."""
        if spec.risk == "p_loss":
            return float(np.mean(self.value_delta < 0))
        worst = np.sort(self.value_delta)[:math.ceil(spec.cvar_level * len(self.value_delta))]
        return float(-worst.mean())

    def constraints(self, spec: OptimiseSpec) -> dict[str, float]:
        """Optuna's constraint values (≤ 0: met): ``budget`` = mean cost − budget, ``retention`` = target − mean
        retention (when the spec has a target)."""
        out = {"budget": self.strategy_cost_total_mean - spec.budget}
        if spec.retention_target is not None:
            out["retention"] = spec.retention_target - self.customer_retention_annual_mean
        return out

    def feasible(self, spec: OptimiseSpec) -> bool:
        return all(v <= 0 for v in self.constraints(spec).values())

    def to_attrs(self) -> dict[str, list[float]]:
        """The per-replicate values, as stored with a trial."""
        return {"value_delta": self.value_delta.tolist(), "strategy_cost_total": self.strategy_cost_total.tolist(),
                "customer_retention_annual": self.customer_retention_annual.tolist()}

    @classmethod
    def from_attrs(cls, attrs: dict[str, list[float]]) -> Scores:
        return cls(*(np.asarray(attrs[key], dtype=float) for key in
                     ("value_delta", "strategy_cost_total", "customer_retention_annual")))


class Evaluator:
    """Runs plans on replicates of the base config, each (plan, replicate) once, and scores them.

    Args:
        base: the base config (its strategy is replaced by each plan).
        jobs: worker processes (1: in this process, one run after the other; 0: one per core).
    """

    def __init__(self, base: RunConfig, jobs: int = 1):
        self.base = base
        self.jobs = jobs
        self._done: dict[tuple[str, int], tuple[float, ...]] = {}

    def learn(self, plan: list[dict[str, Any]], replicates: Sequence[int], runs: Runs) -> None:
        """Remember the runs of ``plan`` recorded earlier (say in a journal), so they are not run again."""
        key = plan_key(plan)
        for i, r in enumerate(replicates):
            self._done[key, r] = tuple(runs[name][i] for name in OUTCOMES)

    def runs(self, plan: list[dict[str, Any]], replicates: Sequence[int]) -> Runs:
        """The recorded runs of ``plan`` (after :meth:`score`), by outcome."""
        key = plan_key(plan)
        return {name: [self._done[key, r][j] for r in replicates] for j, name in enumerate(OUTCOMES)}

    def score(self, plans: list[list[dict[str, Any]]], replicates: Sequence[int]) -> list[Scores]:
        """Run what is not run yet of ``plans`` and the baseline on ``replicates``; return each plan's scores."""
        wanted = [([], r) for r in replicates] + [(plan, r) for plan in plans for r in replicates]
        todo = list({(plan_key(p), r): (p, r) for p, r in wanted if (plan_key(p), r) not in self._done}.items())
        for (key, r), outcomes in zip((k for k, _ in todo), self._run([task for _, task in todo]), strict=True):
            self._done[key, r] = outcomes
        baseline = np.array([self._done[plan_key([]), r][0] for r in replicates])
        scores = []
        for plan in plans:
            runs = {name: np.array(values) for name, values in self.runs(plan, replicates).items()}
            scores.append(Scores(runs["value_total"] - baseline, runs["strategy_cost_total"],
                                 runs["customer_retention_annual"]))
        return scores

    def _run(self, tasks: list[tuple[list[dict[str, Any]], int]]) -> list[tuple[float, ...]]:
        if self.jobs == 1 or len(tasks) < 2:
            return [run_once(self.base, plan, r) for plan, r in tasks]
        parallel = Parallel(n_jobs=self.jobs if self.jobs > 0 else -1, backend="loky")
        return parallel(delayed(run_once)(self.base, plan, r) for plan, r in tasks)
