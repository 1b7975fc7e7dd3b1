"""``churnsim-sensitivity analyse SWEEP_DIR``: read a sensitivity sweep's finished runs and compute its indices.

Reads ``sensitivity/design.json`` and every job directory's ``run.json`` / ``summary.json`` (only complete runs,
:func:`churnsim.outputs.finished_run`), matching each run to its (point, replicate) by the sampled values and the
replicate recorded in its config, so the analysis does not depend on job numbering. If any (point, replicate)
has no complete run, it stops with one line naming the missing jobs and the command that resumes the sweep, and
removes the results of an earlier analysis, so that an incomplete sweep holds nothing that looks like a result.
Writes into ``SWEEP_DIR/sensitivity/``, each file atomically: ``indices.csv``, ``noise.csv``, ``sensitivity.png``
and ``summary.md``. Only files are read: this module never imports the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from churnsim.outputs import finished_run
from churnsim.sensitivity.design import DESIGN_FILE, Design, read_design, write_atomic
from churnsim.sensitivity.figures import draw_figure
from churnsim.sensitivity.indices import morris_indices, noise_summary, sobol_indices

__all__ = ["RESULT_FILES", "Analysis", "IncompleteSweep", "analyse", "collect_outcomes"]

RESULT_FILES = ("indices.csv", "noise.csv", "sensitivity.png", "summary.md")
"""What an analysis writes into ``<sweep dir>/sensitivity/``, in this order (``summary.md`` last)."""


class IncompleteSweep(Exception):
    """The sweep cannot be analysed (no design, or jobs not finished): the message says why, in one line."""


@dataclass
class Analysis:
    """A sensitivity sweep's results.

    Attributes:
        design: the sweep's design.
        indices: one row per outcome, parameter and index (``indices.csv``).
        noise: one row per outcome: replicate noise and its share of the output variance (``noise.csv``).
        out: the directory written (``SWEEP_DIR/sensitivity``).
    """

    design: Design
    indices: pd.DataFrame
    noise: pd.DataFrame
    out: Path


def collect_outcomes(sweep_dir: Path, design: Design) -> np.ndarray:
    """Outcomes of every (point, replicate), shape ``(outcomes, replicates, points)``.

    Raises:
        IncompleteSweep: a (point, replicate) has no complete run, or a run lacks an outcome.
    """
    spec = design.spec
    wanted: dict[tuple, list[tuple[int, int]]] = {}
    for i, point in enumerate(design.points):
        for r in range(spec.replicates):
            wanted.setdefault((*point, r), []).append((i, r))
    y = np.full((len(spec.outcomes), spec.replicates, len(design.points)), np.nan)
    for run_file in sorted(sweep_dir.rglob("run.json")):
        record = finished_run(run_file.parent)
        if record is None or not isinstance(record.get("config"), dict):
            continue
        key = (*(_get(record["config"], p) for p in spec.parameters), record["config"].get("replicate"))
        if key not in wanted:
            continue
        summary = json.loads((run_file.parent / "summary.json").read_text(encoding="utf-8"))
        for o, outcome in enumerate(spec.outcomes):
            if not isinstance(summary.get(outcome), int | float):
                raise IncompleteSweep(f"{run_file.parent}/summary.json: no number under {outcome}; allowed "
                                      "outcomes: the numeric keys of summary.json")
            for i, r in wanted[key]:
                y[o, r, i] = summary[outcome]
    missing = sorted(design.job(i, r) for i, r in zip(*np.nonzero(np.isnan(y[0].T)), strict=True))
    if missing:
        shown = ", ".join(map(str, missing[:8])) + (", ..." if len(missing) > 8 else "")
        spec_file = design.spec_file or "SPEC"
        raise IncompleteSweep(f"{sweep_dir}: {len(missing)} of {design.n_jobs} jobs not finished (job {shown}); "
                              f"resume with: churnsim-sensitivity run {spec_file} hydra.sweep.dir={sweep_dir}")
    return y


def analyse(sweep_dir: str | Path) -> Analysis:
    """Compute the indices of a finished sensitivity sweep and write them, the noise, the figure and a summary.

    Raises:
        IncompleteSweep: no design in ``sweep_dir``, or jobs not finished (nothing is written).
    """
    sweep_dir = Path(sweep_dir)
    try:
        design = read_design(sweep_dir)
    except (FileNotFoundError, NotADirectoryError) as err:
        raise IncompleteSweep(f"{sweep_dir}: no {DESIGN_FILE} (not a sensitivity sweep; allowed: a directory "
                              "written by churnsim-sensitivity run)") from err
    except ValueError as err:
        raise IncompleteSweep(str(err)) from err
    spec = design.spec
    try:
        y = collect_outcomes(sweep_dir, design)
    except IncompleteSweep:
        for name in RESULT_FILES:  # from an earlier analysis: an incomplete sweep has no results
            (sweep_dir / "sensitivity" / name).unlink(missing_ok=True)
        raise
    x = np.asarray(design.points, dtype=float)
    tables, noise = [], []
    for outcome, y_o in zip(spec.outcomes, y, strict=True):
        if spec.method == "morris":
            table = morris_indices(spec.problem(), x, y_o, spec.options["levels"], spec.sample_seed)
        else:
            table = sobol_indices(spec.problem(), y_o, spec.options["second_order"], spec.sample_seed)
        tables.append(table.assign(outcome=outcome))
        noise.append({"outcome": outcome, "replicates": spec.replicates, **noise_summary(y_o)})
    indices = pd.concat(tables, ignore_index=True)
    indices = indices[["outcome", *[c for c in indices.columns if c != "outcome"]]]
    analysis = Analysis(design=design, indices=indices, noise=pd.DataFrame(noise), out=sweep_dir / "sensitivity")
    _write(analysis)
    return analysis


def _write(analysis: Analysis) -> None:
    out = analysis.out
    write_atomic(out / "indices.csv", analysis.indices.to_csv(index=False, float_format="%.10g"))
    write_atomic(out / "noise.csv", analysis.noise.to_csv(index=False, float_format="%.10g"))
    write_atomic(out / "sensitivity.png", draw_figure(analysis.design.spec, analysis.indices))
    write_atomic(out / "summary.md", summary_markdown(analysis))


def summary_markdown(analysis: Analysis) -> str:
    """A short Markdown summary: the design, and per outcome its ranked parameters and its noise."""
    spec = analysis.design.spec
    options = ", ".join(f"{k}={v}" for k, v in spec.options.items())
    lines = [f"# Sensitivity: {spec.method} ({options})", "",
             f"{len(spec.parameters)} parameters × {len(analysis.design.points)} sample points × {spec.replicates} "
             f"replicates = {analysis.design.n_jobs} runs; sample seed {spec.sample_seed}; base: "
             f"{' '.join(spec.base) or '(defaults)'}.", "", "![indices](sensitivity.png)", ""]
    key = "mu_star" if spec.method == "morris" else "ST"
    for outcome, rows in analysis.indices.groupby("outcome", sort=False):
        noise = analysis.noise.set_index("outcome").loc[outcome]
        main = rows[rows["index"] == key].sort_values("value", ascending=False)
        lines += [f"## {outcome}", "",
                  f"Replicate noise: sd {noise['replicate_sd']:.4g} per run, {noise['noise_sd']:.4g} without the "
                  f"shift common to all points of a replicate; {noise['mean_se']:.4g} per point mean, "
                  f"{noise['noise_share']:.1%} of the variance of the point means.", "",
                  f"| parameter | {key} | ± 95 % | noise threshold | above noise |", "|---|---:|---:|---:|:---:|"]
        lines += [f"| {r.parameter} | {r.value:.4g} | {r.conf:.3g} | {r.noise_threshold:.3g} | "
                  f"{'yes' if r.distinguishable_from_noise else 'no'} |" for r in main.itertuples()]
        lines.append("")
    lines.append("How noise is judged: docs/sensitivity.md (Morris: 95 % quantile of mu* for a parameter without "
                 "effect, from the replicates' spread; Sobol: CI and the noise floor of ST).")
    return "\n".join(lines) + "\n"


def _get(config: dict[str, Any], dotted: str) -> Any:
    """``config['a']['b'][0]`` for ``'a.b.0'``, or None."""
    node: Any = config
    for part in dotted.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node
