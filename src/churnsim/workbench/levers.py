"""What the Compare page lets a strategist set: the presets, each scenario's headline numbers, each strategy's levers.

The presets are the files of ``conf/market``, ``conf/competitors`` and ``conf/strategy`` (a new file there shows up
in the app). A scenario's headline numbers are the fields of its own block (``competitors.price_war.depth`` and so
on, :class:`churnsim.core.config.CompetitorsConfig`), set as Hydra overrides. A strategy's main levers are one
parameter per kind of component it uses (:data:`COMPONENT_LEVERS`), set on every component of that kind in that
strategy only. Defaults are read from the composed presets, or from the component's declared default.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields, replace

from churnsim.core.config import RunConfig
from churnsim.core.hydra_schemas import CONF_DIR, load_config
from churnsim.strategies.registry import REGISTRY

__all__ = ["COMPONENT_LEVERS", "SCENARIO_LEVERS", "Lever", "compose", "presets", "scenario_overrides",
           "scenario_values", "strategy_levers", "with_levers"]

_COMPOSE = threading.Lock()  # Hydra's composition keeps global state: one at a time, whichever session asks


@dataclass(frozen=True)
class Lever:
    """One slider: the value it sets (a config key, or a component parameter), its label and its range."""

    key: str
    label: str
    lo: float
    hi: float
    step: float
    integer: bool = False
    to_the_end: bool = False  # a month that may be left out ("until the end of the run"): the slider's top means that

    def clip(self, value: float) -> float | int:
        value = min(max(value, self.lo), self.hi)
        return int(round(value)) if self.integer else float(value)


SCENARIO_LEVERS: dict[str, tuple[Lever, ...]] = {
    "price_war": (Lever("competitors.price_war.depth", "price-war depth (share of list price)", 0.0, 0.4, 0.01),
                  Lever("competitors.price_war.until_month", "price war ends at month (top: lasts the whole run)",
                        1, 60, 1, integer=True, to_the_end=True)),
    "aggressive_poacher": (
        Lever("competitors.attack.offer_rate_per_month", "offers per month (share of rivals' accounts)", 0.0, 0.05,
              0.001),
        Lever("competitors.attack.offer_discount", "offer discount", 0.0, 0.4, 0.01)),
    "new_entrant": (Lever("competitors.entrant.enters_at_month", "entrant enters at month", 0, 60, 1, integer=True),
                    Lever("competitors.entrant.quality", "entrant's quality", 0.6, 1.0, 0.01)),
    "online_channel": (Lever("competitors.online.opens_at_month", "online channel opens at month", 0, 60, 1,
                             integer=True),
                       Lever("competitors.online.price", "online price (list price 1.0)", 0.5, 1.0, 0.01)),
}
"""Each competitor scenario's headline numbers (a scenario not listed has none: ``passive``)."""

COMPONENT_LEVERS: dict[str, Lever] = {
    "alignment": Lever("fit_bonus", "fit bonus (experienced quality)", 0.0, 0.1, 0.005),
    "bundling": Lever("discount", "bundle discount", 0.0, 0.1, 0.005),
    "contracts": Lever("exit_penalty_months", "exit penalty (months of revenue)", 0.0, 12.0, 0.5),
    "deep_communication": Lever("visits_per_month", "visits per account-month", 0.0, 2.0, 0.1),
    "employee_loyalty": Lever("morale_lift", "morale lift", 0.0, 1.5, 0.05),
    "logistics_guarantee": Lever("logistics_boost", "on-time delivery boost", 0.0, 0.05, 0.005),
    "loyalty_rewards": Lever("accrual_months_per_month", "points earned (share of revenue)", 0.0, 0.1, 0.005),
    "market_monitoring": Lever("p_detect_per_month", "chance per month to stop an episode", 0.0, 1.0, 0.05),
    "premium_service": Lever("service_boost", "service boost", 0.0, 0.5, 0.01),
    "price_response": Lever("fraction", "share of the rival's cut matched", 0.0, 1.0, 0.05),
    "quality_guarantee": Lever("incident_factor", "× chance of a quality incident", 0.1, 1.0, 0.05),
    "relationship_redundancy": Lever("transfer_per_month", "relationship transferred per month", 0.0, 0.5, 0.01),
    "satisfaction_survey": Lever("sample_share", "share of accounts asked per wave", 0.05, 1.0, 0.05),
    "service_guarantee": Lever("service_boost", "service boost (complaint resolution)", 0.0, 0.5, 0.01),
    "value_guarantee": Lever("max_discount", "largest offer matched", 0.0, 0.4, 0.01),
    "win_back": Lever("discount", "win-back discount", 0.0, 0.3, 0.01),
}
"""The main lever of each kind of component, by kind (``tiered_service`` has none: its boost is per tier)."""


def presets(group: str) -> list[str]:
    """The preset names of a config group (``market``, ``competitors``, ``strategy``, ``uncertainty``), sorted."""
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def compose(overrides: list[str]) -> RunConfig:
    """:func:`churnsim.core.hydra_schemas.load_config`, one composition at a time across threads.

    Raises:
        churnsim.core.config.ConfigError, hydra.errors.HydraException: a bad value or an unknown option.
    """
    with _COMPOSE:
        return load_config(overrides)


def scenario_values(cfg: RunConfig) -> dict[str, float | int]:
    """The current values of the headline numbers of ``cfg``'s competitor scenario (a month left out: the top)."""
    values = {}
    for lever in SCENARIO_LEVERS.get(cfg.competitors.name, ()):
        value = _get(cfg, lever.key)
        values[lever.key] = lever.hi if value is None and lever.to_the_end else lever.clip(value or 0.0)
    return values


def scenario_overrides(competitors: str, values: dict[str, float], months: int) -> list[str]:
    """The Hydra overrides that set ``values`` of the scenario ``competitors`` (a month at the top, or past the run's
    last month, is left out: until the end)."""
    out = []
    for lever in SCENARIO_LEVERS.get(competitors, ()):
        if lever.key not in values:
            continue
        value = lever.clip(values[lever.key])
        if lever.to_the_end and (value >= lever.hi or value >= months):
            continue
        out.append(f"{lever.key}={value}")
    return out


def strategy_levers(cfg: RunConfig) -> dict[str, tuple[Lever, float]]:
    """``{"<kind>.<param>": (lever, value)}`` for each kind of component of ``cfg``'s strategy that has a lever; the
    value is the first such component's, or the parameter's declared default."""
    found: dict[str, tuple[Lever, float]] = {}
    for spec in cfg.strategy.components:
        kind = spec.get("kind")
        lever = COMPONENT_LEVERS.get(kind)
        if lever is None or f"{kind}.{lever.key}" in found:
            continue
        value = spec.get(lever.key, _declared_default(kind, lever.key))
        found[f"{kind}.{lever.key}"] = (lever, lever.clip(float(value)))
    return found


def with_levers(cfg: RunConfig, values: dict[str, float]) -> RunConfig:
    """``cfg`` with its strategy's components set to ``values`` (``{"<kind>.<param>": value}``)."""
    components = []
    for spec in cfg.strategy.components:
        spec = dict(spec)
        for name, value in values.items():
            kind, param = name.split(".", 1)
            if spec.get("kind") == kind:
                lever = COMPONENT_LEVERS[kind]
                spec[param] = lever.clip(value)
        components.append(spec)
    return replace(cfg, strategy=replace(cfg.strategy, components=components))


def _declared_default(kind: str, param: str) -> float:
    field_ = next(f for f in fields(REGISTRY[kind]) if f.name == param)
    return field_.default


def _get(cfg: RunConfig, dotted: str):
    node = cfg
    for part in dotted.split("."):
        node = getattr(node, part)
    return node
