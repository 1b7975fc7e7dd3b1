"""The ``churnsim-explore`` command: ``SPEC --out DIR [--samples N] [KEY=VALUE ...]``.

Checks the spec (one line and exit status 2 for bad input, before anything is written), draws the Latin hypercube,
writes the design into ``DIR/explore/design.json`` and runs its jobs as
``churnsim -m hydra/sweeper=design hydra.sweep.dir=DIR/runs ...`` in a child process, so the launcher
(``hydra/launcher=...`` after SPEC), resuming and failure handling are those of any churnsim sweep; then it
analyses (:mod:`churnsim.explore.analyse`). ``KEY=VALUE`` arguments are config overrides added to the spec's base
(``n_accounts=2000``); ``hydra.*`` and ``hydra/...`` arguments go to the sweep. Run again with the same spec and
``--out``, it resumes: finished runs are not run again. A directory holding the design of another spec (or of the
same spec with other samples or overrides) is refused. ``--analyse-only`` reads what the runs wrote.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

from churnsim.core.cli_errors import help_text
from churnsim.explore.analyse import RUNS, Exploration, IncompleteExploration, analyse
from churnsim.explore.design import DESIGN_FILE, make_design, read_design
from churnsim.explore.spec import SpecError, load_spec
from churnsim.sensitivity.design import keep_design

__all__ = ["main", "run"]

PROG = "churnsim-explore"


def _is_hydra(override: str) -> bool:
    return override.lstrip("+~").startswith(("hydra.", "hydra/"))


def run(spec_file: str, out: Path, samples: int | None, overrides: list[str]) -> int:
    """Check the spec, write the design, run its jobs with ``churnsim -m``; return churnsim's exit status.

    Raises:
        SpecError: a bad spec or override, or ``out`` holding the design of another spec.
    """
    hydra = [o for o in overrides if _is_hydra(o)]
    if any(o.startswith("hydra.sweep.dir=") for o in hydra):
        raise SpecError("hydra.sweep.dir: set by --out (the runs go to DIR/runs); allowed: other hydra settings")
    spec, _ = load_spec(spec_file, [o for o in overrides if not _is_hydra(o)], samples)
    design = make_design(spec, spec_file)
    design_file = out / DESIGN_FILE
    if not keep_design(design_file, design, read_design):
        raise SpecError(f"--out {out}: holds the design of another spec (or of this spec with other samples, "
                        "overrides or contents); allowed: a new --out, or the same spec and arguments")
    print(f"{PROG}: {design.n_jobs} runs ({len(design.points)} scenarios × {spec.replicates} replicate"
          f"{'s' * (spec.replicates > 1)} × {len(spec.strategies)} strategies) into {out / RUNS}", flush=True)
    command = [sys.executable, "-m", "churnsim.app", "-m", "hydra/sweeper=design", *hydra,
               f"hydra.sweep.dir={out / RUNS}", f"hydra.sweeper.design={design_file}"]
    return subprocess.run(command, check=False).returncode


def report(result: Exploration) -> str:
    """The robustness table and the sentences, for the terminal."""
    r = result.robustness
    width = max(len(s) for s in r["strategy"])
    lines = [f"{'strategy'.ljust(width)}  {'mean Δ value k€':>15}  {'P(loss)':>7}  {'max regret k€':>13}  "
             f"{'satisficing':>11}"]
    for row in r.itertuples():
        loss = "—" if row.p_loss != row.p_loss else f"{row.p_loss:.0%}"
        sat = "—" if row.satisficing != row.satisficing else f"{row.satisficing:.0%}"
        lines.append(f"{row.strategy.ljust(width)}  {row.mean_value_delta:>+15,.0f}  {loss:>7}  "
                     f"{row.max_regret:>13,.0f}  {sat:>11}")
    lines += ["", *result.sentences.values()]
    if result.skipped:
        lines.append(f"{PROG}: discovery skipped: {result.skipped}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``churnsim-explore``."""
    parser = argparse.ArgumentParser(prog=PROG, description=help_text(__doc__))
    parser.add_argument("spec", metavar="SPEC", help="an explore spec (YAML), e.g. conf/explore/price_war_stress.yaml")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (runs, design, results)")
    parser.add_argument("--samples", type=int, metavar="N", help="Latin-hypercube points (replaces the spec's)")
    parser.add_argument("--analyse-only", action="store_true", help="analyse the finished runs in DIR; run nothing")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="config overrides added to the spec's base (n_accounts=2000), or hydra settings "
                             "(hydra/launcher=ray_local)")
    args = parser.parse_intermixed_args(argv)
    out = Path(args.out)
    status = 0
    try:
        if not args.analyse_only:
            bad = [o for o in args.overrides if "=" not in o]
            if bad:
                raise SpecError(f"{bad[0]}: not KEY=VALUE; allowed after SPEC: config overrides such as "
                                "n_accounts=2000 and hydra settings")
            status = run(args.spec, out, args.samples, args.overrides)
            if status == 2:  # bad input: churnsim said why in one line, and no job ran
                raise SystemExit(2)
        result = analyse(out)
    except SpecError as err:
        _fail(str(err))
    except IncompleteExploration as err:
        _fail(str(err), status or 2)
    print(report(result))
    print(f"{PROG}: wrote {out.resolve()} (experiments.parquet, robustness.csv"
          f"{', discovery.csv' if result.discovery is not None else ''}, summary.md)")
    if status:
        raise SystemExit(status)


def _fail(message: str, status: int = 2) -> NoReturn:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    raise SystemExit(status)
