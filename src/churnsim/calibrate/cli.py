"""The ``churnsim-calibrate SPEC [--out DIR] [--trials N] [--jobs N]`` command.

Runs (or continues) the calibration of SPEC into DIR (default ``calibrations/<spec name>``) until N trials (default:
the spec's ``trials``) are complete, each trial's replicates in ``--jobs`` worker processes (default 1; 0: one per
core; the results are the same for any number), then writes ``trials.csv``, ``fit.csv``, ``fit.png`` and the
calibrated preset ``market/calibrated.yaml`` (see :mod:`churnsim.calibrate.results`). Bad input — a spec with an
unknown key, a value out of range, a missing or malformed CSV or account list, a journal of another spec — stops it
with one line on stderr and exit status 2, before any trial runs. Ctrl-C stops it with exit status 130; the same
command continues it."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import NoReturn

from churnsim.calibrate.objective import evaluate
from churnsim.calibrate.results import clear_outputs, write_outputs
from churnsim.calibrate.spec import load_spec
from churnsim.calibrate.study import open_study, run_trials
from churnsim.core.cli_errors import help_text, study_options
from churnsim.core.config import ConfigError

__all__ = ["calibrate", "main"]


def calibrate(spec_path: str | Path, out: str | Path, trials: int | None = None, command: str | None = None,
              report=print, jobs: int = 1) -> Path:
    """Run or continue the calibration of ``spec_path`` into ``out``; return the calibrated preset's path.

    Args:
        spec_path: the calibration spec (YAML).
        out: the output directory; it holds the journal, so the same directory continues a stopped calibration.
        trials: total complete trials wanted (default: the spec's ``trials``).
        command: how the calibration was started, for the preset's header (default: ``churnsim-calibrate SPEC``).
        report: called with one progress line per trial.
        jobs: worker processes running a trial's replicates (1: in this process; 0: one per core); the outputs are
            the same for any value.

    Raises:
        ConfigError: bad input (the message is one line naming the key, its value and what is allowed).
    """
    spec = load_spec(spec_path)
    total = spec.trials if trials is None else trials
    out = study_options(total, jobs, out, ConfigError)
    study = open_study(spec, out / spec.journal)
    clear_outputs(out)
    trials_done = run_trials(study, spec, total, report, jobs)
    best = min(trials_done, key=lambda t: t.value)
    report(f"before (base config): evaluating {spec.replicates} replicates")
    before = evaluate(spec, spec.base, jobs)
    return write_outputs(out, spec, study.get_trials(deepcopy=False), best, before,
                         command or f"churnsim-calibrate {spec_path}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``churnsim-calibrate``."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="churnsim-calibrate", description=help_text(__doc__))
    parser.add_argument("spec", metavar="SPEC", help="calibration spec (YAML), e.g. conf/calibration/small.yaml")
    parser.add_argument("--out", metavar="DIR", help="output directory (default: calibrations/<spec file name>)")
    parser.add_argument("--trials", metavar="N", type=int, help="total complete trials (default: the spec's trials)")
    parser.add_argument("--jobs", metavar="N", type=int, default=1,
                        help="worker processes running each trial's replicates (default 1; 0: one per core); the "
                             "results are the same for any number")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path("calibrations") / Path(args.spec).stem
    try:
        preset = calibrate(args.spec, out, args.trials, jobs=args.jobs)
    except ConfigError as err:
        _stop(str(err), 2)
    except KeyboardInterrupt:
        _stop(f"stopped; run the same command again to continue from the trials in {out}", 130)
    print(f"churnsim-calibrate: wrote {out} (preset: {preset}); use: churnsim --config-dir {out} "
          f"market={preset.stem}")


def _stop(message: str, status: int) -> NoReturn:
    sys.stderr.write(f"churnsim-calibrate: error: {message}\n")
    raise SystemExit(status)
