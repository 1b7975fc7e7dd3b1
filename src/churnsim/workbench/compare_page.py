"""The Compare page: choose a scenario and strategies, move their levers, press Run, watch the comparison firm up.

Run composes and checks every strategy's config here (a bad value stops it at once, with the field named), then
hands the replicates to :class:`~churnsim.workbench.runs.Replicates` in a background thread (a Solara task), which
runs them in worker processes. Each replicate that lands updates the table (Δ value against baseline with its 95 %
interval), the retention curves and the departures; Stop ends the runs still going and keeps those landed. The state
below is Solara's per-session state: each browser tab has its own.
"""

from __future__ import annotations

from functools import lru_cache

import solara
import solara.lab

from churnsim.core.config import ConfigError
from churnsim.report.compare import BASELINE
from churnsim.workbench import live
from churnsim.workbench.figures import delta_figure, departures_figure, retention_figure
from churnsim.workbench.levers import SCENARIO_LEVERS, Lever, compose, presets, scenario_values, strategy_levers
from churnsim.workbench.runs import Comparison, Landed, Replicates
from churnsim.workbench.tables import CSS, comparison_html

__all__ = ["ComparePage"]

MIN_STRATEGIES, MAX_STRATEGIES = 2, 6

market = solara.reactive("generic_b2b")
competitors = solara.reactive("price_war")
strategies = solara.reactive([BASELINE, "service_guarantee"])
n_accounts = solara.reactive(2000)
months = solara.reactive(24)
replicates = solara.reactive(5)
seed = solara.reactive(0)
uncertainty = solara.reactive("none")
max_suppliers = solara.reactive(1)
scenario = solara.reactive({})  # headline number -> value, for the scenario chosen
levers = solara.reactive({})  # strategy -> {"<kind>.<param>": value}
landed: solara.Reactive[list[Landed]] = solara.reactive([])
total = solara.reactive(0)
runner: solara.Reactive[Replicates | None] = solara.reactive(None)
problem = solara.reactive("")


@lru_cache(maxsize=64)
def _scenario_defaults(name: str) -> tuple[tuple[str, float], ...]:
    return tuple(scenario_values(compose([f"competitors={name}"])).items())


@lru_cache(maxsize=64)
def _strategy_defaults(name: str) -> tuple[tuple[str, Lever, float], ...]:
    return tuple((key, lever, value) for key, (lever, value) in strategy_levers(compose([f"strategy={name}"])).items())


def comparison() -> Comparison:
    """The comparison the controls describe now."""
    return Comparison(market=market.value, competitors=competitors.value, strategies=tuple(strategies.value),
                      n_accounts=n_accounts.value, months=months.value, replicates=replicates.value,
                      seed=seed.value, uncertainty=uncertainty.value, max_suppliers=max_suppliers.value,
                      scenario={**dict(_scenario_defaults(competitors.value)), **scenario.value},
                      levers=levers.value)


@solara.lab.task(prefer_threaded=True)
def run_comparison(wanted: Comparison) -> int:
    """Compose and check, then run the replicates, appending each to ``landed`` as it lands."""
    landed.set([])
    problem.set("")
    try:
        configs = wanted.configs()
    except (ConfigError, ValueError) as err:  # Hydra's and OmegaConf's errors are ValueErrors too
        problem.set(str(err).splitlines()[0])
        return 0
    runs = Replicates(configs, wanted.replicates)
    total.set(runs.total)
    runner.set(runs)
    try:
        return runs.run(lambda item: landed.set([*landed.value, item]))
    finally:
        runner.set(None)


def _stop() -> None:
    if runner.value is not None:
        runner.value.stop.set()


def _set_strategies(chosen: list[str]) -> None:
    strategies.set(list(chosen)[:MAX_STRATEGIES])


def _set_competitors(name: str) -> None:
    competitors.set(name)
    scenario.set({})


@solara.component
def _LeverSlider(lever: Lever, value: float, on_value) -> None:
    if lever.integer:
        solara.SliderInt(f"{lever.label}: {int(value)}", value=int(value), min=int(lever.lo), max=int(lever.hi),
                         step=int(lever.step), on_value=on_value)
    else:
        solara.SliderFloat(f"{lever.label}: {value:g}", value=float(value), min=lever.lo, max=lever.hi,
                           step=lever.step, on_value=on_value)


@solara.component
def Controls() -> None:
    """The sidebar: presets, headline numbers, levers, size, Run / Stop and progress."""
    busy = run_comparison.pending
    solara.Select("market", values=presets("market"), value=market)
    solara.Select("competitor scenario", values=presets("competitors"), value=competitors.value,
                  on_value=_set_competitors)
    for key, default in _scenario_defaults(competitors.value):
        lever = next(lv for lv in SCENARIO_LEVERS[competitors.value] if lv.key == key)
        _LeverSlider(lever, scenario.value.get(key, default),
                     lambda v, key=key: scenario.set({**scenario.value, key: v}))
    solara.SliderInt(f"suppliers an account may buy from: {max_suppliers.value} (1: one each; more: shares of "
                     "wallet, the preset's share of accounts multi-sourcing)", value=max_suppliers, min=1, max=3)
    solara.SelectMultiple(f"strategies ({MIN_STRATEGIES}–{MAX_STRATEGIES}; baseline is the reference)",
                          values=strategies.value, all_values=presets("strategy"), on_value=_set_strategies)
    for name in strategies.value:
        chosen = _strategy_defaults(name)
        if not chosen:
            continue
        with solara.Details(summary=f"levers of {name}", expand=False):
            for key, lever, default in chosen:
                _LeverSlider(lever, levers.value.get(name, {}).get(key, default),
                             lambda v, name=name, key=key: levers.set(
                                 {**levers.value, name: {**levers.value.get(name, {}), key: v}}))
    solara.SliderInt(f"accounts: {n_accounts.value:,}", value=n_accounts, min=500, max=20000, step=500)
    solara.SliderInt(f"months: {months.value}", value=months, min=12, max=60, step=6)
    solara.SliderInt(f"replicates: {replicates.value}", value=replicates, min=2, max=40)
    solara.InputInt("seed", value=seed)
    solara.Select("priors on assumptions (none: simulation noise only; default: each replicate draws effect sizes, "
                  "costs and market parameters)", values=presets("uncertainty"), value=uncertainty)
    enough = MIN_STRATEGIES <= len(set(strategies.value) | {BASELINE}) <= MAX_STRATEGIES + 1
    with solara.Row():
        solara.Button("Run", color="primary", on_click=lambda: run_comparison(comparison()),
                      disabled=busy or not enough)
        solara.Button("Stop", color="error", outlined=True, on_click=_stop, disabled=not busy)
    done = len(landed.value)
    if busy or done:
        solara.ProgressLinear(100.0 * done / max(total.value, 1) if total.value else True)
        starting = " (starting the worker processes…)" if busy and not done else " (running…)" if busy else ""
        solara.Text(f"{done} of {total.value} runs landed{starting}", classes=["progress-text"])


@solara.component
def Results() -> None:
    """The table, the Δ value figure, the retention curves and the departures, from what has landed."""
    if problem.value:
        solara.Error(problem.value)
    if run_comparison.error:
        solara.Error(f"the runs stopped: {run_comparison.exception}")
    items = landed.value
    if not items:
        solara.Info("Choose a scenario and strategies on the left, then press Run. Results appear as each replicate "
                    "lands; intervals tighten as more land.")
        return
    rows = live.table(items)
    solara.HTML(tag="div", unsafe_innerHTML=comparison_html(rows), classes=["comparison-table"])
    order = [BASELINE, *[s for s in rows["strategy"] if s != BASELINE]]
    with solara.Columns([1, 1]):
        solara.FigureMatplotlib(delta_figure(rows), format="png")
        solara.FigureMatplotlib(retention_figure(live.retention_bands(items), order), format="png")
    solara.FigureMatplotlib(departures_figure(live.departures_per_run(items), order), format="png")


@solara.component
def ComparePage() -> None:
    solara.Title("churnsim · Compare")
    solara.Style(CSS)
    with solara.Sidebar():
        Controls()
    Results()
