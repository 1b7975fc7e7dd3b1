"""What a calibration writes: the trials, the fit before and after, its figure, and the calibrated market preset.

Files in the output directory, each written under a temporary name and moved into place (``os.replace``), the
preset last, so a calibration that was stopped never leaves a file that looks complete:

- ``trials.csv``: one row per trial in the journal: ``number``, ``state``, ``loss``, ``loss_se`` (replicate
  noise: standard error of the mean loss), ``seconds``, then one column per fitted parameter;
- ``fit.csv``: target by target and point (``point``: survival or history year, empty for a scalar target;
  ``tier``: the history's tier, empty for the other targets): ``observed``, ``before`` (the base config) and
  ``after`` (the best trial), each the mean over the replicates with its standard error (``before_se``,
  ``after_se``); the last row is the loss itself;
- ``fit.png``: the survival curve and the churn by year and tier observed, before and after (± 2 standard errors),
  and the scalar targets;
- ``market/calibrated.yaml``: the calibrated market preset, which ``churnsim`` takes as it is:
  ``churnsim --config-dir <output dir> market=calibrated`` (its ``name``, written to every output table's ``market``
  column, is the spec's ``name``; the file name is fixed because Hydra would pick a preset of that name in
  ``conf/market`` first). It holds the base config's market settings that differ from the defaults of
  :class:`~churnsim.core.config.MarketConfig`, with the fitted values, and a header saying how it was made.
"""

from __future__ import annotations

import dataclasses
import os
import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from optuna.trial import FrozenTrial

from churnsim.calibrate.objective import Evaluation
from churnsim.calibrate.spec import CalibrationSpec
from churnsim.core.codes import TIERS
from churnsim.core.config import MarketConfig

__all__ = ["OUTPUT_FILES", "PRESET", "clear_outputs", "fit_table", "preset_path", "trials_table", "write_outputs"]

OUTPUT_FILES = ("trials.csv", "fit.csv", "fit.png")
"""The files written besides the preset, in the order they are written."""


PRESET = "calibrated"
"""The option name of the calibrated preset in the output directory: ``market=calibrated``."""


def preset_path(out: Path) -> Path:
    return out / "market" / f"{PRESET}.yaml"


def clear_outputs(out: Path) -> None:
    """Remove an earlier calibration's outputs (preset first), so none is left looking complete while this one runs."""
    for path in (preset_path(out), *(out / name for name in OUTPUT_FILES)):
        path.unlink(missing_ok=True)


def trials_table(trials: list[FrozenTrial], spec: CalibrationSpec) -> pd.DataFrame:
    """One row per trial: number, state, loss, its noise, duration and parameters."""
    rows = [{"number": t.number, "state": t.state.name, "loss": t.value, "loss_se": t.user_attrs.get("loss_se"),
             "seconds": t.duration.total_seconds() if t.duration else None,
             **{p.path: t.params.get(p.path) for p in spec.parameters}} for t in trials]
    return pd.DataFrame(rows, columns=["number", "state", "loss", "loss_se", "seconds",
                                       *(p.path for p in spec.parameters)])


def fit_table(spec: CalibrationSpec, before: Evaluation, best: FrozenTrial) -> pd.DataFrame:
    """Target by target: observed, before (base config) and after (best trial), with replicate standard errors."""
    rows = []
    for t in spec.targets:
        after, after_se = best.user_attrs["simulated"][t.name], best.user_attrs["simulated_se"][t.name]
        for j, point in enumerate(t.points):
            rows.append({"target": t.name, "point": point, "tier": t.tiers[j] if t.tiers else None,
                         "observed": t.observed[j], "before": before.mean(t.name)[j],
                         "before_se": before.se(t.name)[j], "after": after[j], "after_se": after_se[j]})
    rows.append({"target": "loss", "point": None, "tier": None, "observed": None, "before": before.loss,
                 "before_se": before.loss_se, "after": best.value, "after_se": best.user_attrs["loss_se"]})
    table = pd.DataFrame(rows)
    table["point"] = table["point"].astype("Int64")
    return table


def write_outputs(out: Path, spec: CalibrationSpec, trials: list[FrozenTrial], best: FrozenTrial,
                  before: Evaluation, command: str) -> Path:
    """Write every output (see the module docstring) into ``out``; return the preset's path."""
    fit = fit_table(spec, before, best)
    _atomic(out / "trials.csv", lambda p: trials_table(trials, spec).to_csv(p, index=False))
    _atomic(out / "fit.csv", lambda p: fit.to_csv(p, index=False))
    _atomic(out / "fit.png", lambda p: _figure(fit, spec, p))
    preset = preset_path(out)
    preset.parent.mkdir(parents=True, exist_ok=True)
    n_complete = sum(t.state.name == "COMPLETE" for t in trials)
    text = _header(spec, best, n_complete, command) + yaml.safe_dump(
        _preset(spec, best.params), sort_keys=False, allow_unicode=True, width=120)
    _atomic(preset, lambda p: p.write_text(text, encoding="utf-8"))
    return preset


# ---- the preset ------------------------------------------------------------------------------------------------
def _preset(spec: CalibrationSpec, params: dict[str, Any]) -> dict[str, Any]:
    """The base market's settings that differ from the defaults, with the fitted values set; ``name`` first."""
    market = dataclasses.asdict(spec.base.market)
    for path, value in params.items():
        node = market
        *groups, key = path.split(".")[1:]
        for group in groups:
            node = node[group]
        node[key] = value
    market["name"] = spec.name
    return {"name": spec.name, **_differences(market, dataclasses.asdict(MarketConfig()), keep={"name"})}


def _differences(now: dict, default: dict, keep: set[str] = frozenset()) -> dict:
    out = {}
    for key, value in now.items():
        if isinstance(value, dict):
            inner = _differences(value, default[key])
            if inner:
                out[key] = inner
        elif value != default[key] and key not in keep:
            out[key] = value
    return out


def _header(spec: CalibrationSpec, best: FrozenTrial, n_complete: int, command: str) -> str:
    fitted = "; ".join(f"{p.path} in [{p.low:g}, {p.high:g}]{' (log scale)' if p.log else ''}"
                       for p in spec.parameters)
    targets = ", ".join(t.name for t in spec.targets)
    lines = [
        f"Market preset produced by `{command}` on {date.today().isoformat()}:",
        f"best of {n_complete} complete trials (trial {best.number}), loss {best.value:.4g} ± "
        f"{best.user_attrs['loss_se']:.2g} (mean over {spec.replicates} replicates ± its standard error).",
        f"Targets: {targets}. Fitted in: {' '.join(spec.base_overrides)}.",
        f"Fitted (search bounds): {fitted}.",
        "Every other market setting is the base config's; those not listed are the defaults of churnsim/config.py.",
        f"Use: churnsim --config-dir <the calibration's output directory> market={PRESET}"
        + (" accounts_file=<the account list> 'privacy_salt=<its salt>' burn_in_months=0 (it was fitted around "
           f"{spec.account_list['rows']} accounts, SHA-256 {spec.account_list['sha256'][:12]}…)"
           if spec.account_list else ""),
    ]
    return "".join(f"# {part}\n" for line in lines for part in textwrap.wrap(line, 116, subsequent_indent="  "))


# ---- the figure ------------------------------------------------------------------------------------------------
def _figure(fit: pd.DataFrame, spec: CalibrationSpec, path: Path) -> None:
    """One panel for survival, one per tier of the history, one for the scalar targets (those the spec has)."""
    history = fit[fit["target"] == "churn_by_tier"]
    panels = [("survival", fit[fit["target"] == "survival"]),
              *((tier, history[history["tier"] == tier]) for tier in TIERS),
              ("scalars", fit[~fit["target"].isin(["survival", "churn_by_tier", "loss"])])]
    panels = [(name, rows) for name, rows in panels if len(rows)]
    top = max(history[["observed", "before", "after"]].max().max() * 1.25, 0.05) if len(history) else None
    fig = Figure(figsize=(5.5 * len(panels), 4.5))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, (panel, rows) in zip(axes[0], panels, strict=True):
        if panel == "survival":
            _curves(ax, rows)
            ax.set(ylabel="% of the cohort still a customer", ylim=(0, 102),
                   title="Cohort survival (band: ± 2 s.e. over replicates)")
        elif panel in TIERS:
            _curves(ax, rows)
            ax.set(ylabel="share of the tier's customers lost in the year", ylim=(0, top),
                   title=f"Churn of {panel} accounts (band: ± 2 s.e.)")
        else:
            x = range(len(rows))
            ax.bar([i - 0.27 for i in x], rows["observed"], 0.27, color="black", label="observed")
            ax.bar(x, rows["before"], 0.27, yerr=2 * rows["before_se"], color="tab:grey", label="before (base)")
            ax.bar([i + 0.27 for i in x], rows["after"], 0.27, yerr=2 * rows["after_se"], color="tab:blue",
                   label="after (best)")
            ax.set_xticks(list(x), rows["target"].tolist())
            ax.set(ylabel="share", title="Scalar targets (bars: ± 2 s.e.)")
        ax.legend()
    loss = fit[fit["target"] == "loss"].iloc[0]
    fig.suptitle(f"{spec.name}: loss {loss['before']:.3g} before, {loss['after']:.3g} ± {loss['after_se']:.2g} after")
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)


def _curves(ax, rows: pd.DataFrame) -> None:
    """Observed points, and the before and after curves with ± 2 s.e. bands, over the rows' years."""
    years = rows["point"].to_numpy(dtype=float)
    ax.plot(years, rows["observed"], "ko", label="observed")
    for column, colour in (("before", "tab:grey"), ("after", "tab:blue")):
        centre, se = rows[column].to_numpy(dtype=float), rows[f"{column}_se"].to_numpy(dtype=float)
        ax.plot(years, centre, ".-", color=colour, label="before (base)" if column == "before" else "after (best)")
        ax.fill_between(years, centre - 2 * se, centre + 2 * se, color=colour, alpha=0.2, linewidth=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through ``write(temporary path)`` and move it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
