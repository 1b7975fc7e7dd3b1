"""The ``churnsim`` command: compose a run's config with Hydra, simulate it, write its outputs.

``churnsim key=value ...`` runs one simulation into ``outputs/<date>/<time>/``; ``churnsim -m key=a,b ...`` runs a
sweep into ``multirun/``. Groups, options and defaults are in ``conf/config.yaml``. Bad input stops the run with
one line on stderr naming the field, the value and what is allowed, and exit status 2.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from churnsim import outputs
from churnsim.cli_errors import BAD_INPUT, explain
from churnsim.config import validate
from churnsim.hydra_schemas import CONF_DIR, register_schemas, to_run_config
from churnsim.model import simulate

__all__ = ["main", "run"]


def run(dcfg: DictConfig, run_dir: Path) -> dict:
    """Validate a composed config, simulate it and write its outputs into ``run_dir`` as it goes.

    Outputs of an earlier run in ``run_dir`` are removed first, and tables stay under temporary names until the
    run has finished, so a run that fails leaves no table under its final name and no ``summary.json``.
    """
    cfg, resolved = to_run_config(dcfg)
    validate(cfg)
    outputs.clear_run(run_dir)
    with outputs.RunWriter(run_dir, cfg.output.tables) as writer:
        result = simulate(cfg, sink=writer)
        writer.finish(result, cfg, resolved)
    return result.summary


@hydra.main(version_base=None, config_path=str(CONF_DIR), config_name="config")
def _job(dcfg: DictConfig) -> None:
    """One Hydra job (a single run, or one point of a ``-m`` sweep).

    An unexpected exception leaves ``error.txt`` (one line: exception type and message) in the run directory, so
    a failed job of a sweep is visible to ``churnsim-report``; a successful run removes an earlier ``error.txt``.
    """
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    error_file = run_dir / "error.txt"
    error_file.unlink(missing_ok=True)
    try:
        summary = run(dcfg, run_dir)
    except BAD_INPUT as err:
        _fail(err)  # here, not in main(): Hydra would first print its own line about the failed job
    except Exception as err:
        run_dir.mkdir(parents=True, exist_ok=True)
        message = " ".join(str(err).split())
        error_file.write_text(f"{type(err).__name__}: {message}\n", encoding="utf-8")
        raise
    if HydraConfig.get().mode != RunMode.MULTIRUN:  # a sweep reports progress per job instead
        print(headline(summary))
        print(f"churnsim: wrote {run_dir}")


def headline(summary: dict) -> str:
    """The focal firm's key figures in a few lines, for the terminal."""
    reasons = ", ".join(f"{r} {n}" for r, n in sorted(summary["churn_by_reason"].items(), key=lambda x: -x[1])[:4])
    return (f"focal firm: customer retention {summary['customer_retention_annual']:.1%}/yr, "
            f"revenue retention {summary['revenue_retention_annual']:.1%}/yr, "
            f"final market share {summary['market_share_final']:.1%}\n"
            f"  net profit {summary['net_profit']:,.0f} k€ (present value {summary['net_profit_npv']:,.0f} k€), "
            f"strategy cost {summary['strategy_cost']:,.0f} k€\n"
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


def _fail(err: BaseException) -> NoReturn:
    sys.stderr.write(f"churnsim: error: {explain(err, sys.argv[1:])}\n")
    raise SystemExit(2)


if __name__ == "__main__":
    main()
