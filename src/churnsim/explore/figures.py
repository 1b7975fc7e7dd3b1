"""Where a strategy fails, drawn: its runs on the two parameters PRIM restricts most, and PRIM's box.

Drawn with matplotlib's Agg canvas (no display, no global state). Each point is a run: filled red where the
strategy does worse than the reference, hollow grey where it does not; the rectangle is PRIM's box on those two
parameters (its other restrictions, if any, are in the title).
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from churnsim.explore.design import Spec
from churnsim.explore.discovery import Box

__all__ = ["discovery_figure"]


def discovery_figure(experiments: pd.DataFrame, spec: Spec, strategy: str, box: Box) -> bytes:
    """The figure of one strategy's failures (``experiments``' rows of it) and its PRIM box, as PNG bytes."""
    labels = {r.field: r.label or r.field for r in spec.ranges}
    limits = box.limits.assign(qp=box.limits["qp_value"].fillna(1.0))
    ranked = limits.sort_values(["restricted", "qp"], ascending=[False, True])["parameter"].tolist()
    px, py = ranked[0], ranked[1] if len(ranked) > 1 else ranked[0]
    e = experiments[experiments["strategy"] == strategy]
    fails = (e["value_delta"] < 0).to_numpy()
    fig = Figure(figsize=(6.4, 5.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.scatter(e[px][~fails], e[py][~fails], s=22, facecolors="none", edgecolors="0.55",
               label=f"pays (Δ ≥ 0 against {spec.reference})")
    ax.scatter(e[px][fails], e[py][fails], s=22, color="#c0392b", label="does worse")
    lim = limits.set_index("parameter")
    x0, x1 = lim.loc[px, "lower"], lim.loc[px, "upper"]
    y0, y1 = lim.loc[py, "lower"], lim.loc[py, "upper"]
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#c0392b", linewidth=1.6,
                           linestyle="--", label=f"PRIM box: coverage {box.coverage:.0%}, density {box.density:.0%}"))
    others = [labels.get(p, p) for p in ranked[2:] if lim.loc[p, "restricted"]]
    ax.set_xlabel(labels.get(px, px))
    ax.set_ylabel(labels.get(py, py))
    title = f"{strategy}: where it does worse than {spec.reference}"
    if others:
        title += f"\n(box also restricts {', '.join(others)})"
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="best")
    for axis, p in ((ax.xaxis, px), (ax.yaxis, py)):
        if any(r.field == p and r.integer for r in spec.ranges):
            axis.get_major_locator().set_params(integer=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()
