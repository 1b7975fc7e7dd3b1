"""The Inside-a-run page: one run in Mesa's SolaraViz, month by month (Step, ▶ play, Reset; model parameters).

SolaraViz gives the controls, the model parameters (Reset rebuilds the model with them) and the step counter; the
views are custom components, since this model's accounts live in arrays (a Mesa space and its renderer would need a
Mesa agent per account): shares by supplier, the focal firm's departures by reason, satisfaction by supplier, and the
accounts coloured by supplier on a map of their regions. Each view is a matplotlib figure redrawn every step.
"""

from __future__ import annotations

import solara
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz

from churnsim.core.codes import CONTROLLABLE
from churnsim.workbench.figures import colours
from churnsim.workbench.levers import presets
from churnsim.workbench.watched import WatchedModel

__all__ = ["InsidePage", "model_params"]

_SIZE = (5.6, 3.6)


def model_params() -> dict:
    """SolaraViz's model parameters: :class:`WatchedModel`'s keyword arguments, as inputs and sliders."""
    return {
        "market": {"type": "Select", "value": "generic_b2b", "values": presets("market"), "label": "market"},
        "competitors": {"type": "Select", "value": "price_war", "values": presets("competitors"),
                        "label": "competitor scenario"},
        "strategy": {"type": "Select", "value": "baseline", "values": presets("strategy"), "label": "strategy"},
        "n_accounts": Slider("accounts", 2000, 500, 20000, 500),
        "months": Slider("months", 36, 12, 120, 6),
        "seed": Slider("seed", 0, 0, 99, 1),
        "replicate": Slider("replicate", 0, 0, 19, 1),
    }


def _suppliers(model: WatchedModel) -> list[str]:
    return list(model.plan.suppliers.names)


def _by_supplier(model: WatchedModel, column: str, ylabel: str, title: str):
    """One line per supplier of ``column`` of the model's monthly table, month by month."""
    fig = Figure(figsize=_SIZE, layout="constrained")
    ax = fig.subplots()
    table, palette = model.shares(), colours(_suppliers(model))
    for name, part in table.groupby("supplier", sort=False):
        ax.plot(part["month"], part[column], color=palette[name], label=name)
    ax.set(xlabel="month", ylabel=ylabel, title=title, xlim=(0, model.cfg.months))
    if len(table):
        ax.legend(fontsize=8)
    return solara.FigureMatplotlib(fig, format="png")


def Shares(model: WatchedModel):
    """Market share of accounts by supplier, month by month."""
    return _by_supplier(model, "market_share", "market share (accounts)",
                        f"shares by supplier (month {model.month})")


def Departures(model: WatchedModel):
    """The focal firm's departures so far, by main reason (hatched: uncontrollable)."""
    fig = Figure(figsize=_SIZE, layout="constrained")
    ax = fig.subplots()
    counts = model.departures_by_reason()
    bars = ax.barh(counts.index, counts.to_numpy(), color="tab:red")
    for bar, reason in zip(bars, counts.index, strict=True):
        if reason not in CONTROLLABLE:
            bar.set_hatch("//")
            bar.set_color("tab:grey")
    ax.invert_yaxis()
    ax.set(xlabel="departures from the focal firm so far", title="departures by reason")
    return solara.FigureMatplotlib(fig, format="png")


def Satisfaction(model: WatchedModel):
    """Mean satisfaction of each supplier's active accounts, month by month."""
    return _by_supplier(model, "satisfaction_mean", "mean satisfaction", "satisfaction by supplier")


def Accounts(model: WatchedModel):
    """Every active account, coloured by its supplier, in the cell of its region."""
    fig = Figure(figsize=_SIZE, layout="constrained")
    ax = fig.subplots()
    where, palette = model.accounts_on_map(), colours(_suppliers(model))
    for name, part in where.groupby("supplier", sort=False):
        ax.scatter(part["x"], part["y"], s=3, color=palette[name], label=name, linewidths=0)
    ax.set(title=f"{len(where):,} accounts by supplier, on their regions", xticks=[], yticks=[])
    ax.legend(fontsize=7, markerscale=3, loc="upper right")
    return solara.FigureMatplotlib(fig, format="png")


@solara.component
def InsidePage() -> None:
    model = solara.use_memo(WatchedModel, [])
    SolaraViz(model, components=[(Shares, 0), (Departures, 0), (Satisfaction, 0), (Accounts, 0)],
              model_params=model_params(), name="churnsim · Inside a run", play_interval=150)
