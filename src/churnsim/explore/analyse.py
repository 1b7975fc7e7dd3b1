"""``churnsim-explore``'s analysis: read the finished runs of an exploration, judge each strategy's robustness and
find where it fails.

Reads ``<out>/explore/design.json`` and every job's ``run.json`` / ``summary.json`` under ``<out>/runs`` (complete
runs only, :func:`churnsim.outputs.finished_run`), matching each run to its (sample, replicate, strategy) by the
strategy, the replicate and the sampled values recorded in its config. If a run is missing it stops with one line
naming the command that resumes, and removes an earlier analysis's results, so that an incomplete exploration
holds nothing that looks like a result. Writes into ``<out>``, each file atomically:

- ``experiments.parquet``: one row per run: ``sample``, ``replicate``, ``strategy``, the sampled values (one column
  per field), ``value`` (the spec's measure, k€), ``value_delta`` (against the reference strategy in the same
  sample and replicate, k€), ``regret`` (against the best strategy there, k€), ``satisficing`` and every numeric
  key of ``summary.json``, with the run's ``run_seed`` and its ``job`` directory under ``runs``;
- ``robustness.csv``: per strategy ``mean_value`` (k€), ``mean_value_delta`` (k€), ``p_loss`` (the share of runs
  where it does worse than the reference), ``max_regret``, ``p90_regret`` (k€) and ``satisficing`` (the share of
  runs meeting every target; empty without targets);
- ``discovery.csv``: per strategy other than the reference, the PRIM box (and CART's dense leaves) of the runs
  where it does worse than the reference, one row per box and parameter, with coverage, density and mass, and the
  sentence the report prints;
- ``discovery_<strategy>.png`` and ``summary.md`` (the report).

Only files are read: this module never imports the model.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from churnsim.explore.design import DESIGN_FILE, MEASURES, Design, read_design
from churnsim.explore.discovery import Box, DiscoveryUnavailable, cart_boxes, describe, prim_box, require
from churnsim.explore.figures import discovery_figure
from churnsim.outputs import finished_run
from churnsim.sensitivity.design import write_atomic

__all__ = ["RESULT_FILES", "Exploration", "IncompleteExploration", "analyse", "collect"]

RESULT_FILES = ("experiments.parquet", "robustness.csv", "discovery.csv", "summary.md")
"""What an analysis writes into the output directory (``summary.md`` last), besides its figures."""

RUNS = "runs"
"""The sweep directory of an exploration's jobs, inside its output directory."""


class IncompleteExploration(Exception):
    """The exploration cannot be analysed (no design, or runs not finished): the message says why, in one line."""


@dataclass
class Exploration:
    """An exploration's results (the tables written) and, if EMA Workbench is missing, why discovery was skipped."""

    design: Design
    experiments: pd.DataFrame
    robustness: pd.DataFrame
    discovery: pd.DataFrame | None
    sentences: dict[str, str]
    out: Path
    skipped: str = ""


def collect(out: Path, design: Design) -> pd.DataFrame:
    """One row per run of the design: sample, replicate, strategy, sampled values, then summary.json's numbers.

    Raises:
        IncompleteExploration: a run of the design has no complete result.
    """
    spec = design.spec
    fields = [r.field for r in spec.ranges]
    wanted = {}
    for i, point in enumerate(design.points):
        for r in range(spec.replicates):
            for strategy in spec.strategies:
                wanted[(strategy, spec.replicate(i, r), *point)] = (i, r)
    rows = {}
    for run_file in sorted((out / RUNS).rglob("run.json")):
        record = finished_run(run_file.parent)
        config = record.get("config") if record else None
        if not isinstance(config, dict):
            continue
        assumed = config.get("assumptions") or {}
        key = (config.get("strategy", {}).get("name"), config.get("replicate"), *(assumed.get(f) for f in fields))
        if key not in wanted:
            continue
        summary = json.loads((run_file.parent / "summary.json").read_text(encoding="utf-8"))
        numbers = {k: v for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)}
        i, r = wanted[key]
        rows[key] = {"sample": i, "replicate": r, "strategy": key[0], **dict(zip(fields, key[2:], strict=True)),
                     "run_seed": record.get("run_seed"), "job": run_file.parent.name, **numbers}
    missing = len(wanted) - len(rows)
    if missing:
        spec_file = design.spec_file or "SPEC"
        raise IncompleteExploration(f"{out}: {missing} of {len(wanted)} runs not finished; resume with: "
                                    f"churnsim-explore {spec_file} --out {out}")
    order = {s: k for k, s in enumerate(spec.strategies)}
    frame = pd.DataFrame([rows[k] for k in wanted])
    return frame.sort_values(["sample", "replicate", "strategy"], key=lambda c: c.map(order) if c.name == "strategy"
                             else c, kind="stable").reset_index(drop=True)


def analyse(out: str | Path) -> Exploration:
    """Judge the strategies of a finished exploration and find where each fails; write the results.

    Raises:
        IncompleteExploration: no design in ``out``, or runs not finished (nothing is written, and earlier results
            are removed).
    """
    out = Path(out)
    try:
        design = read_design(out)
    except (FileNotFoundError, NotADirectoryError) as err:
        raise IncompleteExploration(f"{out}: no {DESIGN_FILE} (not an exploration; allowed: a directory written by "
                                    "churnsim-explore SPEC --out DIR)") from err
    except ValueError as err:
        raise IncompleteExploration(str(err)) from err
    try:
        runs = collect(out, design)
    except IncompleteExploration:
        for name in RESULT_FILES:
            (out / name).unlink(missing_ok=True)
        for figure in out.glob("discovery_*.png"):
            figure.unlink()
        raise
    experiments = _experiments(runs, design)
    robustness = _robustness(experiments, design)
    discovery, sentences, skipped = None, {}, ""
    try:
        discovery, sentences, boxes = _discover(experiments, design)
    except DiscoveryUnavailable as err:
        skipped, boxes = str(err), {}
    result = Exploration(design, experiments, robustness, discovery, sentences, out, skipped)
    _write(result, boxes)
    return result


def _experiments(runs: pd.DataFrame, design: Design) -> pd.DataFrame:
    spec = design.spec
    value = runs[spec.value].astype(float)
    keys = ["sample", "replicate"]
    reference = runs.loc[runs["strategy"] == spec.reference].set_index(keys)[spec.value]
    best = value.groupby([runs[k] for k in keys]).transform("max")
    delta = value - reference.reindex(pd.MultiIndex.from_frame(runs[keys])).to_numpy()
    head = runs[["sample", "replicate", "strategy", *[r.field for r in spec.ranges], "run_seed", "job"]]
    extra = pd.DataFrame({"value": value, "value_delta": delta, "regret": best - value}, index=runs.index)
    if spec.targets:
        meets = np.ones(len(runs), dtype=bool)
        columns = {"value": extra["value"], "value_delta": extra["value_delta"]}
        for t in spec.targets:
            x = columns.get(t.outcome, runs.get(t.outcome))
            meets &= (x >= (t.min if t.min is not None else -np.inf)).to_numpy() & (
                x <= (t.max if t.max is not None else np.inf)).to_numpy()
        extra["satisficing"] = meets
    rest = runs.drop(columns=[*head.columns])
    return pd.concat([head, extra, rest], axis=1)


def _robustness(experiments: pd.DataFrame, design: Design) -> pd.DataFrame:
    spec = design.spec
    rows = []
    for strategy in spec.strategies:
        e = experiments[experiments["strategy"] == strategy]
        rows.append({"strategy": strategy, "runs": len(e), "mean_value": e["value"].mean(),
                     "mean_value_delta": e["value_delta"].mean(),
                     "p_loss": np.nan if strategy == spec.reference else float((e["value_delta"] < 0).mean()),
                     "max_regret": e["regret"].max(), "p90_regret": float(np.quantile(e["regret"], 0.9)),
                     "satisficing": float(e["satisficing"].mean()) if "satisficing" in e else np.nan,
                     "mean_strategy_cost": e[MEASURES[spec.value]].mean()})
    return pd.DataFrame(rows)


def _discover(experiments: pd.DataFrame, design: Design) -> tuple[pd.DataFrame, dict[str, str], dict[str, Box]]:
    require()  # before any strategy, so that none is described without it
    spec = design.spec
    fields = [r.field for r in spec.ranges]
    labels = {r.field: r.label or r.field for r in spec.ranges}
    integers = {r.field for r in spec.ranges if r.integer}
    opts = spec.discovery
    rows, sentences, boxes = [], {}, {}
    for strategy in spec.strategies:
        if strategy == spec.reference:
            continue
        e = experiments[experiments["strategy"] == strategy]
        fails = (e["value_delta"] < 0).to_numpy()
        share = float(fails.mean())
        if share == 0.0 or share == 1.0:
            sentences[strategy] = (f"{strategy} {'never' if share == 0 else 'always'} does worse than "
                                   f"{spec.reference} anywhere in the explored ranges ({len(e)} runs).")
            continue
        x = e[fields].astype(float).reset_index(drop=True)
        found = [prim_box(x, fails, opts["threshold"], opts["peel_alpha"], opts["mass_min"]),
                 *cart_boxes(x, fails, opts["threshold"], opts["mass_min"])]
        boxes[strategy] = found[0]
        for k, box in enumerate(found):
            number = 1 if box.method == "prim" else k
            for r in box.limits.itertuples():
                rows.append({"strategy": strategy, "method": box.method, "box": number, "parameter": r.parameter,
                             "lower": r.lower, "upper": r.upper, "restricted": r.restricted,
                             "qp_value": r.qp_value, "coverage": box.coverage, "density": box.density,
                             "mass": box.mass, "n": box.n, "failure_rate": share,
                             "where": describe(box, labels, integers)})
        where = describe(found[0], labels, integers)
        prim = found[0]
        if where:
            sentences[strategy] = (f"{strategy} stops paying (Δ {spec.value} < 0 against {spec.reference}) when "
                                   f"{where}: there it loses in {prim.density:.0%} of runs, and this box holds "
                                   f"{prim.coverage:.0%} of all its losses ({prim.mass:.0%} of the runs; it loses in "
                                   f"{share:.0%} of all runs).")
        elif share >= opts["threshold"]:
            sentences[strategy] = (f"{strategy} loses against {spec.reference} almost everywhere in the explored "
                                   f"ranges: in {share:.0%} of runs.")
        else:
            sentences[strategy] = (f"{strategy} loses against {spec.reference} in {share:.0%} of runs, with no "
                                   "region of the explored ranges where its losses gather (PRIM found no "
                                   "restriction distinguishable from chance): there they look like noise.")
    columns = ["strategy", "method", "box", "parameter", "lower", "upper", "restricted", "qp_value", "coverage",
               "density", "mass", "n", "failure_rate", "where"]
    return pd.DataFrame(rows, columns=columns), sentences, boxes


def _write(result: Exploration, boxes: dict[str, Box]) -> None:
    out = result.out
    buffer = io.BytesIO()
    result.experiments.to_parquet(buffer, index=False)
    write_atomic(out / "experiments.parquet", buffer.getvalue())
    write_atomic(out / "robustness.csv", result.robustness.to_csv(index=False, float_format="%.6g"))
    if result.discovery is not None:
        write_atomic(out / "discovery.csv", result.discovery.to_csv(index=False, float_format="%.6g"))
    else:
        (out / "discovery.csv").unlink(missing_ok=True)
    for strategy, box in boxes.items():
        figure = discovery_figure(result.experiments, result.design.spec, strategy, box)
        write_atomic(out / f"discovery_{strategy}.png", figure)
    write_atomic(out / "summary.md", summary_markdown(result, sorted(boxes)))


def summary_markdown(result: Exploration, figures: list[str]) -> str:
    """The exploration's report: the design, the robustness table, and where each strategy fails."""
    d, spec = result.design, result.design.spec
    ranges = "; ".join(f"{r.label or r.field} ({r.field}) {r.lo:g}–{r.hi:g}" for r in spec.ranges)
    lines = [f"# Exploration: {len(spec.strategies)} strategies × {len(d.points)} scenarios × {spec.replicates} "
             f"replicate{'s' * (spec.replicates > 1)}", "",
             f"{d.n_jobs} runs. Latin hypercube (seed {spec.sample_seed}) over: {ranges}. Base: "
             f"{' '.join(spec.base) or '(defaults)'}. Each scenario's strategies share one world (common random "
             f"numbers); value = `{spec.value}` (k€), compared with `{spec.reference}` in the same world.", "",
             "## Robustness", "",
             "| strategy | mean value (k€) | mean Δ value (k€) | P(loss) | max regret (k€) | 90 % regret (k€) | "
             "satisficing | mean strategy cost (k€) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result.robustness.itertuples():
        sat = "—" if np.isnan(r.satisficing) else f"{r.satisficing:.0%}"
        loss = "—" if np.isnan(r.p_loss) else f"{r.p_loss:.0%}"
        lines.append(f"| {r.strategy} | {r.mean_value:,.0f} | {r.mean_value_delta:+,.0f} | {loss} | "
                     f"{r.max_regret:,.0f} | {r.p90_regret:,.0f} | {sat} | {r.mean_strategy_cost:,.0f} |")
    targets = ", ".join(f"{t.outcome} {'≥ ' + format(t.min, 'g') if t.min is not None else ''}"
                        f"{' and ' if t.min is not None and t.max is not None else ''}"
                        f"{'≤ ' + format(t.max, 'g') if t.max is not None else ''}" for t in spec.targets)
    lines += ["", "P(loss): share of runs where the strategy's value is below the reference's. Regret: how far below "
              "the best strategy of the same run. Satisficing: share of runs meeting every target"
              + (f" ({targets})." if targets else " (no targets in the spec)."), "", "## Where each strategy fails", ""]
    if result.skipped:
        lines += [f"Not computed: {result.skipped}.", ""]
    for strategy, sentence in result.sentences.items():
        lines += [sentence, ""]
        if strategy in figures:
            lines += [f"![{strategy}](discovery_{strategy}.png)", ""]
    lines.append("Boxes: PRIM (EMA Workbench), the box of highest coverage whose density reaches "
                 f"{spec.discovery.get('threshold', 0.8):.0%}; restrictions with quasi-p > 0.05 are not named. CART's "
                 "dense leaves are in discovery.csv as a second view.")
    return "\n".join(lines) + "\n"
