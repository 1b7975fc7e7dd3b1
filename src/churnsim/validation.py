"""Measurements behind the validation suite: the published regularities of DESIGN §6, measured on model runs.

Each check of ``docs/validation.md`` (and of ``tests/test_validation.py``) has here the market it runs on and the
function that measures it, so that the document, its figures and the tests read the same numbers:

- **Cohort retention rises with tenure** (Fader & Hardie 2007): :func:`retention_by_tenure` pools a run's acquired
  cohorts (from :func:`churnsim.clv.export`) and gives survival and the retention rate of each tenure year. With
  churn driven by the latent propensity alone (:func:`propensity_only`), the customers' true monthly churn chances
  are known; :func:`churn_heterogeneity` gives their mean and polarisation, which a shifted-beta-geometric fit
  (:func:`churnsim.clv.fit_sbg`, read through :func:`sbg_heterogeneity`) should recover.
- **Double Jeopardy** (Ehrenberg, Goodhardt & Barwise 1990): :func:`tiered_rivals` gives the suppliers of a market
  different brand strengths; :func:`double_jeopardy` measures each supplier's revenue share, customers and annual
  defection from the monthly table.
- **Satisfied customers who still leave** (Reichheld 1993; Jones & Sasser 1995): :func:`churn_by_satisfaction`
  steps a model and counts, by the five-level survey answer of the month, account-months and departures.
- **Profit's response to retention** (Reichheld & Sasser 1990): :func:`retention_profit` compares a run with the
  same run (same seed: common random numbers) in which the uncontrollable exit rates are scaled down
  (:func:`fewer_exits`), and expresses the profit gain per five points of annual defection.

The contagion and rep-departure effects are measured by :func:`churnsim.diagnostics.measure_effects`.

:data:`SUITE_RUNS` and :func:`suite_config` fix each check's run (size and seed), so that the tests and the
document's figures measure the same runs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnsim.clv import ClvExport
from churnsim.core.config import OutputConfig, RunConfig
from churnsim.core.hydra_schemas import load_config
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan
from churnsim.engine.run import simulate

__all__ = [
    "INDUSTRY_PRESETS",
    "LEVELS",
    "SUITE_RUNS",
    "RetentionProfit",
    "SatisfactionChurn",
    "churn_by_satisfaction",
    "churn_heterogeneity",
    "double_jeopardy",
    "fewer_exits",
    "propensity_only",
    "retention_by_tenure",
    "retention_profit",
    "sbg_heterogeneity",
    "suite_config",
    "tiered_rivals",
]

LEVELS = ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied")
"""The five survey levels 1..5 of the account table's ``reported`` answer (DESIGN §2)."""

# the industry presets of conf/market (it also holds fader_hardie_regular, a market fitted to one cohort curve)
INDUSTRY_PRESETS = ("car_dealerships", "food_beverage_distribution", "generic_b2b", "home_appliances",
                    "industrial_compressors")

SUITE_RUNS: dict[str, dict[str, int]] = {
    "propensity_cohort": {"seed": 21, "n_accounts": 60_000, "months": 48},  # then propensity_only
    "tenure": {"seed": 22, "n_accounts": 100_000, "months": 60},
    "double_jeopardy": {"seed": 23, "n_accounts": 60_000, "months": 60, "burn_in_months": 60},  # then tiered_rivals
    "satisfaction": {"seed": 24, "n_accounts": 30_000, "months": 60},
    "profit": {"seed": 25, "n_accounts": 40_000, "months": 60},  # per market preset, then retention_profit
}
"""Top-level fields of each check's run in the validation suite; the sizes are argued in tests/test_validation.py."""


def suite_config(check: str, market: str = "generic_b2b") -> RunConfig:
    """The run of ``check`` (a key of :data:`SUITE_RUNS`): preset ``market`` of ``conf/market``, its size and seed.

    The run writes only the monthly table, the one the measurements read.
    """
    fields = [f"{key}={value}" for key, value in SUITE_RUNS[check].items()]
    cfg = load_config([f"market={market}", *fields])
    cfg.output = OutputConfig(tables=["monthly"])
    return cfg


# ---- cohort retention and the shifted-beta-geometric -----------------------------------------------------------
def propensity_only(cfg: RunConfig, consider_per_month: float = 0.4,
                    propensity: tuple[float, float] = (0.7, 6.0)) -> RunConfig:
    """``cfg`` with churn driven by the latent propensity alone, and every switch a coin toss among suppliers.

    No environment events, triggers, delight, contagion, threats, tenure effects or burn-in (the month-0 customers carry
    the Beta prior of propensities, unselected by earlier churn). Every utility component is zero, so an account
    that considers leaving picks any of the K suppliers with chance 1/K: its monthly churn chance is exactly
    ``θ = (1 − 1/K)(1 − exp(−propensity × consider_per_month))``, known per customer (:func:`churn_heterogeneity`).

    Args:
        cfg: the run to start from (size, months, seed).
        consider_per_month: the consideration hazard per unit of propensity.
        propensity: (α, β) of the latent propensity's Beta. The default, concentrated near zero, keeps θ (a
            scaled, slightly compressed propensity) close to a Beta itself, which is what an sBG assumes.
    """
    out = copy.deepcopy(cfg)
    out.burn_in_months = 0
    out.market.accounts.propensity_alpha, out.market.accounts.propensity_beta = propensity
    env, b = out.market.environment, out.market.behaviour
    env.p_closure = env.p_acquisition = env.p_upstream_integration = env.p_contraction = 0.0
    b.consider_base_per_month = consider_per_month
    b.trigger_contract_end = b.trigger_offer = b.trigger_dissatisfaction = 0.0
    b.trigger_rep_left = b.trigger_threat_refused = 0.0
    b.delight_hazard_ratio = 1.0
    b.contagion_hr_per_contact = 1.0
    b.choice_beta = b.procedural_cost = b.relationship_weight = b.money_lost_weight = 0.0
    out.market.threats.rate_per_month = 0.0
    for supplier in (out.market.focal, *out.competitors.rivals):
        supplier.brand = 0.0
    return out


def churn_heterogeneity(propensity: np.ndarray, cfg: RunConfig) -> tuple[float, float]:
    """Mean and polarisation of the true monthly churn chances of customers under :func:`propensity_only`.

    Polarisation φ = Var(θ) / (E θ (1 − E θ)) (Fader & Hardie 2007: 1/(α + β + 1) for a Beta), so the pair is
    what a Beta with the same first two moments would have.
    """
    k = 1 + len(cfg.competitors.rivals)
    hazard = np.asarray(propensity, dtype=np.float64) * cfg.market.behaviour.consider_base_per_month
    theta = (1 - 1 / k) * -np.expm1(-hazard)
    mean = float(theta.mean())
    return mean, float(theta.var() / (mean * (1 - mean)))


def sbg_heterogeneity(alpha: float, beta: float) -> tuple[float, float]:
    """Mean churn chance α/(α + β) and polarisation 1/(α + β + 1) of a shifted-beta-geometric's Beta."""
    return alpha / (alpha + beta), 1 / (alpha + beta + 1)


def retention_by_tenure(ex: ClvExport, cohort_months: int = 12, period_months: int = 12) -> pd.DataFrame:
    """Survival and retention by tenure period of the customers the focal firm acquired in its first months.

    The acquired cohorts of months ``0 .. cohort_months − 1`` are pooled by time since acquisition (each followed
    in its first spell, as in :attr:`ClvExport.cohorts`) over the periods every one of them is observed.

    Returns:
        one row per period of ``period_months`` since acquisition: ``period`` (1, 2, …), ``survival`` (share
        still in its first spell at the end of the period), ``retention`` (survival over that of the period
        before: the share of the period's starters who stayed it through) and ``n_start`` (customers at its start).
    """
    cohorts = ex.cohorts[ex.cohorts["acquired"] & (ex.cohorts["cohort_month"] < cohort_months)]
    if cohorts.empty:
        raise ValueError("no acquired cohort in the first cohort_months months")
    horizon = int(cohorts.groupby("cohort_month")["period"].max().min())  # every pooled cohort observed this long
    pooled = cohorts[cohorts["period"] <= horizon].groupby("period")["n_alive"].sum()
    ends = np.arange(0, horizon + 1, period_months)
    n = pooled.loc[ends].to_numpy(dtype=np.float64)
    return pd.DataFrame({"period": np.arange(1, len(ends)), "survival": n[1:] / n[0],
                         "retention": n[1:] / n[:-1], "n_start": n[:-1].astype(np.int64)})


# ---- Double Jeopardy -------------------------------------------------------------------------------------------
def tiered_rivals(cfg: RunConfig, brands: tuple[float, ...] = (0.8, 0.4, 0.0, -0.4, -0.8)) -> RunConfig:
    """``cfg`` with one supplier per entry of ``brands`` (utility units), all else equal: the focal firm first.

    The rivals copy ``cfg``'s first rival but for name and brand. Initial shares are the logit weights
    ``exp(brand)`` (brand enters the choice utility as it stands), so the market starts near where switching takes
    it and a long burn-in settles the rest.
    """
    out = copy.deepcopy(cfg)
    weights = np.exp(np.asarray(brands))
    template = copy.deepcopy(cfg.competitors.rivals[0])
    out.market.focal.brand, out.market.focal.initial_share = brands[0], float(weights[0] / weights.sum())
    out.competitors.rivals = []
    for i, brand in enumerate(brands[1:], start=1):
        rival = copy.deepcopy(template)
        rival.name, rival.brand, rival.initial_share = f"rival_{chr(ord('a') + i - 1)}", brand, float(
            weights[i] / weights.sum())
        out.competitors.rivals.append(rival)
    return out


def double_jeopardy(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per supplier, from a run's monthly table: its size and its customers' loyalty, largest first.

    Returns:
        one row per supplier: ``revenue_share`` and ``market_share`` (means over the months), ``customers``
        (mean active accounts), ``defection`` (departures a year / customers), ``defection_controllable``
        (switches to a competitor a year / customers) and ``retention`` (1 − ``defection``).
    """
    months = monthly["month"].nunique()
    by = monthly.groupby("supplier", observed=True)
    out = pd.DataFrame({
        "revenue_share": by["revenue_share"].mean(), "market_share": by["market_share"].mean(),
        "customers": by["active_accounts"].mean(),
        "defection": by["departures"].sum() * 12 / months / by["active_accounts"].mean(),
        "defection_controllable": by["departures_controllable"].sum() * 12 / months / by["active_accounts"].mean()})
    out["retention"] = 1 - out["defection"]
    return out.sort_values("revenue_share", ascending=False)


# ---- satisfaction and churn ------------------------------------------------------------------------------------
@dataclass
class SatisfactionChurn:
    """Account-months and departures of the reported months by the survey level (1..5) seen that month.

    ``table``: one row per level: ``level``, ``label``, ``account_months`` (accounts that could decide),
    ``switches`` (of those, switches to a competitor), ``exits`` (accounts that left the market, by their last
    survey answer), ``switch_rate`` (switches per account-month) and ``switch_rate_annual`` (1 − (1 − rate)^12).
    """

    table: pd.DataFrame

    def share_of_departures(self, levels: tuple[int, ...] = (4, 5), controllable_only: bool = False) -> float:
        """Share of departures (or of switches only) made by accounts whose survey answer was in ``levels``."""
        t = self.table.set_index("level")
        gone = t["switches"] if controllable_only else t["switches"] + t["exits"]
        return float(gone.loc[list(levels)].sum() / gone.sum())

    def rate_ratio(self, low: int = 4, high: int = 5) -> float:
        """Switch rate of level ``low`` over that of level ``high`` (say merely satisfied / very satisfied)."""
        rate = self.table.set_index("level")["switch_rate"]
        return float(rate.loc[low] / rate.loc[high])


class _SatisfactionObserved(MarketModel):
    """A model that counts, each reported month, account-months and departures by this month's survey level."""

    def __init__(self, cfg: RunConfig):
        super().__init__(cfg)
        self.counts = np.zeros((3, 5), dtype=np.int64)  # account-months, switches, exits × level

    def environment(self) -> None:
        acc = self.accounts
        before = acc.active().copy()
        super().environment()
        if self.month >= 0:
            gone = before & ~acc.active()
            self.counts[2] += np.bincount(acc.reported[gone] - 1, minlength=5)

    def decisions(self) -> None:
        acc = self.accounts
        if self.month < 0:
            super().decisions()
            return
        slots = np.flatnonzero(acc.active() & (acc.since_month < self.month))  # who may decide this month
        level, supplier = acc.reported[slots] - 1, acc.supplier[slots].copy()
        super().decisions()
        switched = acc.supplier[slots] != supplier
        self.counts[0] += np.bincount(level, minlength=5)
        self.counts[1] += np.bincount(level[switched], minlength=5)


def churn_by_satisfaction(cfg: RunConfig) -> SatisfactionChurn:
    """Run ``cfg`` once, counting account-months and departures by survey level (all suppliers' accounts)."""
    model = _SatisfactionObserved(make_plan(cfg))
    while model.month < cfg.months:
        model.step()
    n, switches, exits = model.counts
    rate = switches / np.maximum(n, 1)
    return SatisfactionChurn(pd.DataFrame({
        "level": np.arange(1, 6), "label": LEVELS, "account_months": n, "switches": switches, "exits": exits,
        "switch_rate": rate, "switch_rate_annual": 1 - (1 - rate) ** 12}))


# ---- retention and profit --------------------------------------------------------------------------------------
def fewer_exits(cfg: RunConfig, factor: float) -> RunConfig:
    """``cfg`` with every uncontrollable exit rate (closure, acquisition, upstream integration, contraction) × factor.

    Exits leave the market rather than go to a competitor, so fewer of them keep more of each supplier's customers
    without handing the focal firm anyone else's: retention changes, acquisition does not.
    """
    out = copy.deepcopy(cfg)
    env = out.market.environment
    env.p_closure *= factor
    env.p_acquisition *= factor
    env.p_upstream_integration *= factor
    env.p_contraction *= factor
    return out


@dataclass
class RetentionProfit:
    """The focal firm's defection and profit in a run and in its lower-defection counterfactual (same seed).

    Defection is the summary's ``annual_churn_rate`` (departures a year / mean customers); profit is
    ``net_profit`` (k€ over the reported months) or its present value ``net_profit_npv``.
    """

    exit_factor: float  # the counterfactual's uncontrollable exit rates, × the run's
    defection: float
    defection_counterfactual: float
    net_profit: float
    net_profit_counterfactual: float
    npv: float
    npv_counterfactual: float

    @property
    def points(self) -> float:
        """Percentage points of annual defection the counterfactual removed."""
        return 100 * (self.defection - self.defection_counterfactual)

    def gain_per_5_points(self, npv: bool = False) -> float:
        """Relative profit gain of the counterfactual, scaled linearly to five points less annual defection."""
        base, lower = (self.npv, self.npv_counterfactual) if npv else (self.net_profit, self.net_profit_counterfactual)
        return (lower / base - 1) * 5 / self.points


def retention_profit(cfg: RunConfig, points: float = 5.0) -> RetentionProfit:
    """Run ``cfg``, then the same run (same seed) with ``points`` fewer points of annual defection, and compare.

    The counterfactual scales the uncontrollable exit rates (:func:`fewer_exits`) by the factor that would remove
    ``points`` of the run's uncontrollable defection (its defection × uncontrollable share of departures). Feedbacks
    (fewer exits leave more accounts to switch, and a different mix of them) make the drop differ, so the share of
    exits removed is then rescaled once by ``points`` ÷ the drop achieved; the final drop is measured, not assumed
    (:attr:`RetentionProfit.points`).

    Raises:
        ValueError: if the run's uncontrollable defection is below ``points`` (no exit rates could remove them).
    """
    base = simulate(cfg).summary
    uncontrollable = 100 * base["annual_churn_rate"] * (1 - base["churn_controllable_share"])
    if uncontrollable <= points:
        raise ValueError(f"points = {points}: the run's uncontrollable defection is only {uncontrollable:.1f} points")
    factor = 1 - points / uncontrollable
    lower = simulate(fewer_exits(cfg, factor)).summary
    achieved = 100 * (base["annual_churn_rate"] - lower["annual_churn_rate"])
    if achieved > 0:  # one secant step on the share of exits removed
        factor = 1 - min(1.0, (1 - factor) * points / achieved)
        lower = simulate(fewer_exits(cfg, factor)).summary
    return RetentionProfit(factor, base["annual_churn_rate"], lower["annual_churn_rate"], base["net_profit"],
                           lower["net_profit"], base["net_profit_npv"], lower["net_profit_npv"])
