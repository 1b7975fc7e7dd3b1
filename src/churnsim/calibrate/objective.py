"""What a calibration trial measures and how far it is from the targets: the loss and its replicate noise.

One replicate of a trial is one run of the trial's config with ``replicate = r``; replicate r of every trial (and of
the base config) uses the same seeds, so trials are compared on the same simulated worlds (common random numbers)
and the loss differences between trials carry far less noise than the losses themselves.

Measured per replicate (:func:`measure`):

- ``annual_churn_rate``: ``summary.json``'s key of that name;
- ``uncontrollable_share``: ``1 - churn_controllable_share`` (summary.json's share is 0 when the focal firm lost
  no one, which makes this 1);
- ``survival``: the cohort of the focal firm's customers at the start of month 0 (after burn-in; with
  ``burn_in_months: 0`` a fresh cohort whose latent propensities follow their Beta prior, like a newly acquired
  cohort), as the percentage still with the firm without a break at the start of each year y, i.e. after month
  12·y − 1. A customer lost once is lost, as in Fader & Hardie (2007).

The loss of one replicate r is the weighted sum, over targets k, of the mean squared standardised error over the
target's points j (survival years 1..Y; year 0 is 100 by definition; one point for a scalar target)::

    L_r = Σ_k  w_k · mean_j ((simulated_kj,r − observed_kj) / scale_k)²

A trial's objective is the mean of L_r over the replicates r = 0..R−1, and its noise is the standard error of that
mean, sd(L_r) / √R. A scale is the error counted as one unit: say 1 percentage point of survival.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from churnsim.calibrate.spec import CalibrationSpec, Parameter, Target
from churnsim.core.codes import ACTIVE
from churnsim.core.config import RunConfig, validate
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan

__all__ = ["Evaluation", "evaluate", "measure", "with_values"]

FOCAL = 0  # supplier index of the focal firm


@dataclass
class Evaluation:
    """A config evaluated over the spec's replicates: per target the replicates' values, and the loss."""

    values: dict[str, np.ndarray]  # target name → (replicates, points)
    losses: np.ndarray  # (replicates,)

    @property
    def loss(self) -> float:
        return float(self.losses.mean())

    @property
    def loss_se(self) -> float:
        """Standard error of the mean loss across replicates (the trial's own noise)."""
        return float(self.losses.std(ddof=1) / math.sqrt(len(self.losses)))

    def mean(self, name: str) -> list[float]:
        return self.values[name].mean(axis=0).tolist()

    def se(self, name: str) -> list[float]:
        values = self.values[name]
        return (values.std(axis=0, ddof=1) / math.sqrt(len(values))).tolist()


def with_values(base: RunConfig, parameters: list[Parameter], values: dict[str, float]) -> RunConfig:
    """A copy of ``base`` with each parameter's dotted path set to its value (validated)."""
    cfg = copy.deepcopy(base)
    for p in parameters:
        *groups, name = p.path.split(".")
        node = cfg
        for group in groups:
            node = getattr(node, group)
        setattr(node, name, int(values[p.path]) if p.integer else float(values[p.path]))
    return validate(cfg)


def measure(cfg: RunConfig, survival_years: int) -> dict[str, np.ndarray]:
    """Run ``cfg`` once (no tables kept) and return every target's simulated values (see the module docstring)."""
    cfg = copy.deepcopy(cfg)
    cfg.output.tables = []
    model = MarketModel(make_plan(cfg))
    while model.month < 0:
        model.step()
    acc = model.accounts
    cohort = np.flatnonzero((acc.status == ACTIVE) & (acc.supplier == FOCAL))
    alive = np.ones(len(cohort), dtype=bool)
    n_alive = [len(cohort)]
    while model.month < cfg.months:
        model.step()
        acc = model.accounts
        alive &= (acc.status[cohort] == ACTIVE) & (acc.supplier[cohort] == FOCAL)
        if model.month % 12 == 0 and len(n_alive) <= survival_years:
            n_alive.append(int(alive.sum()))
    summary = model.recorder.summary()
    return {
        "annual_churn_rate": np.array([summary["annual_churn_rate"]], dtype=float),
        "uncontrollable_share": np.array([1.0 - summary["churn_controllable_share"]]),
        "survival": 100.0 * np.asarray(n_alive, dtype=float) / max(len(cohort), 1),
    }


def _loss(target: Target, simulated: np.ndarray) -> float:
    observed = np.asarray(target.observed)
    errors = (simulated - observed) / target.scale
    if target.is_survival:
        errors = errors[1:]  # year 0 is 100 % in both
    return target.weight * float(np.mean(errors ** 2))


def evaluate(spec: CalibrationSpec, cfg: RunConfig) -> Evaluation:
    """Run replicates 0..R−1 of ``cfg`` and return every target's values and the loss of each replicate."""
    values: dict[str, list[np.ndarray]] = {t.name: [] for t in spec.targets}
    losses = []
    for replicate in range(spec.replicates):
        run = copy.deepcopy(cfg)
        run.replicate = replicate
        measured = measure(run, spec.survival_years)
        for t in spec.targets:
            values[t.name].append(measured[t.name])
        losses.append(sum(_loss(t, measured[t.name]) for t in spec.targets))
    return Evaluation({name: np.vstack(rows) for name, rows in values.items()}, np.asarray(losses))
