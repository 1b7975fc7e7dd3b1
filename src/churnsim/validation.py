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

- **Share of wallet** (Keiningham et al. 2015; Du, Kamakura & Mela 2007): :func:`wallet_check` steps a run whose
  accounts may buy from several suppliers and measures the Wallet Allocation Rule's fit, the correlation of the
  focal firm's and its competitors' volume in its accounts, how concentrated that competitor volume is, and whether
  the focal firm's share fell before it lost a multi-sourcing account; :func:`wallet_loyalty_by_satisfaction`
  measures, by survey level and pooled over independent runs, the share of the main supplier's wallet lost each
  month.

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
from churnsim.mechanisms import wallet

__all__ = [
    "ECONOMICS_ON",
    "INDUSTRY_PRESETS",
    "LEVELS",
    "SUITE_RUNS",
    "RetentionProfit",
    "SatisfactionChurn",
    "WALLET",
    "WalletCheck",
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
    "wallet_check",
    "wallet_loyalty_by_satisfaction",
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
    "wallet": {"seed": 26, "n_accounts": 30_000, "months": 60},  # with market.wallet.max_suppliers=3
}
"""Top-level fields of each check's run in the validation suite; the sizes are argued in tests/test_validation.py."""

WALLET = ("market.wallet.max_suppliers=3",)
"""Share of wallet on: accounts may buy from up to three suppliers (the preset says which share of each tier does)."""

ECONOMICS_ON = ("market.economics.spend_growth_per_year=0.15", "market.economics.spend_growth_years=5",
                "market.economics.cost_to_serve_decline_per_year=0.15", "market.economics.cost_to_serve_floor=0.4",
                "market.economics.referral_rate_per_year=0.3")
"""The economics of loyalty on at the sizes docs/validation.md §6 measures (assumptions: no preset turns them on)."""


def suite_config(check: str, market: str = "generic_b2b", overrides: tuple[str, ...] = ()) -> RunConfig:
    """The run of ``check`` (a key of :data:`SUITE_RUNS`): preset ``market`` of ``conf/market``, its size and seed,
    and any ``overrides`` (say :data:`WALLET`).

    The run writes only the monthly table, the one the measurements read.
    """
    fields = [f"{key}={value}" for key, value in SUITE_RUNS[check].items()]
    cfg = load_config([f"market={market}", *fields, *overrides])
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
    value: float = float("nan")  # value_total: the NPV and the terminal value of the accounts held at the end
    value_counterfactual: float = float("nan")

    @property
    def points(self) -> float:
        """Percentage points of annual defection the counterfactual removed."""
        return 100 * (self.defection - self.defection_counterfactual)

    def gain_per_5_points(self, npv: bool = False, lifetime: bool = False) -> float:
        """Relative profit gain of the counterfactual, scaled linearly to five points less annual defection: of
        profit, of its present value (``npv``), or of the present value over the accounts' lifetime (``lifetime``:
        ``value_total``, with the terminal value of the accounts held at the end)."""
        base, lower = (self.npv, self.npv_counterfactual) if npv else (self.net_profit, self.net_profit_counterfactual)
        if lifetime:
            base, lower = self.value, self.value_counterfactual
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
                           lower["net_profit"], base["net_profit_npv"], lower["net_profit_npv"], base["value_total"],
                           lower["value_total"])


# ---- share of wallet -------------------------------------------------------------------------------------------
@dataclass
class WalletCheck:
    """What :func:`wallet_check` measured on a run with share of wallet.

    ``war_mae``: mean absolute error of each ranked supplier's share of a multi-sourcing account's wallet against
    the Wallet Allocation Rule's share for its rank, over every account-month of the reported months (delisted
    suppliers left out: their target is zero). ``own_competitor_corr``: correlation, over the focal firm's accounts
    at the end, of the volume they buy from it and from its competitors. ``competitor_top20``: share of that
    competitor volume bought by the 20 % of its accounts that buy the most from competitors. ``departures``: the
    focal firm's departures to a rival from multi-sourcing accounts; ``declined_before``: share of them its share of
    the account's wallet had fallen before (the month before below its highest of the twelve before that).
    ``shift_share``: share of the focal firm's revenue lost to rivals (k€ a month, at list price) that went by
    falling shares rather than departures, over the reported months, exits from the market left out.
    """

    war_mae: float
    own_competitor_corr: float
    competitor_top20: float
    departures: int
    declined_before: float
    shift_share: float


class _WalletObserved(MarketModel):
    """A model that records, after each reported month, the Wallet Allocation Rule's errors and the focal firm's
    share of every account's wallet."""

    def __init__(self, plan):
        super().__init__(plan)
        self.errors: list[np.ndarray] = []
        self.focal_share: list[np.ndarray] = []

    def end_month(self) -> None:
        if self.month >= 0:
            acc, live = self.accounts, self.live
            multi = live[(acc.others[live] >= 0).any(axis=1)]
            in_use = np.column_stack([np.ones(len(multi), bool), acc.others[multi] >= 0])
            ranked = in_use & (acc.rank[multi] != wallet.LEAVING)
            n = ranked.sum(axis=1, keepdims=True).astype(np.float64)
            share = np.column_stack([wallet.main_share(acc, multi), acc.other_share[multi].astype(np.float64)])
            target = wallet.war_share(acc.rank[multi].astype(np.float64), n)
            self.errors.append(np.abs(share - target)[ranked])
            focal = np.zeros(acc.capacity, np.float32)
            focal[live] = wallet.served_by(acc, live, 0)
            self.focal_share.append(focal)
        super().end_month()


def wallet_check(cfg: RunConfig) -> WalletCheck:
    """Run ``cfg`` (share of wallet on) once and measure it (:class:`WalletCheck`)."""
    cfg = copy.deepcopy(cfg)
    cfg.output = OutputConfig(tables=["monthly", "events"])
    model = _WalletObserved(make_plan(cfg))
    while model.month < cfg.months:
        model.step()
    tables = model.recorder.tables()
    acc, live = model.accounts, model.live
    volume = acc.volume[live].astype(np.float64)
    own = volume * wallet.served_by(acc, live, 0)
    mine = own > 0
    competitor = (volume - own)[mine]
    top = np.sort(competitor)[::-1][: max(1, len(competitor) // 5)].sum() / max(competitor.sum(), 1e-300)

    history = np.array(model.focal_share)  # (reported months, slots)
    events = tables["events"]
    lost = events[(events["event"] == "switch") & (events["from_supplier"] == cfg.market.focal.name)
                  & (events["month"] >= 2)]
    lost = lost[acc.sources[lost["account"].to_numpy()] > 1]
    month, slot = lost["month"].to_numpy(), lost["account"].to_numpy()
    before = history[month - 1, slot]
    peak = np.array([history[max(0, m - 13): m - 1, a].max() for m, a in zip(month, slot, strict=True)])
    focal = tables["monthly"][tables["monthly"]["is_focal"]]
    shifts = float(focal["revenue_lost_wallet_shifts"].sum())
    return WalletCheck(
        war_mae=float(np.concatenate(model.errors).mean()),
        own_competitor_corr=float(np.corrcoef(own[mine], volume[mine] - own[mine])[0, 1]),
        competitor_top20=float(top), departures=len(lost),
        declined_before=float((before < peak - 1e-6).mean()) if len(lost) else float("nan"),
        shift_share=shifts / (shifts + float((focal["revenue_lost_departures"] - focal["revenue_lost_exits"]).sum())))


class _WalletLoyalty(MarketModel):
    """A model that adds up, each reported month and by this month's survey level, the main supplier's volume at
    the start of the choice and what it lost by the end of the month's shifts and switches."""

    def __init__(self, plan):
        super().__init__(plan)
        self.volume = np.zeros((2, 5))  # held, lost × level
        self.share = np.zeros((2, 5))  # the same in shares of wallet: each account counts alike

    def decisions(self) -> None:
        acc = self.accounts
        if self.month < 0:
            super().decisions()
            return
        slots = np.flatnonzero(acc.active() & (acc.since_month < self.month))
        level, main = acc.reported[slots] - 1, acc.supplier[slots].astype(np.int64)
        volume = acc.volume[slots].astype(np.float64)
        before = wallet.main_share(acc, slots)
        super().decisions()
        after = np.zeros(len(slots))
        for s in np.unique(main):
            mine = main == s
            after[mine] = wallet.served_by(acc, slots[mine], int(s))
        lost = np.maximum(before - after, 0.0)
        self.volume[0] += np.bincount(level, weights=before * volume, minlength=5)
        self.volume[1] += np.bincount(level, weights=lost * volume, minlength=5)
        self.share[0] += np.bincount(level, weights=before, minlength=5)
        self.share[1] += np.bincount(level, weights=lost, minlength=5)


def wallet_loyalty_by_satisfaction(cfg: RunConfig, replicates: int = 1) -> pd.DataFrame:
    """Run ``replicates`` replicates of ``cfg`` (``cfg.replicate``, ``cfg.replicate + 1``, …: independent markets),
    pooled; per survey level (1..5) of the main supplier's accounts, the share of its volume in them it lost a month
    to shifts and switches (``wallet_loss_rate``; exits from the market left out), that rate a year, and the same
    with each account counting alike (``share_loss_rate``). With one supplier per account it is the switch rate
    weighted by volume.

    Pooling matters here: so few accounts answering 5 lose anything that in one run of 30,000 accounts a handful of
    large ones move the ratio of level 4 to level 5 by a quarter (docs/validation.md §7).
    """
    volume, share = np.zeros((2, 5)), np.zeros((2, 5))
    for r in range(replicates):
        run = copy.deepcopy(cfg)
        run.replicate = cfg.replicate + r
        model = _WalletLoyalty(make_plan(run))
        while model.month < run.months:
            model.step()
        volume += model.volume
        share += model.share
    held, lost = volume
    rate = lost / np.maximum(held, 1e-300)
    share_rate = share[1] / np.maximum(share[0], 1e-300)
    return pd.DataFrame({"level": np.arange(1, 6), "label": LEVELS, "volume_held": held, "volume_lost": lost,
                         "wallet_loss_rate": rate, "wallet_loss_rate_annual": 1 - (1 - rate) ** 12,
                         "share_loss_rate": share_rate})
