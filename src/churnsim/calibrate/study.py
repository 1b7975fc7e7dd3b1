"""The Optuna study of a calibration: resumable from its journal file, reproducible from its seeds.

Optuna is called directly (Hydra's Optuna sweeper pins an old Optuna) through its ask-and-tell interface, with a
:class:`optuna.storages.JournalStorage` on a journal *file* in the output directory. Every finished trial is in the
journal, so a calibration that was stopped (Ctrl-C, a killed machine) and is run again with the same output
directory continues until the total number of COMPLETE trials is reached: finished trials are kept and never run
again; a trial left RUNNING by a killed process, or FAILED, is marked failed and its place is taken by a new trial.

Reproducible: the TPE sampler that proposes the k-th complete trial is seeded from (``sampler_seed``, k), and sees
only the complete trials before it (failed ones are ignored by TPE), so a calibration stopped and resumed proposes
the same parameters as one run straight through, and trial k of a re-run repeats a trial killed while running.
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
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial, TrialState

from churnsim.calibrate.objective import evaluate, with_values
from churnsim.calibrate.spec import CalibrationSpec
from churnsim.core.config import ConfigError

__all__ = ["STUDY_NAME", "complete_trials", "fingerprint", "open_study", "run_trials"]

STUDY_NAME = "churnsim-calibrate"


def fingerprint(spec: CalibrationSpec) -> dict[str, Any]:
    """What makes two calibrations the same study: all of the spec but its total number of trials and its name (and
    of an account list, its content: SHA-256 and rows, not its path or the salt, which changes no result)."""
    found = {
        "base": [o for o in spec.base_overrides if o.split("=", 1)[0].lstrip("+~") not in ("accounts_file",
                                                                                           "privacy_salt")],
        "parameters": {p.path: [p.low, p.high, p.log] for p in spec.parameters},
        "targets": {t.name: {"observed": list(t.observed), "weight": t.weight, "scale": t.scale,
                             **({"points": [f"{y} {tier}" for y, tier in zip(t.points, t.tiers, strict=True)]}
                                if t.tiers else {})}
                    for t in spec.targets},
        "replicates": spec.replicates,
        "sampler_seed": spec.sampler_seed,
    }
    if spec.account_list is not None:
        found["accounts_file"] = spec.account_list
    return found


def open_study(spec: CalibrationSpec, journal: Path) -> optuna.Study:
    """Create the study in ``journal``, or load the one there, checking it was made from the same spec.

    Trials a stopped run left RUNNING are marked FAIL (they will be replaced).

    Raises:
        ConfigError: the journal holds a calibration of another spec (the message names the first difference).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    journal.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        storage = JournalStorage(JournalFileBackend(str(journal)))
    study = optuna.create_study(study_name=STUDY_NAME, storage=storage, direction="minimize", load_if_exists=True)
    wanted = json.loads(json.dumps(fingerprint(spec)))
    recorded = study.user_attrs.get("spec")
    if recorded is None:
        study.set_user_attr("spec", wanted)
    elif recorded != wanted:
        key, was, now = _first_difference(recorded, wanted)
        raise ConfigError(f"{journal}: holds a calibration with {key} = {json.dumps(was)}, this spec has {key} = "
                          f"{json.dumps(now)}: not continued; use another output directory or delete the journal")
    for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
        study.tell(stale.number, state=TrialState.FAIL, skip_if_finished=True)
    return study


def complete_trials(study: optuna.Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def run_trials(study: optuna.Study, spec: CalibrationSpec, total: int,
               report: Callable[[str], None] = print, jobs: int = 1) -> list[FrozenTrial]:
    """Run trials until ``total`` are COMPLETE; return the complete trials.

    Each trial's parameters are applied to the base config, which is run for replicates 0..R−1 (in ``jobs`` worker
    processes: the results do not depend on it); its value is the mean loss, and its user attributes hold the noise
    (``loss_se``) and every target's simulated mean and standard error (``simulated``, ``simulated_se``). A trial
    interrupted (Ctrl-C) or refused (a history tier with no customers in the run) is marked FAIL before the
    exception goes on.
    """
    distributions = _distributions(spec)
    done = len(complete_trials(study))
    while done < total:
        study.sampler = optuna.samplers.TPESampler(seed=_trial_seed(spec.sampler_seed, done), multivariate=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            trial = study.ask(distributions)
        started = time.perf_counter()
        try:
            ev = evaluate(spec, with_values(spec.base, spec.parameters, trial.params), jobs)
        except BaseException:
            study.tell(trial, state=TrialState.FAIL)
            raise
        trial.set_user_attr("loss_se", ev.loss_se)
        trial.set_user_attr("simulated", {t.name: ev.mean(t.name) for t in spec.targets})
        trial.set_user_attr("simulated_se", {t.name: ev.se(t.name) for t in spec.targets})
        study.tell(trial, ev.loss)
        done += 1
        best = study.best_trial
        report(f"[{done}/{total}] trial {trial.number}: loss {ev.loss:.3g} ± {ev.loss_se:.2g} in "
               f"{time.perf_counter() - started:.1f} s (best: trial {best.number}, {best.value:.3g})")
    return complete_trials(study)


def _distributions(spec: CalibrationSpec) -> dict[str, BaseDistribution]:
    return {p.path: (IntDistribution(int(p.low), int(p.high), log=p.log) if p.integer
                     else FloatDistribution(p.low, p.high, log=p.log)) for p in spec.parameters}


def _trial_seed(sampler_seed: int, k: int) -> int:
    """Seed of the sampler proposing the k-th complete trial: independent streams per k."""
    return int(np.random.SeedSequence([sampler_seed, k]).generate_state(1)[0])


def _first_difference(was: Any, now: Any, key: str = "") -> tuple[str, Any, Any]:
    """The first dotted key at which two different fingerprints differ, with both values."""
    if isinstance(was, dict) and isinstance(now, dict):
        for name in dict.fromkeys([*was, *now]):
            if was.get(name) != now.get(name):
                return _first_difference(was.get(name), now.get(name), f"{key}.{name}" if key else name)
    return key, was, now
