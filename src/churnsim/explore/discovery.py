"""Where a strategy fails: PRIM and CART boxes from EMA Workbench, on either of its APIs.

``ema_workbench`` (the optional extra ``churnsim[explore]``) is 2.5.x on Python 3.11 and 3.0 on Python 3.12+. Both
have ``analysis.prim.Prim(x, y, ...).find_box()`` and ``analysis.cart.CART(x, y, mass_min).build_tree()``; 2.5 takes
PRIM's ``threshold`` in the constructor (cases with y ≥ threshold are those of interest) and returns a "dump box"
of all cases when the last box of the peeling trajectory holds a mean below it; 3.0 dropped it. Here 2.5 gets a
threshold just above 0, so on both the failures are the cases of interest and the whole trajectory is kept; the box
is chosen from it afterwards, the same way on both. No PRIM is written here: the peeling, pasting and the quasi-p
values of each restriction are EMA Workbench's.

The box reported is the one on PRIM's peeling trajectory with the highest coverage among those whose density
reaches the threshold (Bryant & Lempert 2010: the analyst's usual pick), else the densest. Each restricted
parameter comes with its quasi-p value (EMA Workbench's binomial test of the restriction): a restriction with
qp > 0.05 is not distinguishable from chance and is left out of the sentence.
"""

from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Box", "DiscoveryUnavailable", "cart_boxes", "describe", "prim_box", "require"]

SIGNIFICANT_QP = 0.05
"""A restriction whose quasi-p value is above this is not named in the sentence (EMA Workbench's convention)."""


class DiscoveryUnavailable(Exception):
    """``ema_workbench`` is not installed: the message says how to get it."""


@dataclass
class Box:
    """One box of parameter space: ``limits`` has a row per parameter (``lower``, ``upper``, ``restricted``,
    ``qp_value``); ``coverage`` is the share of all failures inside it, ``density`` the share of cases inside it
    that fail, ``mass`` the share of cases inside it."""

    method: str
    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n: int


def require() -> None:
    """Raise :class:`DiscoveryUnavailable` if EMA Workbench cannot be imported."""
    _ema()


def _ema():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 2.5 warns that ipyparallel (its cluster evaluator) is missing
            from ema_workbench.analysis import cart, prim
    except ImportError as err:
        raise DiscoveryUnavailable("scenario discovery (PRIM, CART) needs EMA Workbench: pip install "
                                   "'churnsim[explore]' (make test installs it)") from err
    return prim, cart


def prim_box(x: pd.DataFrame, y: np.ndarray, threshold: float, peel_alpha: float, mass_min: float) -> Box:
    """PRIM's box of the cases where ``y`` is true (EMA Workbench), chosen as the module says."""
    prim, _ = _ema()
    kwargs = {"peel_alpha": peel_alpha, "mass_min": max(mass_min, 1.0 / len(x))}
    if "threshold" in inspect.signature(prim.Prim.__init__).parameters:  # 2.5.x: its threshold also defines the
        kwargs["threshold"] = 1e-9  # cases of interest (y ≥ threshold: the failures), and a last box with fewer is
        # replaced by a "dump box" of all cases; so barely above 0: the trajectory is kept, the box chosen below
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, y.astype(bool), **kwargs).find_box()
        trajectory = box.peeling_trajectory
        dense = trajectory[trajectory["density"] >= threshold]
        i = int(dense["coverage"].idxmax()) if len(dense) else int(trajectory["density"].idxmax())
        stats, table = box.inspect(i, style="data")[0]
    initial, lims = box.box_lims[0], box.box_lims[i]
    qp = table.xs("qp value", axis=1, level=1) if isinstance(table.columns, pd.MultiIndex) else None
    rows = []
    for name in x.columns:
        low, high = bool(lims.loc[0, name] > initial.loc[0, name]), bool(lims.loc[1, name] < initial.loc[1, name])
        p = float(np.nanmin(qp.loc[name].to_numpy(dtype=float))) if (
            (low or high) and qp is not None and name in qp.index and qp.loc[name].notna().any()) else math.nan
        rows.append({"parameter": name, "lower": float(lims.loc[0, name]), "upper": float(lims.loc[1, name]),
                     "restricted": low or high, "restricts_lower": low, "restricts_upper": high, "qp_value": p})
    return Box("prim", pd.DataFrame(rows), float(stats["coverage"]), float(stats["density"]), float(stats["mass"]),
               int(stats["n"]))


def cart_boxes(x: pd.DataFrame, y: np.ndarray, threshold: float, mass_min: float) -> list[Box]:
    """CART's leaves (EMA Workbench) whose density of failures reaches ``threshold``, densest first."""
    _, cart = _ema()
    from sklearn.tree import DecisionTreeClassifier  # installed with ema_workbench (the explore extra)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = cart.CART(x, y.astype(bool), mass_min=max(mass_min, 1.0 / len(x)))  # a leaf holds at least one run
        # CART.build_tree's own two lines, with the tree seeded: unseeded, scikit-learn breaks ties between equally
        # good splits at random, and the boxes would change from one analysis to the next
        tree.clf = DecisionTreeClassifier(min_samples_leaf=int(tree.mass_min * len(x)), random_state=0)
        tree.clf.fit(tree._x, tree.y)
        stats = tree.stats_to_dataframe()
    lo, hi = x.min(), x.max()
    boxes = []
    for (_, s), lims in zip(stats.iterrows(), tree.boxes, strict=True):
        if s["density"] < threshold or s["coverage"] <= 0:
            continue
        rows = []
        for name in x.columns:
            low, high = bool(lims.loc[0, name] > lo[name]), bool(lims.loc[1, name] < hi[name])
            rows.append({"parameter": name, "lower": float(lims.loc[0, name]), "upper": float(lims.loc[1, name]),
                         "restricted": low or high, "restricts_lower": low, "restricts_upper": high,
                         "qp_value": math.nan})
        boxes.append(Box("cart", pd.DataFrame(rows), float(s["coverage"]), float(s["density"]), float(s["mass"]),
                         int(round(float(s["mass"]) * len(x)))))
    return sorted(boxes, key=lambda b: (-b.density, -b.coverage))


def describe(box: Box, labels: dict[str, str], integers: set[str]) -> str:
    """The box's significant restrictions as a phrase: ``price-war depth ≥ 0.18 and price-war months > 14``."""
    parts = []
    for r in box.limits.itertuples():
        if not r.restricted or (not math.isnan(r.qp_value) and r.qp_value > SIGNIFICANT_QP):
            continue
        integer = r.parameter in integers
        sides = [_bound(r.lower, integer, True)] * r.restricts_lower + [_bound(r.upper, integer, False)] * \
            r.restricts_upper
        parts.append(f"{labels.get(r.parameter, r.parameter)} {' and '.join(sides)}")
    return " and ".join(parts)


def _bound(value: float, integer: bool, lower: bool) -> str:
    if integer:  # a box edge between whole numbers: 14.5 as a lower edge means 15 and above
        return f"> {math.ceil(value) - 1}" if lower else f"< {math.floor(value) + 1}"
    return f"≥ {value:.3g}" if lower else f"≤ {value:.3g}"
