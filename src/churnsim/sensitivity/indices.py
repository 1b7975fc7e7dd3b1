"""Sensitivity indices from replicated runs, with the part that replicate noise alone would produce.

Each sample point is run ``R`` times (replicates ``0..R-1``; replicate ``r`` of every point has the same seed, so
differences between points share their random numbers). The per-point outcome is the replicate mean, and SALib
computes its indices from those means. The replicates then tell how much of each index noise could produce:

**Morris.** An elementary effect (EE) of parameter ``j`` in trajectory ``t`` is ``(y(x + Δe_j) - y(x)) / Δ`` on the
unit scale of each parameter's range (SALib's convention, so ``mu*`` is the outcome's change over the whole
range, per unit). It is linear in ``y``, so the EE of the replicate means is the mean of the replicates' EEs
``EE_{t,r}``. Their spread gives the noise: ``s_j²`` = the within-trajectory variance of ``EE_{t,r}`` over
replicates, pooled over the ``T`` trajectories (``T(R-1)`` degrees of freedom), and the standard error of one EE
is ``se_j = s_j / √R``. A parameter with no effect has EEs that are pure noise, ``N(0, se_j²)``, so its ``mu*``
(the mean of ``T`` absolute EEs) is ``√(2/π)·se_j`` on average (``noise_floor``), and below ``q·se_j`` in 95 % of
designs (``noise_threshold``), where ``q`` is the 95 % quantile of ``mean_t |Z_t| / √(χ²_ν/ν)`` with ``Z_t``
standard normal and ``ν = T(R-1)``: the χ² term carries the uncertainty of ``se_j`` itself. ``q`` is computed by
Monte Carlo (200,000 draws from a generator seeded by the spec). ``mu*`` is *distinguishable from noise* when it
exceeds ``noise_threshold``.

**Sobol.** ``S1``, ``ST`` (and ``S2``) with SALib's bootstrap confidence intervals (95 %, over the sample rows of
the replicate means, so the noise widens them). The noise share of the output variance is the noise of a
point mean, ``σ²/R``, over the variance of the point means ``var_i(ȳ_i)``, where ``σ²`` is the residual variance
of the point × replicate layout (:func:`noise_summary`: the shift common to all points of a replicate cancels).
XX
average, estimated from the replicates of each row pair (``noise_floor``, which is also its ``noise_threshold``).
``ST`` is distinguishable when ``ST - conf`` exceeds it; ``S1`` and ``S2``, whose estimators noise does not bias
upwards on average, when ``index - conf > 0``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "elementary_effects", "morris_indices", "noise_summary", "null_mu_star_quantile",
           "sobol_indices"]

COLUMNS = ["parameter", "index", "value", "conf", "noise_floor", "noise_threshold", "distinguishable_from_noise"]
"""Columns of the index tables (one row per parameter and index); ``conf`` is a 95 % half-width."""

_LEVEL = 0.95


def elementary_effects(x_unit: np.ndarray, y: np.ndarray, n_params: int) -> np.ndarray:
    """Elementary effects of Morris trajectories, shape ``(trajectories, parameters)``.

    Args:
        x_unit: the sample scaled to ``[0, 1]`` per parameter, ``T·(k+1)`` rows (SALib's trajectory order).
        y: one outcome per row (one replicate), or ``(replicates, rows)``.
        n_params: ``k``.
    """
    steps = n_params + 1
    x = x_unit.reshape(-1, steps, n_params)
    y = np.asarray(y, dtype=float)
    y = y.reshape(*y.shape[:-1], -1, steps)
    dx = np.diff(x, axis=1)                                  # (T, k, k): one non-zero entry per step
    moved = np.abs(dx).argmax(axis=2)                        # (T, k): which parameter each step moved
    delta = np.take_along_axis(dx, moved[..., None], axis=2)[..., 0]
    dy = np.diff(y, axis=-1) / delta                         # (..., T, k) by step
    effects = np.empty_like(dy)
    np.put_along_axis(effects, np.broadcast_to(moved, dy.shape), dy, axis=-1)
    return effects


def null_mu_star_quantile(trajectories: int, dof: int, seed: int, draws: int = 200_000) -> float:
    """95 % quantile of ``mean_t |Z_t| / √(χ²_dof / dof)``: ``mu*`` of a no-effect parameter, in units of ``se``."""
    rng = np.random.Generator(np.random.PCG64(seed))
    z = np.abs(rng.standard_normal((draws, trajectories))).mean(axis=1)
    scale = np.sqrt(rng.chisquare(dof, draws) / dof)
    return float(np.quantile(z / scale, _LEVEL))


def morris_indices(problem: dict[str, Any], x: np.ndarray, y: np.ndarray, levels: int, seed: int) -> pd.DataFrame:
    """``mu``, ``mu_star``, ``sigma`` per parameter, with ``mu_star``'s bootstrap interval and noise floor.

    Args:
        problem: SALib's problem (``names``, ``bounds``).
        x: the Morris sample, one row per point.
        y: outcomes, shape ``(replicates, points)`` (at least 2 replicates).
        levels: grid levels of the sample.
        seed: seed of the bootstrap and of the noise quantile.

    Returns:
        Rows of :data:`COLUMNS`, plus ``noise_se`` (standard error of one elementary effect of the replicate mean).
    """
    from SALib.analyze import morris

    replicates = y.shape[0]
    names, k = problem["names"], len(problem["names"])
    mean = y.mean(axis=0)
    si = morris.analyze(problem, x, mean, num_resamples=1000, conf_level=_LEVEL, num_levels=levels, seed=seed)
    lo, hi = np.asarray(problem["bounds"], dtype=float).T
    effects = elementary_effects((x - lo) / (hi - lo), y, k)           # (R, T, k)
    trajectories = effects.shape[1]
    dof = trajectories * (replicates - 1)
    pooled = ((effects - effects.mean(axis=0)) ** 2).sum(axis=(0, 1)) / dof
    se = np.sqrt(pooled / replicates)
    floor = math.sqrt(2 / math.pi) * se
    threshold = null_mu_star_quantile(trajectories, dof, seed) * se
    rows = []
    for j, name in enumerate(names):
        rows += [[name, "mu_star", si["mu_star"][j], si["mu_star_conf"][j], floor[j], threshold[j],
                  bool(si["mu_star"][j] > threshold[j]), se[j]],
                 [name, "mu", si["mu"][j], np.nan, np.nan, np.nan, None, se[j]],
                 [name, "sigma", si["sigma"][j], np.nan, np.nan, np.nan, None, se[j]]]
    return pd.DataFrame(rows, columns=[*COLUMNS, "noise_se"])


def sobol_indices(problem: dict[str, Any], y: np.ndarray, second_order: bool, seed: int) -> pd.DataFrame:
    """``S1``, ``ST`` (and ``S2``) per parameter with SALib's intervals and the noise floor of ``ST``.

    Args:
        problem: SALib's problem (``names``, ``bounds``).
        y: outcomes, shape ``(replicates, points)`` in Saltelli's row order (at least 2 replicates).
        second_order: whether the sample has the rows of second-order indices.
        seed: seed of SALib's bootstrap (a seed of 0 would make SALib use numpy's global generator: 1 is added).
    """
    from SALib.analyze import sobol

    names, k = problem["names"], len(problem["names"])
    replicates = y.shape[0]
    mean = y.mean(axis=0)
    si = sobol.analyze(problem, mean, calc_second_order=second_order, num_resamples=1000, conf_level=_LEVEL,
                       seed=seed + 1)
    step = 2 * k + 2 if second_order else k + 2
    rows_y = y.reshape(replicates, -1, step)                          # (R, N, step): A, AB_1..AB_k, [BA..], B
    variance = np.var(np.r_[rows_y[..., 0].mean(axis=0), rows_y[..., -1].mean(axis=0)])
    diff = rows_y[..., :1] - rows_y[..., 1:k + 1]                     # (R, N, k): y_A - y_AB_j, per replicate
    st_floor = 0.5 * (diff.var(axis=0, ddof=1) / replicates).mean(axis=0) / variance if variance > 0 else \
        np.zeros(k)
    rows = []
    for j, name in enumerate(names):
        s1, s1c, st, stc = si["S1"][j], si["S1_conf"][j], si["ST"][j], si["ST_conf"][j]
        rows += [[name, "S1", s1, s1c, 0.0, 0.0, bool(s1 - s1c > 0)],
                 [name, "ST", st, stc, st_floor[j], st_floor[j], bool(st - stc > st_floor[j])]]
    if second_order:
        for a in range(k):
            for b in range(a + 1, k):
                s2, s2c = si["S2"][a, b], si["S2_conf"][a, b]
                rows.append([f"{names[a]} × {names[b]}", "S2", s2, s2c, 0.0, 0.0, bool(s2 - s2c > 0)])
    return pd.DataFrame(rows, columns=COLUMNS)


def noise_summary(y: np.ndarray) -> dict[str, float]:
    """How noisy one outcome is across a design, from ``y`` of shape ``(replicates, points)``.

    Replicate ``r`` of every point shares its seed, so part of a run's deviation from its point's mean is a shift
    common to every point of that replicate (the same simulated world), which cancels in every comparison between
    points. What is left is the residual of the two-way layout (point × replicate),
    ``y_ir - ȳ_i - ȳ_r + ȳ``, with ``(points - 1)(replicates - 1)`` degrees of freedom.

    Returns:
        ``replicate_sd`` (within-point standard deviation of one run, common shift included: what independent
        seeds would see), ``noise_sd`` (standard deviation of the residual: the noise left in comparisons between
        points), ``mean_se`` (``noise_sd / √replicates``: the noise of a point's replicate mean), ``output_sd``
        (standard deviation of the point means across the design) and ``noise_share`` (``mean_se² /
        output_sd²``: the share of the variance of the point means that is replicate noise).
    """
    replicates, points = y.shape
    within = float(y.var(axis=0, ddof=1).mean())
    residual = y - y.mean(axis=0, keepdims=True) - y.mean(axis=1, keepdims=True) + y.mean()
    noise = float((residual ** 2).sum() / ((points - 1) * (replicates - 1))) if points > 1 else within
    spread = float(y.mean(axis=0).var())
    mean_se2 = noise / replicates
    return {"replicate_sd": math.sqrt(within), "noise_sd": math.sqrt(noise), "mean_se": math.sqrt(mean_se2),
            "output_sd": math.sqrt(spread), "noise_share": mean_se2 / spread if spread > 0 else math.nan}
