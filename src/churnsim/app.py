"""The ``churnsim`` command: compose a run's config with Hydra, simulate it, write its outputs.

``churnsim key=value ...`` runs one simulation into ``outputs/<date>/<time>/``; ``churnsim -m key=a,b ...`` runs a
sweep into ``multirun/``. Groups, options and defaults are in ``conf/config.yaml``. Bad input stops the run with
one line on stderr naming the field, the value and what is allowed, and exit status 2; so does an output directory
that cannot be written (Hydra creates it before the run starts, so nothing is simulated).

A sweep run again into the same ``hydra.sweep.dir`` resumes it: Hydra numbers the jobs from the sweep's overrides,
so each job gets the directory it had; a job whose directory holds a complete run of the same resolved config is
left untouched, the others (missing, stopped, failed) run again. A complete run of a different config in a job's
directory stops the job with one line instead of overwriting it (the overrides or their order changed).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from churnsim import outputs
from churnsim.core.cli_errors import BAD_INPUT, explain
from churnsim.core.hydra_schemas import CONF_DIR, register_schemas
from churnsim.engine.plan import plan_from_hydra
from churnsim.engine.run import simulate
from churnsim.engine.sizing import sized
from churnsim.progress import ALREADY_DONE
from churnsim.run_progress import RunProgress

__all__ = ["RunDirTaken", "main", "run"]

_started = False  # whether a job started in this process: an OSError before that is Hydra writing the output dir


class RunDirTaken(Exception):
    """A sweep's job directory holds a complete run of another config (the message says which key differs)."""


def run(dcfg: DictConfig, run_dir: Path, resume: bool = False, show_progress: bool = False) -> dict | None:
    """Plan a composed config (validated and built once), simulate it and write its outputs into ``run_dir``.

    Outputs of an earlier run in ``run_dir`` are removed first, and tables stay under temporary names until the
    run has finished, so a run that fails leaves no table under its final name and no ``summary.json``.

    Args:
        dcfg: the composed config.
        run_dir: where the run's outputs go.
        resume: if ``run_dir`` holds a complete run of this config, return None and leave it untouched.
        show_progress: a long run draws a bar of months on a terminal (:mod:`churnsim.run_progress`).

    Raises:
        RunDirTaken: ``resume`` and ``run_dir`` holds a complete run of another config (nothing is touched).
    """
    plan = plan_from_hydra(dcfg, size=sized)
    if resume and _finished(run_dir, plan.resolved):
        return None
    outputs.clear_run(run_dir)
    progress = RunProgress(plan.cfg.burn_in_months + plan.cfg.months) if show_progress else None
    try:
        with outputs.RunWriter(run_dir, plan.cfg.output.tables) as writer:
            result = simulate(plan, sink=writer, on_month=progress)
            writer.finish(result, plan.cfg, plan.resolved)
    finally:
        if progress is not None:
            progress.close()
    return result.summary


@hydra.main(version_base=None, config_path=str(CONF_DIR), config_name="config")
def _job(dcfg: DictConfig) -> None:
    """One Hydra job (a single run, or one point of a ``-m`` sweep).

    An unexpected exception leaves ``error.txt`` (one line: exception type and message) in the run directory, so
    a failed job of a sweep is visible to ``churnsim-report``; a run that starts removes an earlier ``error.txt``.
    A job of a sweep whose directory already holds its complete run returns :data:`~churnsim.progress.ALREADY_DONE`.
    """
    global _started
    _started = True
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    multirun = HydraConfig.get().mode == RunMode.MULTIRUN
    try:
        summary = run(dcfg, run_dir, resume=multirun, show_progress=not multirun)
    except BAD_INPUT as err:
        _fail(err)  # here, not in main(): Hydra would first print its own line about the failed job
    except RunDirTaken as err:
        _stop(str(err))
    except Exception as err:
        run_dir.mkdir(parents=True, exist_ok=True)
        message = " ".join(str(err).split())
        (run_dir / outputs.ERROR_FILE).write_text(f"{type(err).__name__}: {message}\n", encoding="utf-8")
        raise
    if summary is None:
        return ALREADY_DONE
    if not multirun:  # a sweep reports progress per job instead
        print(headline(summary))
        print(f"churnsim: wrote {run_dir}")
    return None


def _finished(run_dir: Path, resolved: dict) -> bool:
    """Whether ``run_dir`` holds a complete run of ``resolved``; raise :class:`RunDirTaken` if of another config."""
    record = outputs.finished_run(run_dir)
    if record is None:
        return False
    difference = _first_difference(record.get("config"), outputs.as_recorded(resolved))
    if difference is None:
        return True
    key, was, now = difference
    raise RunDirTaken(f"{run_dir} holds a complete run with {key}={json.dumps(was)}, this job has "
                      f"{key}={json.dumps(now)}: not overwritten; sweep into a new hydra.sweep.dir, or delete the "
                      f"job's directory to run it again")


def _first_difference(was: Any, now: Any, key: str = "") -> tuple[str, Any, Any] | None:
    """The first dotted key at which two configs differ, with both values (None for a missing key), or None."""
    if isinstance(was, dict) and isinstance(now, dict):
        for name in dict.fromkeys([*was, *now]):
            found = _first_difference(was.get(name), now.get(name), f"{key}.{name}" if key else name)
            if found is not None:
                return found
        return None
    return None if was == now else (key or "config", was, now)


def headline(summary: dict) -> str:
    """The focal firm's key figures in a few lines, for the terminal."""
    reasons = ", ".join(f"{r} {n}" for r, n in sorted(summary["churn_by_reason"].items(), key=lambda x: -x[1])[:4])
    return (f"focal firm: {summary['focal_accounts_start']:,d} of the market's {summary['market_accounts_start']:,d} "
            f"accounts at month 0\n"
            f"  customer retention {summary['customer_retention_annual']:.1%}/yr, "
            f"revenue retention {summary['revenue_retention_annual']:.1%}/yr, "
            f"final market share {summary['market_share_final']:.1%}\n"
            f"  net profit {summary['net_profit']:,.0f} k€ (present value {summary['net_profit_npv']:,.0f} k€), "
            f"strategy cost {summary['strategy_cost']:,.0f} k€\n"
            f"  value {summary['value_total']:,.0f} k€ (present value of net profit and of the accounts held at the "
            f"end, {summary['terminal_value']:,.0f} k€)\n"
            f"  departures {summary['departures_total']} ({1 - summary['churn_controllable_share']:.0%} "
            f"uncontrollable); top reasons: {reasons}")


def main() -> None:
    """Console entry point ``churnsim``: Hydra's command line, with bad input reported in one line."""
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO under "MESA.*"
    # Hydra prints composition errors itself, over several lines, unless told to raise them: then main() can.
    os.environ["HYDRA_FULL_ERROR"] = "1"
    register_schemas()
    try:
        _job()
    except BAD_INPUT as err:
        _fail(err)
    except OSError as err:  # Hydra creates the run (or sweep) directory and writes .hydra/ before a job starts
        if _started or err.filename is None:  # from a job: already recorded in its error.txt
            raise
        _stop(f"{err.filename}: output directory not writable ({err.strerror})")


def _fail(err: BaseException) -> NoReturn:
    _stop(explain(err, sys.argv[1:]))


def _stop(message: str) -> NoReturn:
    sys.stderr.write(f"churnsim: error: {message}\n")
    raise SystemExit(2)


if __name__ == "__main__":
    main()
