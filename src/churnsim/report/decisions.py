"""What the replicates say for a decision: how likely each strategy beats baseline or is the best, how much of the
spread of its Δ value the assumptions drawn explain, and what perfect information on them would be worth.

Every figure is over a scenario's replicates (one simulated world each, shared by its strategies):

- ``p_beats_baseline``: the share of paired replicates where the strategy's value exceeds baseline's (a tie, such
  as a strategy that never acted, does not beat it), with a 95 % Wilson interval (``.ci_low``, ``.ci_high``);
- ``p_best``: the share of replicates in which every strategy of the scenario completed where the strategy's value
  is the largest (ties share the replicate);
- ``delta_share_assumptions``: under priors on assumptions (``uncertainty=NAME``), the share of the variance of
  Δ value across replicates that a linear regression on the drawn values explains (adjusted R², at least 0), the
  rest being simulation noise and what a linear fit misses; left empty with fewer than ``P + 10`` replicates for
  ``P`` drawn values;
- the expected value of perfect information (EVPI) and of partial perfect information on each drawn parameter
  (EVPPI), by regression on the drawn values (Strong, Oakley & Brennan 2014, "Estimating multiparameter partial
  expected value of perfect information from a probabilistic sensitivity analysis sample: a nonparametric
  regression approach", Medical Decision Making 34(3)): each strategy's Δ value is regressed on one parameter (a
  smoothing spline whose roughness is chosen by generalised cross-validation, ``scipy.interpolate.
  make_smoothing_spline``) and EVPPI = mean over replicates of the largest fitted value − the largest mean; EVPI
  uses a linear regression on every parameter at once. Regression keeps most simulation noise out of both, which
  a plain mean of the largest value would count as information; what it cannot keep out with few replicates is
  measured: ``evppi_noise_floor`` is the 95th percentile of the EVPPI of a parameter that cannot matter (the
  replicates' order shuffled, 20 times, at a fixed seed), and an EVPPI below it is not told apart from noise.
  Parameters of a strategy component that no strategy of the scenario uses are left out: they cannot matter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.interpolate import make_smoothing_spline

from churnsim.report.compare import BASELINE, MEASURES, Measure, paired_differences
from churnsim.report.load import COMPONENT_COST, DRAWS, Sweep

__all__ = ["decision_columns", "voi_table"]

_MIN_UNIQUE = 5  # distinct values a smoothing spline needs
_DOF_MARGIN = 10  # replicates beyond the number of parameters before a multi-parameter fit is made
_NULL_SHUFFLES = 20  # shuffles of the replicates' order that measure the EVPPI of noise
_NULL_SEED = 20140301  # fixed: the same sweep always gives the same noise floor


def decision_columns(table: pd.DataFrame, sweep: Sweep, measure: Measure = MEASURES["total"],
                     baseline: str = BASELINE) -> pd.DataFrame:
    """The summary table with ``p_beats_baseline`` (and its interval), ``p_best`` and ``delta_share_assumptions``."""
    key = [*sweep.scenario, "strategy"]
    rows = []
    diffs = paired_differences(sweep, baseline)
    draws = _draw_columns(sweep)
    for values, part in diffs.groupby(key, dropna=False, sort=False):
        wins, n = int((part[measure.value] > 0).sum()), len(part)
        ci = stats.binomtest(wins, n).proportion_ci(method="wilson") if n else None
        share = np.nan
        if draws and values[-1] != baseline:
            share = _explained(part.merge(_worlds(sweep, draws), on=[*sweep.scenario, "seed", "replicate"]),
                               measure.value, draws)
        rows.append({**dict(zip(key, values, strict=True)), "p_beats_baseline": wins / n if n else np.nan,
                     "p_beats_baseline.ci_low": ci.low if ci else np.nan,
                     "p_beats_baseline.ci_high": ci.high if ci else np.nan, "delta_share_assumptions": share})
    out = table.merge(pd.DataFrame(rows, columns=[*key, "p_beats_baseline", "p_beats_baseline.ci_low",
                                                  "p_beats_baseline.ci_high", "delta_share_assumptions"]),
                      on=key, how="left")
    best = _p_best(sweep, measure)
    out = out.merge(best, on=key, how="left") if len(best) else out.assign(p_best=np.nan)
    first = [c for c in table.columns if c in ("rank", "n_replicates", "n_paired", "return_on_cost")]
    lead = [*key, *first, "p_beats_baseline", "p_best"]
    return out[lead + [c for c in out.columns if c not in lead]]


def voi_table(sweep: Sweep, measure: Measure = MEASURES["total"], baseline: str = BASELINE) -> pd.DataFrame:
    """Per scenario and drawn parameter: ``evppi`` (k€, present value), ``evppi_noise_floor`` and ``n_replicates``;
    the row of parameter ``all (linear)`` is the EVPI. Empty without priors on assumptions."""
    columns = [*sweep.scenario, "parameter", "evppi", "evppi_noise_floor", "n_replicates"]
    draws = _draw_columns(sweep)
    if not draws:
        return pd.DataFrame(columns=columns)
    rows = []
    world = [*sweep.scenario, "seed", "replicate"]
    diffs = paired_differences(sweep, baseline)
    for scenario, part in diffs.groupby(sweep.scenario, dropna=False, sort=True):
        scenario = scenario if isinstance(scenario, tuple) else (scenario,)
        delta = part.pivot_table(index=world, columns="strategy", values=measure.value, aggfunc="first").dropna()
        if delta.shape[1] < 2 or len(delta) < _MIN_UNIQUE:
            continue
        jobs = sweep.complete[(sweep.complete[sweep.scenario].astype(str) == [str(v) for v in scenario]).all(axis=1)]
        used = _used_draws(jobs, draws)
        theta = delta.reset_index()[world].merge(_worlds(sweep, used), on=world, how="left")[used]
        y = delta.to_numpy(float)
        label = dict(zip(sweep.scenario, scenario, strict=True))
        gen = np.random.Generator(np.random.PCG64(_NULL_SEED))
        ranks = np.arange(len(y), dtype=float)
        null = [_value_of_information(_fit_one(gen.permutation(ranks), y)) for _ in range(_NULL_SHUFFLES)]
        floor = float(np.nanpercentile(null, 95)) if not np.isnan(null).all() else np.nan
        for name in used:
            fitted = _fit_one(theta[name].to_numpy(float), y)
            rows.append({**label, "parameter": name.removeprefix(DRAWS), "evppi": _value_of_information(fitted),
                         "evppi_noise_floor": floor, "n_replicates": len(y)})
        linear = _fit_linear(theta.to_numpy(float), y)
        rows.append({**label, "parameter": "all (linear)", "evppi": _value_of_information(linear),
                     "evppi_noise_floor": np.nan, "n_replicates": len(y)})
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values([*sweep.scenario, "evppi"], ascending=[True] * len(sweep.scenario) + [False],
                           na_position="last").reset_index(drop=True)


def _draw_columns(sweep: Sweep) -> list[str]:
    """The jobs' columns of drawn values that vary (a constant draw carries no information)."""
    done = sweep.complete
    return [c for c in done.columns if c.startswith(DRAWS) and done[c].nunique(dropna=True) > 1]


def _used_draws(part: pd.DataFrame, draws: list[str]) -> list[str]:
    """The draws that can matter to the strategies of ``part`` (one scenario's jobs): market parameters, and
    parameters of the component kinds its strategies use (the kinds of their ``strategy_cost_by_component``)."""
    kinds = {c.removeprefix(COMPONENT_COST).split(".")[0] for c in part.columns
             if c.startswith(COMPONENT_COST) and part[c].notna().any()}
    return [d for d in draws if not d.startswith(f"{DRAWS}strategy.") or d.split(".")[2] in kinds]


def _worlds(sweep: Sweep, draws: list[str]) -> pd.DataFrame:
    """One row per (scenario, seed, replicate): its drawn values (the same for every strategy of the world)."""
    world = [*sweep.scenario, "seed", "replicate"]
    return sweep.complete.groupby(world, dropna=False, sort=False)[draws].first().reset_index()


def _explained(part: pd.DataFrame, metric: str, draws: list[str]) -> float:
    """Adjusted R² (at least 0) of a linear regression of ``metric`` on ``draws``; NaN without enough replicates or
    without spread."""
    y = part[metric].to_numpy(float)
    x = part[draws].to_numpy(float)
    n, p = x.shape
    if n < p + _DOF_MARGIN or np.var(y) == 0:
        return np.nan
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    r2 = 1.0 - resid.var() / y.var()
    return float(max(0.0, 1.0 - (1.0 - r2) * (n - 1) / (n - p - 1)))


def _p_best(sweep: Sweep, measure: Measure) -> pd.DataFrame:
    """Per scenario and strategy: the share of complete worlds in which its value is the largest (ties split)."""
    world = [*sweep.scenario, "seed", "replicate"]
    rows = []
    for scenario, part in sweep.complete.groupby(sweep.scenario, dropna=False, sort=True):
        scenario = scenario if isinstance(scenario, tuple) else (scenario,)
        value = part.pivot_table(index=world, columns="strategy", values=measure.value, aggfunc="first").dropna()
        if not len(value):
            continue
        v = value.to_numpy(float)
        top = v == v.max(axis=1, keepdims=True)
        share = (top / top.sum(axis=1, keepdims=True)).mean(axis=0)
        rows += [{**dict(zip(sweep.scenario, scenario, strict=True)), "strategy": s, "p_best": float(p)}
                 for s, p in zip(value.columns, share, strict=True)]
    return pd.DataFrame(rows)


def _fit_one(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Each column of ``y`` smoothed on ``x`` (a smoothing spline over the distinct values of ``x``, weighted by how
    often each occurs), at ``x``; None with fewer than five distinct values."""
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    if len(values) < _MIN_UNIQUE:
        return None
    fitted = np.empty_like(y)
    for j in range(y.shape[1]):
        means = np.bincount(inverse, weights=y[:, j]) / counts
        if np.ptp(means) == 0:
            fitted[:, j] = means[inverse]
            continue
        spline = make_smoothing_spline(values, means, w=counts.astype(float))
        fitted[:, j] = spline(values)[inverse]
    return fitted


def _fit_linear(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Each column of ``y`` fitted linearly on every column of ``x``; None without enough replicates."""
    n, p = x.shape
    if n < p + _DOF_MARGIN:
        return None
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return design @ coef


def _value_of_information(fitted: np.ndarray | None) -> float:
    """Mean over replicates of the best fitted value − the best mean fitted value (k€); NaN without a fit."""
    if fitted is None:
        return np.nan
    return float(fitted.max(axis=1).mean() - fitted.mean(axis=0).max())
