"""What a calibration trial measures and how far it is from the targets: the loss and its replicate noise.

One replicate of a trial is one run of the trial's config with ``replicate = r``; replicate r of every trial (and of
the base config) uses the same seeds, so trials are compared on the same simulated worlds (common random numbers)
and the loss differences between trials carry far less noise than the losses themselves. A replicate is a pure
function of (config, r), so the replicates of a trial may run in worker processes (``jobs``) with the very same
results.

Measured per replicate (:func:`measure`):

- ``annual_churn_rate``: ``summary.json``'s key of that name;
- ``uncontrollable_share``: ``1 - churn_controllable_share`` (summary.json's share is 0 when the focal firm lost
  no one, which makes this 1);
- ``revenue_retention``: ``summary.json``'s ``revenue_retention_annual``;
- ``survival``: the cohort of the focal firm's customers at the start of month 0 (after burn-in; with
  ``burn_in_months: 0`` a fresh cohort whose latent propensities follow their Beta prior, like a newly acquired
  cohort, or the firm's own accounts with ``accounts_file``), as the percentage still with the firm without a break
  at the start of each year y, i.e. after month 12·y − 1. A customer lost once is lost, as in Fader & Hardie (2007).
- ``churn_by_tier``: for each year y = 1, 2, … (months 12(y−1) … 12y−1) and tier, the share of the focal firm's
  customers of that tier at the start of the year that left it during the year (one lost and won back within the
  year counts as lost, as above); undefined, and refused, when the tier had no customer at the start of the year.

The loss of one replicate r is the weighted sum, over targets k, of the mean squared standardised error over the
target's points j (survival years 1..Y, year 0 being 100 by definition; the history's (year, tier) rows; one point
for a scalar target)::

    L_r = Σ_k  w_k · mean_j ((simulated_kj,r − observed_kj) / scale_k)²

A trial's objective is the mean of L_r over the replicates r = 0..R−1, and its noise is the standard error of that
mean, sd(L_r) / √R. A scale is the error counted as one unit: say 1 percentage point of survival.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed

from churnsim.calibrate.spec import CalibrationSpec, Parameter, Target
from churnsim.core.codes import ACTIVE, TIERS
from churnsim.core.config import ConfigError, RunConfig, validate
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan

__all__ = ["Evaluation", "evaluate", "measure", "simulated", "with_values"]

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


def measure(cfg: RunConfig, years: int) -> dict[str, np.ndarray]:
    """Run ``cfg`` once (no tables kept) and return every target's simulated values (see the module docstring):
    scalars as one value, ``survival`` for years 0..``years``, ``churn_by_tier`` as (``years``, tier) rates."""
    cfg = copy.deepcopy(cfg)
    cfg.output.tables = []
    model = MarketModel(make_plan(cfg))
    while model.month < 0:
        model.step()
    cohort = np.flatnonzero((model.accounts.status == ACTIVE) & (model.accounts.supplier == FOCAL))
    alive = np.ones(len(cohort), dtype=bool)
    n_alive = [len(cohort)]
    year_start, kept = cohort, alive.copy()  # this year's customers at its start; which have not left since
    churn = np.full((years, len(TIERS)), np.nan)
    while model.month < cfg.months:
        model.step()
        focal = (model.accounts.status == ACTIVE) & (model.accounts.supplier == FOCAL)
        alive &= focal[cohort]
        kept &= focal[year_start]
        if model.month % 12 == 0 and model.month // 12 <= years:
            n_alive.append(int(alive.sum()))
            churn[model.month // 12 - 1] = _churn_by_tier(model.accounts.tier[year_start], kept)
            year_start = np.flatnonzero(focal)
            kept = np.ones(len(year_start), dtype=bool)
    summary = model.recorder.summary()
    return {
        "annual_churn_rate": np.array([summary["annual_churn_rate"]], dtype=float),
        "uncontrollable_share": np.array([1.0 - summary["churn_controllable_share"]]),
        "revenue_retention": np.array([summary["revenue_retention_annual"]], dtype=float),
        "survival": 100.0 * np.asarray(n_alive, dtype=float) / max(len(cohort), 1),
        "churn_by_tier": churn,
    }


def _churn_by_tier(tier: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Per tier, the share of the customers (of tiers ``tier``) not ``kept``; NaN for a tier with none."""
    n = np.bincount(tier, minlength=len(TIERS)).astype(float)
    stayed = np.bincount(tier, weights=kept, minlength=len(TIERS))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, 1.0 - stayed / n, np.nan)


def simulated(target: Target, measured: dict[str, np.ndarray]) -> np.ndarray:
    """The simulated values of ``target`` at its points, from one replicate's :func:`measure`."""
    values = measured[target.name]
    if target.is_survival:
        return values[:len(target.points)]
    if target.tiers:
        return values[np.asarray(target.points) - 1, [TIERS.index(t) for t in target.tiers]]
    return values


def _loss(target: Target, simulated: np.ndarray) -> float:
    observed = np.asarray(target.observed)
    errors = (simulated - observed) / target.scale
    if target.is_survival:
        errors = errors[1:]  # year 0 is 100 % in both
    return target.weight * float(np.mean(errors ** 2))


def evaluate(spec: CalibrationSpec, cfg: RunConfig, jobs: int = 1) -> Evaluation:
    """Run replicates 0..R−1 of ``cfg`` and return every target's values and the loss of each replicate.

    Args:
        spec: the calibration (targets, replicates).
        cfg: the config to run.
        jobs: worker processes running the replicates (1: one after the other in this process; 0: one per core);
            the results are the same for any value.

    Raises:
        ConfigError: a history target's tier had no customers at the start of one of its years in a replicate.
    """
    runs = []
    for replicate in range(spec.replicates):
        run = copy.deepcopy(cfg)
        run.replicate = replicate
        runs.append(run)
    if jobs == 1:
        measured = [measure(run, spec.years) for run in runs]
    else:
        parallel = Parallel(n_jobs=jobs if jobs > 0 else -1, backend="loky")
        measured = parallel(delayed(measure)(run, spec.years) for run in runs)
    values = {t.name: np.vstack([simulated(t, m) for m in measured]) for t in spec.targets}
    for t in spec.targets:
        undefined = np.argwhere(np.isnan(values[t.name]))
        if len(undefined):
            replicate, point = undefined[0]
            if t.tiers:
                raise ConfigError(f"targets.{t.name}: year {t.points[point]}, tier {t.tiers[point]}: not defined in "
                                  f"replicate {replicate}, where the focal firm has no {t.tiers[point]} customers at "
                                  "the start of that year; drop that row, or give the accounts' tiers")
            raise ConfigError(f"targets.{t.name}: not defined in replicate {replicate}, where the focal firm has no "
                              "customers at month 0")
    losses = [sum(_loss(t, values[t.name][r]) for t in spec.targets) for r in range(spec.replicates)]
    return Evaluation(values, np.asarray(losses))
