"""The Optuna study of an optimisation: NSGA-II generation by generation, resumable from its journal, and the same
for any number of worker processes.

Two objectives (mean Δ value, maximised; the risk, minimised) and the constraints of the spec, set on each trial
with :meth:`optuna.trial.Trial.set_constraint` (Optuna's NSGA-II then ranks feasible trials first, infeasible ones
by their total violation). The study lives in ``optimise.journal`` (a :class:`~optuna.storages.JournalStorage` on a
file) beside ``spec.json``, the checked spec: an output directory holding a study of another spec is refused.

One generation at a time (ask and tell): the ``population`` trials of generation g (complete trials g·P..g·P+P−1)
are all asked before any is told, scored together (:class:`~churnsim.optimise.evaluate.Evaluator`, in parallel
when ``jobs > 1``) and told in trial order. So NSGA-II gives every trial of the batch the same generation (its
generation is the latest complete one, or the next when that one is full), and draws it from the same parents.
Three rules make a study stopped at any point and continued give the same trials as one run straight through:

- the sampler that proposes the k-th complete trial is seeded from (``sampler_seed``, k) alone;
- the parents of generation g are selected (and cached in the journal) before its first trial is drawn, so every
  trial of g reads them back from the journal in the same order, whether or not the run stopped in between;
- a continued study first completes its last generation, if a stop left it short: the batch is the P − (k mod P)
  trials it lacks. Trials left RUNNING by a stopped run are marked FAIL and their places are taken by new trials
  with the same k: finished trials are kept and never run again, and their runs seed the evaluator's memory.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import NSGAIISampler
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial, Trial, TrialState

from churnsim.optimise.evaluate import Evaluator, Scores
from churnsim.optimise.plans import components, distributions
from churnsim.optimise.spec import OptimiseSpec, SpecError
from churnsim.sensitivity.design import write_atomic

__all__ = ["JOURNAL", "SPEC_FILE", "STUDY_NAME", "complete_trials", "open_study", "run_search", "scores_of"]

STUDY_NAME = "churnsim-optimise"
JOURNAL = "optimise.journal"
SPEC_FILE = "spec.json"


def open_study(out: Path, spec: OptimiseSpec) -> optuna.Study:
    """Create the study in ``out``, or load the one there after checking it was made from the same spec.

    Trials a stopped run left RUNNING are marked FAIL (they will be replaced).

    Raises:
        SpecError: ``out`` holds a study of another spec (the message names the first difference), or a journal
            without its ``spec.json``.
    """
    spec_file, journal = out / SPEC_FILE, out / JOURNAL
    wanted = spec.fingerprint()
    if spec_file.exists():
        try:
            recorded = {k: v for k, v in json.loads(spec_file.read_text(encoding="utf-8")).items()
                        if k in wanted}
        except (OSError, ValueError) as err:
            raise SpecError(f"{spec_file}: cannot be read ({err}); allowed: a new --out directory") from err
        if recorded != wanted:
            key, was, now = _first_difference(recorded, wanted)
            raise SpecError(f"{spec_file}: {key} = {json.dumps(was)}, this spec has {key} = {json.dumps(now)}: a "
                            "study of another spec is not continued; allowed: the spec (and overrides) it was made "
                            "from, or a new --out directory")
    elif journal.exists():
        raise SpecError(f"{journal}: a journal without its {SPEC_FILE}, so not known to be of this spec; allowed: "
                        "a new --out directory")
    write_atomic(spec_file, json.dumps(spec.to_dict(), indent=2, ensure_ascii=False) + "\n")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        storage = JournalStorage(JournalFileBackend(str(journal)))
    study = optuna.create_study(study_name=STUDY_NAME, storage=storage, directions=["maximize", "minimize"],
                                load_if_exists=True)
    for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
        study.tell(stale.number, state=TrialState.FAIL, skip_if_finished=True)
    return study


def complete_trials(study: optuna.Study) -> list[FrozenTrial]:
    """The complete trials, in the order they were proposed (their ``trial`` number k)."""
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return sorted(done, key=lambda t: t.user_attrs["trial"])


def scores_of(trial: FrozenTrial) -> Scores:
    """A complete trial's scores, from the per-replicate values stored with it."""
    runs = trial.user_attrs["runs"]
    return Scores(np.asarray(trial.user_attrs["value_delta"]), np.asarray(runs["strategy_cost_total"]),
                  np.asarray(runs["customer_retention_annual"]))


def run_search(study: optuna.Study, spec: OptimiseSpec, evaluator: Evaluator, total: int,
               report: Callable[[str], None] = print,
               on_generation: Callable[[list[FrozenTrial]], None] | None = None) -> list[FrozenTrial]:
    """Run generations until ``total`` trials are complete; return the complete trials.

    Each trial's user attributes hold its number k (``trial``), its ``plan``, its ``runs`` (``summary.json``'s
    :data:`~churnsim.optimise.evaluate.OUTCOMES` per replicate) and its ``value_delta`` per replicate. A
    generation interrupted (Ctrl-C) marks its trials FAIL before the interrupt goes on.

    Args:
        study: from :func:`open_study`.
        spec: the checked spec.
        evaluator: runs the plans (it learns the runs of the trials already complete).
        total: complete trials wanted.
        report: called with one progress line per generation.
        on_generation: called with the complete trials after each generation (say, to write ``trials.csv``).
    """
    replicates = range(spec.replicates)
    done = complete_trials(study)
    for trial in done:
        evaluator.learn(trial.user_attrs["plan"], replicates, trial.user_attrs["runs"])
    space = distributions(spec)
    while len(done) < total:
        k, started = len(done), time.perf_counter()
        size = min(spec.population - k % spec.population, total - k)
        batch: list[Trial] = []
        try:
            _ask(study, spec, space, k, size, batch)
            plans = [components(spec, trial.params) for trial in batch]
            for i, (trial, plan, s) in enumerate(zip(batch, plans, evaluator.score(plans, replicates), strict=True)):
                trial.set_user_attr("trial", k + i)
                trial.set_user_attr("plan", plan)
                trial.set_user_attr("runs", evaluator.runs(plan, replicates))
                trial.set_user_attr("value_delta", s.value_delta.tolist())
                for name, value in s.constraints(spec).items():
                    trial.set_constraint(name, value)
                study.tell(trial, [s.value_delta_mean, s.risk(spec)])
        except BaseException:
            for trial in batch:
                study.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
            raise
        done = complete_trials(study)
        report(_progress(spec, done, k, size, time.perf_counter() - started, total))
        if on_generation is not None:
            on_generation(done)
    return done


def _ask(study: optuna.Study, spec: OptimiseSpec, space: dict[str, BaseDistribution], k: int, size: int,
         batch: list[Trial]) -> None:
    """Ask trials k..k+size−1 (of generation k // P) into ``batch``, each from a sampler seeded by its k."""
    generation = k // spec.population
    if generation:  # select and cache the parents before any child is drawn (see the module docstring)
        _sampler(spec, k).get_parent_population(study, generation)
    for i in range(size):
        study.sampler = _sampler(spec, k + i)
        batch.append(study.ask(space))


def _sampler(spec: OptimiseSpec, k: int) -> NSGAIISampler:
    seed = int(np.random.SeedSequence([spec.sampler_seed, k]).generate_state(1)[0])
    return NSGAIISampler(population_size=spec.population, seed=seed)


def _progress(spec: OptimiseSpec, done: list[FrozenTrial], k: int, size: int, seconds: float, total: int) -> str:
    feasible = [t for t in done if scores_of(t).feasible(spec)]
    best = max(feasible, key=lambda t: t.values[0], default=None)
    lead = ("none feasible yet" if best is None else
            f"best feasible Δ value {best.values[0]:+,.0f} k€ (trial {best.user_attrs['trial']})")
    return (f"generation {k // spec.population}: trials {k}-{k + size - 1} in {seconds:.1f} s; {len(done)}/{total} "
            f"done, {len(feasible)} feasible; {lead}")


def _first_difference(was: Any, now: Any, key: str = "") -> tuple[str, Any, Any]:
    """The first dotted key at which two fingerprints differ, with both values."""
    if isinstance(was, dict) and isinstance(now, dict):
        for name in dict.fromkeys([*was, *now]):
            if was.get(name) != now.get(name):
                return _first_difference(was.get(name), now.get(name), f"{key}.{name}" if key else name)
    if isinstance(was, list) and isinstance(now, list) and len(was) == len(now):
        for i, (a, b) in enumerate(zip(was, now, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{key}.{i}")
    return key, was, now
