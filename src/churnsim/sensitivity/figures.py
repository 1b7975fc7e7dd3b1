"""The sensitivity figure, one panel per outcome, drawn with matplotlib's Agg canvas (no display, no global state).

Morris: ``mu*`` (x, with its 95 % bootstrap interval) against ``sigma`` (y) per parameter; a grey tick marks each
parameter's noise threshold, and parameters below it are drawn hollow. Sobol: ``S1`` and ``ST`` bars with their
95 % intervals; a grey tick marks ``ST``'s noise floor, and indices not distinguishable from noise are hatched.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from churnsim.sensitivity.design import Spec

__all__ = ["draw_figure"]


def draw_figure(spec: Spec, indices: pd.DataFrame) -> bytes:
    """The figure of ``indices`` (as :func:`churnsim.sensitivity.analyse.analyse` makes them), as PNG bytes."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    columns = min(len(outcomes), 2)
    rows = math.ceil(len(outcomes) / columns)
    fig = Figure(figsize=(6.4 * columns, 5.4 * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False).ravel())
    for ax, outcome in zip(axes, outcomes, strict=False):
        table = indices[indices["outcome"] == outcome]
        (_morris_panel if spec.method == "morris" else _sobol_panel)(ax, table)
        ax.set_title(outcome)
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _morris_panel(ax, table: pd.DataFrame) -> None:
    star = table[table["index"] == "mu_star"].set_index("parameter")
    sigma = table[table["index"] == "sigma"].set_index("parameter")["value"]
    for i, (name, row) in enumerate(star.iterrows()):
        color = f"C{i % 10}"
        above = bool(row["distinguishable_from_noise"])
        ax.errorbar(row["value"], sigma[name], xerr=row["conf"], fmt="o", color=color, capsize=3,
                    markerfacecolor=color if above else "white", label=f"{name}{'' if above else ' (noise)'}")
        ax.plot([row["noise_threshold"]], [sigma[name]], marker="|", markersize=14, color="0.5")
    ax.set_xlabel("mu* (mean |effect| of the whole range, outcome units); grey |: noise threshold")
    ax.set_ylabel("sigma (spread of elementary effects)")
    ax.margins(0.12)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)


def _sobol_panel(ax, table: pd.DataFrame) -> None:
    names = list(dict.fromkeys(table.loc[table["index"] == "ST", "parameter"]))
    where = np.arange(len(names))
    for shift, index in ((-0.2, "S1"), (0.2, "ST")):
        rows = table[table["index"] == index].set_index("parameter").loc[names]
        bars = ax.bar(where + shift, rows["value"], width=0.4, yerr=rows["conf"], capsize=3, label=index,
                      color="C0" if index == "S1" else "C1")
        for bar, above in zip(bars, rows["distinguishable_from_noise"], strict=True):
            if not above:
                bar.set_hatch("//")
                bar.set_alpha(0.5)
        if index == "ST":
            ax.plot(where + shift, rows["noise_floor"], linestyle="none", marker="_", markersize=18, color="0.3",
                    label="ST noise floor")
    ax.set_xticks(where, names, rotation=20, ha="right", fontsize=7)
    ax.set_ylabel("Sobol' index (hatched: not distinguishable from noise)")
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.legend(fontsize=7)
