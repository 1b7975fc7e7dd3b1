"""The ``churnsim-sensitivity`` command: ``run SPEC [HYDRA_OVERRIDE ...]`` and ``analyse SWEEP_DIR``.

``run`` checks the spec (one line and exit status 2 for bad input, before anything is written), draws the sample,
writes the design into ``<sweep dir>/sensitivity/design.json`` and runs the sweep as
``churnsim -m hydra/sweeper=sensitivity hydra.sweep.dir=DIR [HYDRA_OVERRIDE ...]`` in a child process, so the
launcher (``hydra/launcher=...``), resuming and failure handling are those of any churnsim sweep; then it analyses.
Run again with ``hydra.sweep.dir=DIR`` and the same spec, it resumes: finished jobs are not run again. A sweep
directory holding the design of another spec is refused. ``analyse`` only reads what the jobs wrote.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from churnsim.core.cli_errors import help_text
from churnsim.sensitivity.analyse import Analysis, IncompleteSweep, analyse
from churnsim.sensitivity.design import DESIGN_FILE, keep_design, make_design, read_design
from churnsim.sensitivity.spec import SpecError, check_points, load_spec

__all__ = ["main", "run"]

PROG = "churnsim-sensitivity"


def run(spec_file: str, hydra_overrides: list[str]) -> int:
    """Check the spec, write the design, run its sweep with ``churnsim -m``; return churnsim's exit status.

    Raises:
        SpecError: a bad spec, a config override among ``hydra_overrides``, or a sweep directory holding the
            design of another spec.
    """
    import subprocess

    spec, base = load_spec(spec_file)
    for override in hydra_overrides:
        if not override.lstrip("+~").startswith(("hydra.", "hydra/")):
            raise SpecError(f"{override}: not a hydra setting; allowed after SPEC: hydra.* settings and "
                            "hydra/launcher=... (put config overrides in the spec's base list)")
    sweep_dir = _sweep_dir(spec_file, hydra_overrides)
    design = make_design(spec, spec_file)
    check_points(design, base)
    if not keep_design(sweep_dir / DESIGN_FILE, design, read_design):
        raise SpecError(f"hydra.sweep.dir = {sweep_dir}: holds the design of another spec (or of this spec "
                        "before it changed); allowed: a new sweep directory, or the spec it was made from")
    print(f"{PROG}: {design.n_jobs} jobs ({len(design.points)} points × {spec.replicates} replicates) into "
          f"{sweep_dir}", flush=True)
    command = [sys.executable, "-m", "churnsim.app", "-m", "hydra/sweeper=sensitivity",
               *[o for o in hydra_overrides if not o.startswith("hydra.sweep.dir=")], f"hydra.sweep.dir={sweep_dir}"]
    return subprocess.run(command, check=False).returncode


def _sweep_dir(spec_file: str, hydra_overrides: list[str]) -> Path:
    """``hydra.sweep.dir`` from the overrides, else ``multirun/sensitivity/<spec name>/<date>/<time>``."""
    for override in reversed(hydra_overrides):
        if override.startswith("hydra.sweep.dir="):
            return Path(override.split("=", 1)[1])
    now = datetime.now()
    return Path("multirun", "sensitivity", Path(spec_file).stem, f"{now:%Y-%m-%d}", f"{now:%H-%M-%S-%f}")


def report(analysis: Analysis) -> str:
    """The ranked main index of each outcome, as text for the terminal."""
    key = "mu_star" if analysis.design.spec.method == "morris" else "ST"
    lines = []
    for outcome, rows in analysis.indices.groupby("outcome", sort=False):
        noise = analysis.noise.set_index("outcome").loc[outcome]
        lines.append(f"{outcome} (replicate noise: {noise['noise_share']:.1%} of the variance of point means)")
        main = rows[rows["index"] == key].sort_values("value", ascending=False)
        width = max(len(p) for p in main["parameter"])
        lines.append(f"  {'parameter'.ljust(width)}  {key:>10}  {'± 95 %':>10}  {'noise':>10}  above noise")
        lines += [f"  {r.parameter.ljust(width)}  {r.value:10.4g}  {r.conf:10.3g}  {r.noise_threshold:10.3g}  "
                  f"{'yes' if r.distinguishable_from_noise else 'no'}" for r in main.itertuples()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``churnsim-sensitivity``."""
    parser = argparse.ArgumentParser(prog=PROG, description=help_text(__doc__))
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run a spec's sweep, then analyse it")
    run_parser.add_argument("spec", metavar="SPEC", help="a sensitivity spec (YAML), e.g. "
                            "conf/sensitivity/retention_drivers.yaml")
    run_parser.add_argument("overrides", nargs="*", metavar="HYDRA_OVERRIDE",
                            help="hydra settings, e.g. hydra/launcher=ray_local hydra.sweep.dir=DIR")
    analyse_parser = commands.add_parser("analyse", help="analyse a finished sensitivity sweep")
    analyse_parser.add_argument("sweep_dir", metavar="SWEEP_DIR")
    args = parser.parse_args(argv)
    status = 0
    try:
        if args.command == "run":
            status = run(args.spec, args.overrides)
            if status == 2:  # bad input: churnsim said why in one line, and no job ran
                raise SystemExit(2)
            sweep_dir = _sweep_dir(args.spec, args.overrides)
        else:
            sweep_dir = Path(args.sweep_dir)
        analysis = analyse(sweep_dir)
    except SpecError as err:
        _fail(str(err))
    except IncompleteSweep as err:
        _fail(str(err), status or 2)
    print(report(analysis))
    print(f"{PROG}: wrote {analysis.out.resolve()} (indices.csv, noise.csv, sensitivity.png, summary.md)")
    if status:
        raise SystemExit(status)


def _fail(message: str, status: int = 2) -> NoReturn:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    raise SystemExit(status)
