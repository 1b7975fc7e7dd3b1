"""Typed configuration: the schemas Hydra validates and everything below the entry point receives.

Every field carries its unit in its name or its ``doc`` and, where it has one, its allowed range in the
field metadata (``lo``/``hi``). :func:`validate` walks a config tree and raises :class:`ConfigError` naming
the first field that is out of range, so that a bad value is reported as ``field = value: allowed``.

The defaults are the generic B2B market of DESIGN.md §3.4; presets in ``conf/market`` override them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from typing import Any

INT64_MAX = 2**63 - 1
"""The largest seed or replicate: tables store them as 64-bit integers, and the streams key on them."""

MAX_MONTHS = 1200
"""The longest horizon (a century of months), reported or burn-in: a B2B relationship study spans years, not ages."""

# the tables a run can write (churnsim.core.schemas declares their columns): the run's own, then the CLV export's
TABLES = ("monthly", "events", "accounts", "clv_orders", "clv_cohorts", "clv_customers", "clv_alive")

__all__ = [
    "AccountsConfig",
    "AttackConfig",
    "EntrantConfig",
    "OnlineChannelConfig",
    "BehaviourConfig",
    "CompetitorsConfig",
    "ConfigError",
    "EnvironmentConfig",
    "MarketConfig",
    "OutputConfig",
    "ParallelTradingConfig",
    "PoachingConfig",
    "PriceWarConfig",
    "RunConfig",
    "SalesForceConfig",
    "StrategyConfig",
    "SupplierConfig",
    "INT64_MAX",
    "MAX_MONTHS",
    "TABLES",
    "ThreatsConfig",
    "UncertaintyConfig",
    "WalletConfig",
    "validate",
]


class ConfigError(ValueError):
    """A configuration value a user can fix: the message names the field, the value and what is allowed."""


def _num(default: Any, lo: float | None = None, hi: float | None = None, *, strict_lo: bool = False, doc: str = ""):
    return field(default=default, metadata={"lo": lo, "hi": hi, "strict_lo": strict_lo, "doc": doc})


def _p(default: float, doc: str = ""):
    """A probability (or a share) in [0, 1]."""
    return _num(default, 0.0, 1.0, doc=doc)


def _list(default: list, doc: str = "", lo: float | None = None, hi: float | None = None):
    return field(default_factory=lambda: list(default), metadata={"lo": lo, "hi": hi, "doc": doc})


@dataclass
class PoachingConfig:
    """How a supplier attacks its rivals' accounts and salespeople (DESIGN §3.1, competitors)."""

    offer_rate_per_month: float = _num(0.0, 0.0, 1.0, doc="offers made per month, as a share of rivals' accounts")
    offer_discount: float = _p(0.10, doc="price cut an offer promises, share of the offerer's price")
    target_size_exponent: float = _num(1.0, 0.0, 5.0, doc="preference for large accounts: weight ∝ size^exponent")
    target_unhappiness: float = _num(2.0, 0.0, 20.0, doc="preference for visibly unhappy accounts (per survey level)")
    rep_court_rate_per_month: float = _p(0.0, doc="chance per month that it courts a given rival salesperson")
    price_cut: float = _p(0.0, doc="list-price cut of a price war, share of its price")
    price_cut_from_month: int = _num(0, 0, doc="first month of the price cut")
    price_cut_until_month: int | None = _num(None, 0, doc="first month after the price cut, when the list price is "
                                             "back (absent: the cut lasts to the end of the run)")


@dataclass
class SupplierConfig:
    """One supplier: the focal firm (``market.focal``) or a competitor (``competitors.rivals``)."""

    name: str = "focal"
    initial_share: float = _num(0.3, 0.0, 1.0, strict_lo=True, doc="weight of its share of accounts at the start "
                                "(a supplier still to enter: the share it sizes its sales force for)")
    price: float = _num(1.0, 0.0, 10.0, strict_lo=True, doc="list price relative to the market reference price")
    quality: float = _p(0.80, doc="product quality level delivered when nothing goes wrong, 0..1")
    p_quality_incident: float = _p(0.03, doc="chance per account-month of a quality incident (unstable quality)")
    service_level: float = _p(0.70, doc="chance per month that an open complaint is resolved")
    logistics_reliability: float = _p(0.95, doc="chance per account-month of an on-time, in-full delivery")
    value_decay_per_month: float = _p(0.005, doc="product value lost per month against the market frontier")
    innovation_per_month: float = _p(0.005, doc="product value regained per month by innovation")
    brand: float = _num(0.0, -5.0, 5.0, doc="brand strength, utility units")
    accounts_per_rep: int = _num(40, 1, strict_lo=True, doc="accounts in one salesperson's book")
    cogs_share: float = _p(0.70, doc="cost of goods as a share of revenue at its own list price, which sets its "
                           "unit cost when unit_cost is absent: unit cost = cogs_share × price")
    unit_cost: float | None = _num(None, 0.0, doc="cost of goods per unit of volume, k€ per k€ of volume at the "
                                   "market reference price (absent: cogs_share × price); discounts, rebates and price "
                                   "cuts lower revenue, never the cost of goods")
    cost_to_serve_per_month: list[float] = _list([2.0, 0.5, 0.1], lo=0.0,
                                                 doc="k€ to serve one account a month, by tier (key, regular, small)")
    acquisition_cost_multiple: float = _num(5.5, 0.0, doc="cost of winning an account, × its annual cost to serve")
    relationship_selling: float = _p(1.0, doc="share of the market's relationship growth its accounts build with it")
    p_concede: float = _p(0.5, doc="chance it grants the special terms a key account threatening to leave demands")
    enters_at_month: int | None = _num(None, 0, doc="month it enters the market (absent: present from the start)")
    channel_owner: str = field(default="", metadata={
        "doc": "the supplier whose direct (online) channel this is; empty: an independent supplier"})
    channel_margin_hit: float = _p(0.0, doc="while it is present, its owner's accounts lose this share of price in "
                                            "margin (channel conflict)")
    poaching: PoachingConfig = field(default_factory=PoachingConfig)


@dataclass
class AccountsConfig:
    """Heterogeneity of the accounts at the start (DESIGN §3.2)."""

    size_median: float = _num(10.0, 0.0, strict_lo=True, doc="median monthly volume, k€ at reference price")
    size_sigma: float = _num(1.5, 0.0, 5.0, doc="log-normal sigma of volume; 1.5 puts ~83 % of revenue in the top 20 %")
    tier_shares: list[float] = _list([0.1, 0.3, 0.6], lo=0.0, hi=1.0,
                                     doc="shares of accounts by size rank in tiers key, regular, small; sum to 1")
    propensity_alpha: float = _num(0.7, 0.0, strict_lo=True, doc="Beta alpha of the latent propensity to leave")
    propensity_beta: float = _num(1.2, 0.0, strict_lo=True, doc="Beta beta of the latent propensity to leave")
    tastes: list[list[float]] = field(
        default_factory=lambda: [[0.30, 0.35, 0.20, 0.15], [0.30, 0.25, 0.20, 0.25], [0.25, 0.15, 0.20, 0.40]],
        metadata={"lo": 0.0, "doc": "mean taste weights (quality, service, logistics, price) per tier"})
    taste_concentration: float = _num(30.0, 0.0, strict_lo=True, doc="Dirichlet concentration of taste weights")
    n_regions: int = _num(8, 1, doc="regions; contacts are mostly within a region")
    network_degree: int = _num(8, 0, 200, doc="mean number of contacts per account (even)")
    network_rewire: float = _p(0.1, doc="share of contacts rewired to a random account (small world)")
    entry_rate_per_month: float = _num(0.008, 0.0, 0.2, doc="new accounts per month, share of n_accounts")
    initial_tenure_mean_months: float = _num(36.0, 0.0, 240.0, strict_lo=True,
                                             doc="mean tenure with their supplier of the accounts present at the start")


@dataclass
class EnvironmentConfig:
    """Uncontrollable events (DESIGN §3.3 step 1); rates per account-month."""

    p_closure: float = _p(0.0070, doc="business closes or goes bankrupt")
    p_acquisition: float = _p(0.0042, doc="bought, or moved by a head-office decision")
    p_upstream_integration: float = _p(0.0008, doc="integrates upstream and leaves the market")
    exit_factor_key: float = _num(1.0, 0.0, 10.0, doc="× the closure, acquisition and upstream-integration rates of "
                                  "key accounts (regular accounts: × 1); larger firms close less often")
    exit_factor_small: float = _num(1.0, 0.0, 10.0, doc="× those rates for small accounts")
    p_contraction: float = _p(0.010, doc="business shrinks: volume falls")
    contraction_factor: float = _num(0.7, 0.0, 1.0, strict_lo=True, doc="volume kept after a contraction")
    contraction_exit_share: float = _p(0.25, doc="an account exits once its volume falls below this share of start")


@dataclass
class EconomicsConfig:
    """The economics of a long relationship (issue 18; Reichheld & Sasser 1990): an account buys more from its
    supplier as the relationship ages, costs less to serve, and a delighted account brings new ones. Every effect is
    off (0) by default: no B2B source gives its size for the shipped markets (mechanisms/economics.py)."""

    spend_growth_per_year: float = _num(0.0, 0.0, 1.0, doc="growth of an account's purchases from its supplier per "
                                        "year with it (compounded; account development), share")
    spend_growth_years: int = _num(5, 0, 50, doc="years of tenure over which purchases grow; flat after")
    cost_to_serve_decline_per_year: float = _p(0.0, doc="fall of the cost to serve an account per year with its "
                                               "supplier (compounded), share")
    cost_to_serve_floor: float = _p(0.5, doc="the cost to serve never falls below this share of its tier's cost")
    referral_rate_per_year: float = _num(0.0, 0.0, 5.0, doc="new accounts a delighted account brings its supplier a "
                                         "year (referred entrants join it without shopping around)")


@dataclass
class WalletConfig:
    """Share of wallet (issue 18): an account may buy what it needs from several suppliers at once, shares following
    the Wallet Allocation Rule (Keiningham et al. 2015) with inertia (mechanisms/wallet.py). ``max_suppliers=1`` (the
    default) is a market where every account buys all it needs from one supplier."""

    max_suppliers: int = _num(1, 1, 3, doc="most suppliers an account buys from at once (1: one supplier each)")
    multi_source_share: list[float] = _list([0.6, 0.4, 0.2], lo=0.0, hi=1.0,
                                            doc="share of key, regular and small accounts that buy from more than one "
                                            "supplier (when max_suppliers > 1)")
    share_adjust_per_month: float = _num(0.15, 0.0, 1.0, strict_lo=True,
                                         doc="share of the gap to its Wallet-Allocation-Rule share a supplier's share "
                                         "of an account's wallet closes each month (inertia)")
    delist_share: float = _num(0.02, 0.0, 0.5, strict_lo=True,
                               doc="an account stops buying from a supplier it has delisted once that supplier's "
                               "share of its wallet falls below this (the supplier's departure)")


@dataclass
class BehaviourConfig:
    """Experience, satisfaction and the switching decision (DESIGN §3.3 steps 2, 3, 6)."""

    p_service_request: float = _p(0.10, doc="chance per account-month of a service request (opens a complaint)")
    complaint_escalation: float = _num(0.5, 0.0, 5.0, doc="extra weight per month a complaint stays unresolved")
    satisfaction_memory: float = _p(0.3, doc="weight of this month's experience in the satisfaction memory")
    expectation: list[float] = _list([0.75, 0.80, 0.93], lo=0.0, hi=1.0,
                                     doc="expected quality, service, logistics levels")
    report_noise_sd: float = _num(0.02, 0.0, doc="noise of a survey answer, satisfaction units")
    report_cutpoints: list[float] = _list([-0.08, -0.03, 0.02, 0.07],
                                          doc="satisfaction cut-points between the five reported levels")
    consider_base_per_month: float = _num(0.0065, 0.0, 5.0, doc="consideration hazard with no trigger, × propensity")
    trigger_contract_end: float = _num(1.0, 0.0, 50.0, doc="extra hazard at contract end, × propensity")
    trigger_offer: float = _num(1.5, 0.0, 50.0, doc="extra hazard when a competitor's offer arrives")
    trigger_dissatisfaction: float = _num(2.5, 0.0, 500.0, doc="extra hazard per unit of satisfaction below zero")
    trigger_rep_left: float = _num(12.0, 0.0, 50.0, doc="extra hazard the month the account's salesperson leaves")
    trigger_threat_refused: float = _num(3.0, 0.0, 50.0, doc="extra hazard the month a threat to leave is refused")
    delight_threshold: float = _num(0.06, -1.0, 1.0, doc="satisfaction above which an account is delighted")
    delight_hazard_ratio: float = _num(0.02, 0.0, 1.0, doc="consideration hazard of a delighted account ÷ the usual")
    contagion_hr_per_contact: float = _num(1.85, 1.0, 10.0, doc="hazard ratio per defected contact, new account")
    contagion_decay_per_month: float = _p(0.5, doc="share of a contact's defection effect left after a month")
    contagion_tenure_damping: float = _num(0.05, 0.0, 10.0, doc="log hazard ratio ÷ (1 + damping × tenure years)")
    choice_beta: float = _num(6.0, 0.0, 100.0, doc="utility per unit of perceived value (logit scale)")
    procedural_cost: float = _num(0.8, 0.0, 20.0, doc="utility cost of learning a new supplier")
    relationship_weight: float = _num(1.5, 0.0, 20.0, doc="utility of full relationship capital")
    rep_owned_share: float = _p(0.7, doc="share of relationship capital held by the salesperson, not the firm")
    relationship_growth_per_month: float = _p(0.04, doc="share of the gap to full relationship built per month")
    money_lost_weight: float = _num(0.5, 0.0, 20.0, doc="utility per month of revenue lost by switching")
    pull_decay_per_month: float = _p(0.05, doc="monthly decay of a departed salesperson's pull on former accounts")


@dataclass
class SalesForceConfig:
    """Salespeople: morale and quits (DESIGN §3.3 step 5)."""

    quit_rate_per_year: float = _p(0.20, doc="base yearly quit rate at neutral morale (Schmitz et al. 2020)")
    morale_recovery_per_month: float = _p(0.15, doc="share of the gap to neutral morale closed per month")
    morale_churn_sensitivity: float = _num(3.0, 0.0, 100.0, doc="morale lost per unit share of the book churned")
    quit_morale_elasticity: float = _num(1.5, 0.0, 20.0, doc="log quit hazard per unit of morale below neutral")
    courted_quit_multiplier: float = _num(4.0, 1.0, 100.0, doc="quit hazard × this the month a rival courts them")
    p_join_competitor: float = _p(0.5, doc="chance a quitting salesperson joins a competitor")


@dataclass
class ParallelTradingConfig:
    """Cross-region dumping of a supplier's goods that destroys its dealers' margins (DESIGN §2)."""

    p_start_per_region_month: float = _p(0.0, doc="chance per region, supplier and month that an episode starts")
    margin_hit: float = _p(0.10, doc="margin its accounts in the region lose, share of price, while it lasts")
    max_months: int = _num(6, 1, doc="months an undetected episode lasts")


@dataclass
class ThreatsConfig:
    """Key accounts threatening to leave to extract special terms (DESIGN §2)."""

    rate_per_month: float = _num(0.005, 0.0, 5.0, doc="threat hazard of a key account per month, when satisfied")
    dissatisfaction_rate: float = _num(0.1, 0.0, 50.0, doc="extra threat hazard per unit of satisfaction below zero")
    discount: float = _p(0.05, doc="share off list price a conceded threat wins")
    months: int = _num(12, 1, doc="months the conceded discount lasts")


@dataclass
class MarketConfig:
    """A market preset: accounts, the focal firm, behaviour and environment."""

    name: str = "generic_b2b"
    accounts: AccountsConfig = field(default_factory=AccountsConfig)
    focal: SupplierConfig = field(default_factory=SupplierConfig)
    environment: EnvironmentConfig = field(default_factory=EnvironmentConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)
    wallet: WalletConfig = field(default_factory=WalletConfig)
    salesforce: SalesForceConfig = field(default_factory=SalesForceConfig)
    parallel_trading: ParallelTradingConfig = field(default_factory=ParallelTradingConfig)
    threats: ThreatsConfig = field(default_factory=ThreatsConfig)
    discount_rate_per_year: float = _num(0.10, 0.0, 1.0, doc="discount rate of the present value of profit")
    terminal_horizon_months: int = _num(60, 0, 600, doc="months after the last reported one over which the accounts "
                                        "held are valued (terminal value; 0: none)")


def _default_rivals() -> list[SupplierConfig]:
    return [SupplierConfig(name="rival_a", initial_share=0.4), SupplierConfig(name="rival_b", initial_share=0.3)]


@dataclass
class PriceWarConfig:
    """A price war every rival wages at once, set in one place (``competitors.price_war.depth=0.2``).

    A field left out leaves each rival's own ``poaching`` setting (``price_cut``, ``price_cut_from_month``,
    ``price_cut_until_month``) as it is; a field given applies to every rival.
    """

    depth: float | None = _p(None, doc="list-price cut of every rival, share of its price (absent: each rival's "
                             "own poaching.price_cut)")
    from_month: int | None = _num(None, 0, doc="first month of the war (absent: each rival's price_cut_from_month)")
    until_month: int | None = _num(None, 0, doc="first month after the war, when list prices are back (absent: "
                                   "each rival's price_cut_until_month, by default the end of the run)")


@dataclass
class AttackConfig:
    """The poaching of the attacking rivals, set in one place (``competitors.attack.offer_rate_per_month=0.02``).

    A field given applies to every rival named in ``rivals`` (empty: every rival); a field left out leaves each
    rival's own ``poaching`` setting.
    """

    rivals: list[str] = _list([], doc="the attacking rivals, by name (empty: every rival)")
    offer_rate_per_month: float | None = _num(None, 0.0, 1.0, doc="offers a month, share of rivals' accounts")
    offer_discount: float | None = _p(None, doc="price cut an offer promises, share of the offerer's price")
    rep_court_rate_per_month: float | None = _p(None, doc="chance a month it courts a given rival salesperson")


@dataclass
class EntrantConfig:
    """A new entrant's headline numbers, set in one place (``competitors.entrant.enters_at_month=6``).

    A field given applies to the rival named ``name``; a field left out leaves that rival's own setting.
    """

    name: str = field(default="entrant", metadata={"doc": "the rival that enters"})
    enters_at_month: int | None = _num(None, 0, doc="month it enters the market")
    quality: float | None = _p(None, doc="its product quality, 0..1")
    p_quality_incident: float | None = _p(None, doc="its chance per account-month of a quality incident")
    brand: float | None = _num(None, -5.0, 5.0, doc="its brand strength, utility units")
    price: float | None = _num(None, 0.0, 10.0, strict_lo=True, doc="its list price against the reference price")


@dataclass
class OnlineChannelConfig:
    """An online direct channel's headline numbers, set in one place (``competitors.online.opens_at_month=12``).

    A field given applies to the rival named ``name``; a field left out leaves that rival's own setting.
    """

    name: str = field(default="online_direct", metadata={"doc": "the rival that is the channel"})
    opens_at_month: int | None = _num(None, 0, doc="month the channel opens (its enters_at_month)")
    price: float | None = _num(None, 0.0, 10.0, strict_lo=True, doc="its list price against the reference price")
    margin_hit: float | None = _p(None, doc="margin its owner's dealers lose while it runs, share of price "
                                  "(its channel_margin_hit)")
    service_level: float | None = _p(None, doc="its chance per month of resolving an open complaint")


@dataclass
class CompetitorsConfig:
    """The competitors: their offer and their poaching policy (DESIGN §3.6)."""

    name: str = "passive"
    rivals: list[SupplierConfig] = field(default_factory=_default_rivals)
    price_war: PriceWarConfig = field(default_factory=PriceWarConfig)
    attack: AttackConfig = field(default_factory=AttackConfig)
    entrant: EntrantConfig = field(default_factory=EntrantConfig)
    online: OnlineChannelConfig = field(default_factory=OnlineChannelConfig)


@dataclass
class StrategyConfig:
    """The focal firm's retention strategy: a named list of components, each ``{kind: ..., params...}``."""

    name: str = "baseline"
    components: list[Any] = field(default_factory=list)
    start_month: int = _num(0, doc="month the strategy starts (negative: already running during burn-in)")


@dataclass
class UncertaintyConfig:
    """Priors on assumptions (``conf/uncertainty``): config field → distribution; each replicate draws one value of
    each (:mod:`churnsim.engine.uncertainty`). ``none``: no priors, runs as the presets set them."""

    name: str = "none"
    priors: dict[str, Any] = field(default_factory=dict, metadata={
        "doc": "field (market.… or strategy.<kind>.<parameter>) → {dist, its parameters, source}"})


@dataclass
class OutputConfig:
    """What a run writes."""

    tables: list[str] = _list(["monthly", "events", "accounts"], doc="tables to write besides summary and provenance")
    start_date: str = field(default="2020-01-01", metadata={"doc": "calendar date of month 0 in the clv_* tables"})
    allow_large: bool = field(default=False, metadata={
        "doc": "run even if the estimated peak memory exceeds the memory available (it may then be killed)"})


@dataclass
class RunConfig:
    """One simulation run. The per-run seed derives from (``seed``, ``replicate``)."""

    seed: int = _num(0, 0, INT64_MAX, doc="root seed of a study (stored as a 64-bit integer in every table)")
    replicate: int = _num(0, 0, INT64_MAX, doc="replicate number; replicates share seeds across strategies")
    months: int = _num(60, 1, MAX_MONTHS, doc="months simulated and reported (at most a century)")
    burn_in_months: int = _num(24, 0, MAX_MONTHS, doc="months simulated before month 0 and not reported")
    n_accounts: int = _num(10_000, 1, doc="accounts in the whole market at the start (every supplier's)")
    focal_accounts: int | None = _num(None, 1, 1_000_000_000, doc="size the market so that the focal firm holds "
                                      "this many accounts at month 0, in expectation; replaces n_accounts (the run "
                                      "reports both)")
    accounts_file: str | None = field(default=None, metadata={
        "doc": "the firm's own account list (CSV or Parquet: account_id, monthly_revenue, optional tier, region, "
               "tenure_months, rep_id, contract_end_month, satisfaction): its rows are the focal firm's accounts at "
               "month 0, the rest of the market is generated around them (churnsim.state.account_list)"})
    privacy_salt: str | None = field(default=None, metadata={
        "doc": "salt of the accounts' pseudonyms (account_ref = SHA-256 of salt and account_id); required with "
               "accounts_file, at least 16 characters; outputs record only its hash"})
    n_threads: int = _num(1, 0, 1024, doc="threads for one run's per-account loops (0: every core); results are "
                          "identical for any value; 1 by default, as a sweep already runs one job per core")
    market: MarketConfig = field(default_factory=MarketConfig)
    competitors: CompetitorsConfig = field(default_factory=CompetitorsConfig)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    uncertainty: UncertaintyConfig = field(default_factory=UncertaintyConfig)
    assumptions: dict[str, Any] = field(default_factory=dict, metadata={
        "doc": "field (market.…, competitors.… or strategy.<kind>.<parameter>) → value, set over the presets "
               "before any prior is drawn; churnsim-explore puts its sampled points here"})
    output: OutputConfig = field(default_factory=OutputConfig)


def _allowed(meta: dict) -> str:
    lo, hi, strict = meta.get("lo"), meta.get("hi"), meta.get("strict_lo")
    left = "" if lo is None else f"{'>' if strict else '≥'} {lo}"
    right = "" if hi is None else f"≤ {hi}"
    return "must be " + " and ".join(part for part in (left, right) if part)


def _check_number(path: str, value: Any, meta: dict) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{path} = {value!r}: must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{path} = {value!r}: must be a finite number")
    lo, hi, strict = meta.get("lo"), meta.get("hi"), meta.get("strict_lo")
    if (lo is not None and (value < lo or (strict and value == lo))) or (hi is not None and value > hi):
        raise ConfigError(f"{path} = {value!r}: {_allowed(meta)}")


def _check_values(path: str, value: Any, meta: dict) -> None:
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_values(f"{path}[{i}]", item, meta)
    elif is_dataclass(value):
        validate(value, path)
    elif value is not None and (meta.get("lo") is not None or meta.get("hi") is not None):
        _check_number(path, value, meta)


_HEADLINES = {  # scenario block → (its field → the rival's SupplierConfig field)
    "entrant": {"enters_at_month": "enters_at_month", "quality": "quality",
                "p_quality_incident": "p_quality_incident", "brand": "brand", "price": "price"},
    "online": {"opens_at_month": "enters_at_month", "price": "price", "margin_hit": "channel_margin_hit",
               "service_level": "service_level"},
}


def rivals_of(cfg: RunConfig) -> list[SupplierConfig]:
    """The rivals with the scenario's blocks applied: ``competitors.entrant`` and ``competitors.online`` to the rival
    each names, ``competitors.attack`` to the attackers' poaching, ``competitors.price_war`` to every rival's price
    cut. Every reader of the rivals' levels goes through this.

    Raises:
        ConfigError: a block sets a value and no rival has its name.
    """
    rivals = list(cfg.competitors.rivals)
    names = [r.name for r in rivals]
    for block, fields_ in _HEADLINES.items():
        headline = getattr(cfg.competitors, block)
        given = {to: getattr(headline, name) for name, to in fields_.items() if getattr(headline, name) is not None}
        if not given:
            continue
        if headline.name not in names:
            raise ConfigError(f"competitors.{block}.name = {headline.name!r}: no rival of that name in this scenario "
                              f"(the rivals are {', '.join(names)}); its settings have nothing to apply to")
        i = names.index(headline.name)
        rivals[i] = replace(rivals[i], **given)
    return [replace(r, poaching=_poaching(r, cfg.competitors.attack, cfg.competitors.price_war)) for r in rivals]


def _poaching(rival: SupplierConfig, attack: AttackConfig, war: PriceWarConfig) -> PoachingConfig:
    """``rival``'s poaching policy with the attack block (if it is an attacker) and the price war applied."""
    given = {} if attack.rivals and rival.name not in attack.rivals else {
        name: getattr(attack, name) for name in _ATTACK if getattr(attack, name) is not None}
    given |= {own: getattr(war, name) for name, own in _WAR.items() if getattr(war, name) is not None}
    return replace(rival.poaching, **given)


_ATTACK = ("offer_rate_per_month", "offer_discount", "rep_court_rate_per_month")
_WAR = {"depth": "price_cut", "from_month": "price_cut_from_month", "until_month": "price_cut_until_month"}


def _check_set_once(cfg: RunConfig) -> None:
    """A value a scenario block sets (price war, attack, entrant, online channel) must not also be set, to another
    value, on the rival itself: the block would win and the rival's own value would be lost without a word."""
    comp = cfg.competitors
    poaching_default, supplier_default = PoachingConfig(), SupplierConfig()
    blocks = [("price_war", _WAR, lambda r: True),
              ("attack", {n: n for n in _ATTACK}, lambda r: not comp.attack.rivals or r.name in comp.attack.rivals)]
    for block, fields_, applies in blocks:
        for i, rival in enumerate(comp.rivals):
            for name, own in fields_.items():
                given, mine = getattr(getattr(comp, block), name), getattr(rival.poaching, own)
                if applies(rival) and given is not None and mine != getattr(poaching_default, own) and mine != given:
                    raise ConfigError(f"competitors.rivals[{i}].poaching.{own} = {mine} and competitors.{block}."
                                      f"{name} = {given}: set it in one place, competitors.{block}.{name} (the "
                                      "scenario's block wins over the rival's own)")
    for block, fields_ in _HEADLINES.items():
        headline = getattr(comp, block)
        for i, rival in enumerate(comp.rivals):
            if rival.name != headline.name:
                continue
            for name, own in fields_.items():
                given, mine = getattr(headline, name), getattr(rival, own)
                if given is not None and mine != getattr(supplier_default, own) and mine != given:
                    raise ConfigError(f"competitors.rivals[{i}].{own} = {mine} and competitors.{block}.{name} = "
                                      f"{given}: set it in one place, competitors.{block}.{name} (the scenario's block "
                                      "wins over the rival's own)")


def _check_consistency(cfg: RunConfig) -> None:
    if cfg.accounts_file is not None:
        if cfg.privacy_salt is None or len(cfg.privacy_salt) < 16:
            raise ConfigError(f"privacy_salt = {'(none)' if cfg.privacy_salt is None else '(too short)'}: required "
                              "with accounts_file, at least 16 characters, kept out of the outputs (e.g. "
                              "privacy_salt=${oc.env:CHURNSIM_SALT} with the salt in that environment variable)")
        if cfg.burn_in_months:
            raise ConfigError(f"burn_in_months = {cfg.burn_in_months}: must be 0 with accounts_file (the file's "
                              "accounts are the firm's at month 0, with their tenure and satisfaction; a burn-in "
                              "would let them churn before it); add burn_in_months=0")
        if cfg.focal_accounts is not None:
            raise ConfigError(f"focal_accounts = {cfg.focal_accounts}: not with accounts_file, whose rows are the "
                              "focal firm's accounts; leave focal_accounts out")
    acc = cfg.market.accounts
    if len(acc.tier_shares) != 3 or abs(sum(acc.tier_shares) - 1.0) > 1e-6:
        raise ConfigError(f"market.accounts.tier_shares = {acc.tier_shares}: must be three shares summing to 1")
    if len(acc.tastes) != 3 or any(len(t) != 4 or sum(t) <= 0 for t in acc.tastes):
        raise ConfigError(f"market.accounts.tastes = {acc.tastes}: must be three rows (tiers) of four "
                          "non-negative weights (quality, service, logistics, price)")
    if len(cfg.market.wallet.multi_source_share) != 3:
        raise ConfigError(f"market.wallet.multi_source_share = {cfg.market.wallet.multi_source_share}: must be three "
                          "shares (key, regular, small)")
    if acc.network_degree % 2:
        raise ConfigError(f"market.accounts.network_degree = {acc.network_degree}: must be even")
    cuts = cfg.market.behaviour.report_cutpoints
    if len(cuts) != 4 or sorted(cuts) != list(cuts):
        raise ConfigError(f"market.behaviour.report_cutpoints = {cuts}: must be four increasing cut-points")
    if len(cfg.market.behaviour.expectation) != 3:
        raise ConfigError(f"market.behaviour.expectation = {cfg.market.behaviour.expectation}: must be three levels "
                          "(quality, service, logistics)")
    if not cfg.competitors.rivals:
        raise ConfigError("competitors.rivals = []: must name at least one competitor")
    suppliers = [cfg.market.focal, *rivals_of(cfg)]
    if len(suppliers) > 100:
        raise ConfigError(f"competitors.rivals has {len(cfg.competitors.rivals)} entries: at most 99 are allowed")
    for i, sup in enumerate(suppliers):
        where = "market.focal" if i == 0 else f"competitors.rivals[{i - 1}]"
        if len(sup.cost_to_serve_per_month) != 3:
            raise ConfigError(f"{where}.cost_to_serve_per_month = {sup.cost_to_serve_per_month}: must be three "
                              "costs (key, regular, small)")
    _check_set_once(cfg)
    rival_names = [r.name for r in cfg.competitors.rivals]
    for name in cfg.competitors.attack.rivals:
        if name not in rival_names:
            raise ConfigError(f"competitors.attack.rivals: {name!r} is not a rival; the rivals are "
                              f"{', '.join(rival_names)}")
    war = cfg.competitors.price_war
    for i, rival in enumerate(suppliers[1:]):
        start, end = rival.poaching.price_cut_from_month, rival.poaching.price_cut_until_month
        if end is not None and end <= start:
            where = ("competitors.price_war" if war.until_month is not None or war.from_month is not None
                     else f"competitors.rivals[{i}].poaching")
            raise ConfigError(f"{where}: the price cut would end (until month {end}) before it starts (month "
                              f"{start}): until_month must be after from_month, or left out for a war to the end")
    names = [s.name for s in suppliers]
    if len(set(names)) != len(names):
        raise ConfigError(f"supplier names {names}: must be unique (market.focal.name and competitors.rivals[*].name)")
    for i, sup in enumerate(suppliers):
        where = "market.focal" if i == 0 else f"competitors.rivals[{i - 1}]"
        if sup.enters_at_month is not None and sup.enters_at_month >= cfg.months:
            field_ = f"{where}.enters_at_month"
            for block, month_field in (("entrant", "enters_at_month"), ("online", "opens_at_month")):
                headline = getattr(cfg.competitors, block)
                if i > 0 and headline.name == sup.name and getattr(headline, month_field) is not None:
                    field_ = f"competitors.{block}.{month_field}"  # where the user set it
            raise ConfigError(f"{field_} = {sup.enters_at_month}: must be < months ({cfg.months}), "
                              "or left out for a supplier present from the start")
        if sup.channel_owner and sup.channel_owner not in [n for n in names if n != sup.name]:
            raise ConfigError(f"{where}.channel_owner = {sup.channel_owner!r}: must name another supplier "
                              f"({', '.join(n for n in names if n != sup.name)}) or be empty")
    if cfg.market.focal.enters_at_month is not None:
        raise ConfigError(f"market.focal.enters_at_month = {cfg.market.focal.enters_at_month}: the focal firm is "
                          "present from the start; leave it out")
    unknown = sorted(set(cfg.output.tables) - set(TABLES))
    if unknown:
        raise ConfigError(f"output.tables = {cfg.output.tables}: unknown {unknown}; allowed: {', '.join(TABLES)}")
    try:  # checked whether or not a CLV table is asked for: a value is right or wrong whatever reads it
        date.fromisoformat(cfg.output.start_date)
    except (TypeError, ValueError):
        raise ConfigError(f"output.start_date = {cfg.output.start_date!r}: must be a date such as 2020-01-01"
                          ) from None


def validate(cfg: Any, path: str = "") -> Any:
    """Check every field of a config tree against its declared range; return the config unchanged.

    The strategy's components are checked when the run is planned (:func:`churnsim.engine.plan.make_plan`), by
    the registry that knows their parameters.

    Raises:
        ConfigError: naming the first field out of range, its value and what is allowed.
    """
    for f in fields(cfg):
        _check_values(f"{path}.{f.name}" if path else f.name, getattr(cfg, f.name), dict(f.metadata))
    if isinstance(cfg, RunConfig):
        _check_consistency(cfg)
    return cfg
