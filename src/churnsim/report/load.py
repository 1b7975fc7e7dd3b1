"""Finding the jobs of a sweep and reading what they wrote: one row per job, and their tables on request.

A job is any directory under the sweep directory holding ``.hydra/overrides.yaml`` or ``run.json``. It is
``complete`` when it holds ``summary.json`` (written last by a run) with ``run.json`` and the tables it lists
(:func:`churnsim.outputs.finished_run`), ``failed`` when it holds ``error.txt`` (written by ``churnsim`` when a run
raises), and ``incomplete`` otherwise (killed, or still running). Names, replicate and seeds come from ``run.json``'s
resolved config, or from ``.hydra/config.yaml`` for a job that did not finish.
Only files are read: this module never imports the model.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import yaml

from churnsim.outputs import finished_run

__all__ = ["COMPONENT_ACTIONS", "COMPONENT_COST", "DRAWS", "ID_COLUMNS", "Sweep", "SweepError", "load_sweep",
           "missing_jobs", "read_job_table", "read_table"]

ID_COLUMNS = ["market", "competitors", "strategy", "seed", "replicate"]
"""What names a job in a comparison: its scenario, its strategy and its replicate (seed, replicate)."""

COMPONENT_COST = "strategy_cost_by_component."
"""Prefix of the jobs' columns of strategy cost by component (k€; from ``summary.json``)."""
COMPONENT_ACTIONS = "strategy_actions_by_component."
"""Prefix of the jobs' columns of what each component did: ``<prefix><component>.<action>`` (counts)."""
DRAWS = "uncertainty."
"""Prefix of the jobs' columns of the replicate's values of the priors on assumptions: ``<prefix><field>``."""

_NOT_SCENARIO = ("strategy.", "output.", "replicate", "seed")  # config keys that never split scenarios


class SweepError(Exception):
    """The directory given is not a sweep the report can use (the message says why, in one line)."""


@dataclass
class Sweep:
    """The jobs of one sweep directory.

    Attributes:
        path: the sweep directory.
        jobs: one row per job: ``job`` (its directory, relative to ``path``), ``status``, ``error``, the ID columns,
            ``run_seed``, ``focal`` (the focal firm's supplier name), ``months`` (reported), any other scenario
            columns, every scalar summary metric, ``churn_by_reason.<reason>`` counts,
            ``strategy_cost_by_component.<component>`` costs (k€) and, under priors on assumptions, the replicate's
            drawn values ``uncertainty.<field>``.
        scenario: columns that define a scenario: ``market``, ``competitors`` and any other config key that varies
            across the sweep apart from strategy, replicate and seed (e.g. ``n_accounts`` when it was swept).
        metrics: the scalar summary metrics, in ``summary.json`` order.
    """

    path: Path
    jobs: pd.DataFrame
    scenario: list[str]
    metrics: list[str]

    def scenario_label(self, values: tuple) -> str:
        """``market=generic_b2b, competitors=passive`` (and any other scenario column) for one scenario key."""
        return ", ".join(f"{k}={v}" for k, v in zip(self.scenario, values, strict=True))

    @property
    def complete(self) -> pd.DataFrame:
        """The jobs the comparison uses: complete, one per (scenario, strategy, seed, replicate)."""
        return self.jobs[self.jobs["status"] == "complete"]


def load_sweep(path: str | Path) -> Sweep:
    """Read every job of the sweep in ``path``.

    Raises:
        SweepError: ``path`` does not exist, holds no job, or holds no complete job.
    """
    path = Path(path)
    if not path.is_dir():
        what = "a file, not a directory" if path.exists() else "no such directory"
        raise SweepError(f"{path}: {what}; allowed: a sweep directory (churnsim -m ... hydra.sweep.dir=DIR)")
    hydra_dirs = {p.parent.parent for p in path.rglob("overrides.yaml") if p.parent.name == ".hydra"}
    job_dirs = sorted({p.parent for p in path.rglob("run.json")} | hydra_dirs)
    if not job_dirs:
        raise SweepError(f"{path}: not a sweep (no job directory with .hydra/overrides.yaml or run.json under it)")
    rows, configs = zip(*(_read_job(path, d) for d in job_dirs), strict=True)
    jobs = pd.DataFrame(list(rows))
    if not (jobs["status"] == "complete").any():
        raise SweepError(f"{path}: none of its {len(jobs)} jobs completed (no summary.json)")
    summaries = [json.loads((d / "summary.json").read_text()) for d in job_dirs if (d / "summary.json").is_file()]
    metrics = list(dict.fromkeys(k for s in summaries for k, v in s.items() if _is_number(v)))
    reasons = sorted(c for c in jobs.columns if c.startswith("churn_by_reason."))
    jobs[reasons] = jobs[reasons].where(jobs["status"] != "complete", jobs[reasons].fillna(0))
    by_component = sorted(c for c in jobs.columns if c.startswith((COMPONENT_COST, COMPONENT_ACTIONS)))
    jobs[["seed", "replicate"]] = jobs[["seed", "replicate"]].astype("Int64")
    scenario = _scenario_columns(jobs, pd.DataFrame([_flatten(c) for c in configs]))
    jobs = _mark_duplicates(jobs, scenario)
    first = ["job", "status", "error", *ID_COLUMNS, "run_seed", "focal", "months"]
    extra = [c for c in scenario if c not in first]
    draws = sorted(c for c in jobs.columns if c.startswith(DRAWS) and c not in scenario)
    jobs = jobs.reindex(columns=[*first, *extra, *metrics, *reasons, *by_component, *draws]).astype(
        {r: "Int64" for r in reasons})
    jobs = jobs.sort_values([*ID_COLUMNS, "job"], key=lambda c: c if c.name in ("seed", "replicate") else c.astype(str))
    return Sweep(path=path, jobs=jobs, scenario=["market", "competitors", *extra], metrics=metrics)


def missing_jobs(sweep: Sweep) -> pd.DataFrame:
    """(scenario, strategy, seed, replicate) combinations of the sweep's grid that no job directory holds.

    The grid of a scenario is every strategy seen in it × every (seed, replicate) seen in it: a sweep stopped
    before launching some jobs leaves them out.
    """
    ids = sweep.jobs.dropna(subset=["strategy", "seed", "replicate"])
    key = list(dict.fromkeys([*sweep.scenario, "strategy", "seed", "replicate"]))
    missing = []
    for scenario, jobs in ids.groupby(sweep.scenario, dropna=False, sort=True):
        scenario = scenario if isinstance(scenario, tuple) else (scenario,)
        present = set(zip(jobs["strategy"], jobs["seed"], jobs["replicate"], strict=True))
        replicates = sorted({(seed, rep) for _, seed, rep in present})
        for strategy, (seed, rep) in itertools.product(sorted(jobs["strategy"].unique()), replicates):
            if (strategy, seed, rep) not in present:
                missing.append((*scenario, strategy, seed, rep))
    return pd.DataFrame(missing, columns=key)


def read_table(sweep: Sweep, job: str, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """The table ``name`` (``monthly``, ``events``, ``accounts``) of one job, or None if the run did not write it;
    of ``columns``, those it has (a run of an earlier schema version may lack the newer ones)."""
    return read_job_table(sweep.path / job, name, columns)


def read_job_table(job_dir: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """:func:`read_table` of the job in directory ``job_dir``."""
    file = job_dir / f"{name}.parquet"
    if not file.is_file():
        return None
    if columns is not None:
        present = set(pq.read_schema(file).names)
        columns = [c for c in columns if c in present]
    return pd.read_parquet(file, columns=columns)


def _read_job(root: Path, job_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """One job's row (without scenario columns) and its config as a plain dict."""
    run_file, summary_file, error_file = (job_dir / n for n in ("run.json", "summary.json", "error.txt"))
    run = json.loads(run_file.read_text()) if run_file.is_file() else {}
    config = run.get("config") or _hydra_config(job_dir)
    if error_file.is_file():
        status, error = "failed", " ".join(error_file.read_text(encoding="utf-8", errors="replace").split())
    elif finished_run(job_dir) is not None:
        status, error = "complete", ""
    elif summary_file.is_file():
        status, error = "incomplete", "summary.json without run.json or a table run.json lists"
    else:
        status, error = "incomplete", "no summary.json and no error.txt: the job was stopped, or is still running"
    row: dict[str, Any] = {
        "job": job_dir.relative_to(root).as_posix() or ".", "status": status, "error": error,
        "market": _get(config, "market.name"), "competitors": _get(config, "competitors.name"),
        "strategy": _get(config, "strategy.name"), "seed": _get(config, "seed"),
        "replicate": _get(config, "replicate"),
        "run_seed": None if run.get("run_seed") is None else str(run["run_seed"]),  # may exceed int64
        "focal": _get(config, "market.focal.name", "focal"), "months": _get(config, "months"),
    }
    if status == "complete":
        summary = json.loads(summary_file.read_text())
        row.update({k: v for k, v in summary.items() if _is_number(v)})
        row.update({f"churn_by_reason.{r}": n for r, n in (summary.get("churn_by_reason") or {}).items()})
        row.update({f"{COMPONENT_COST}{c}": v
                    for c, v in (summary.get("strategy_cost_by_component") or {}).items()})
        row.update({f"{COMPONENT_ACTIONS}{c}.{what}": n
                    for c, done in (summary.get("strategy_actions_by_component") or {}).items()
                    for what, n in done.items()})
        row.update({f"{DRAWS}{f}": v for f, v in ((run.get("uncertainty") or {}).get("draws") or {}).items()})
    return row, config


def _hydra_config(job_dir: Path) -> dict[str, Any]:
    """The job's composed config from ``.hydra/config.yaml``, else its command-line overrides as a flat dict."""
    config_file, overrides_file = job_dir / ".hydra" / "config.yaml", job_dir / ".hydra" / "overrides.yaml"
    if config_file.is_file():
        return yaml.safe_load(config_file.read_text()) or {}
    overrides = yaml.safe_load(overrides_file.read_text()) if overrides_file.is_file() else []
    pairs = (str(o).lstrip("+~").split("=", 1) for o in overrides or [] if "=" in str(o))
    config: dict[str, Any] = {}
    for key, value in pairs:
        name = f"{key}.name" if key in ("market", "competitors", "strategy") else key
        config[name] = yaml.safe_load(value) if name in ("seed", "replicate") else value
    return config


def _get(config: dict[str, Any], dotted: str, default: Any = None) -> Any:
    """``config['a']['b']`` for ``'a.b'``, or a flat ``config['a.b']``, or ``default``."""
    if dotted in config:
        return config[dotted]
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """A nested config as ``{dotted.key: value}``; lists become JSON text so they can be compared."""
    if isinstance(node, dict):
        flat: dict[str, Any] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: json.dumps(node) if isinstance(node, list) else node}


def _scenario_columns(jobs: pd.DataFrame, flat: pd.DataFrame) -> list[str]:
    """Config keys that split the jobs into scenarios beyond market and competitors; added to ``jobs``.

    A key is added when, within the scenarios found so far, it takes more than one value (so ``market.*`` keys that
    only differ because the market preset differs are not added, but a swept ``n_accounts`` is).
    """
    keys = ["market", "competitors"]
    for col in flat.columns:
        if col in ("market.name", "competitors.name") or col.startswith(_NOT_SCENARIO):
            continue
        values = flat[col].map(str, na_action="ignore")
        if values.groupby([jobs[k].astype(str) for k in keys]).nunique().max() > 1:
            jobs[col] = flat[col].to_numpy()
            keys.append(col)
    return keys


def _mark_duplicates(jobs: pd.DataFrame, scenario: list[str]) -> pd.DataFrame:
    """Mark all but the first complete job of each (scenario, strategy, seed, replicate) as ``duplicate``."""
    key = list(dict.fromkeys([*scenario, "strategy", "seed", "replicate"]))
    complete = jobs["status"] == "complete"
    dup = complete & jobs[complete].astype({k: str for k in key}).duplicated(subset=key).reindex(jobs.index,
                                                                                                fill_value=False)
    jobs.loc[dup, "status"] = "duplicate"
    jobs.loc[dup, "error"] = "same scenario, strategy and replicate as an earlier job: not used"
    return jobs


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
