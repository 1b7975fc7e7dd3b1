"""Sweep speed: the strategy-comparison sweep and its report, end to end, against a two-minute target.

Run: ``make bench-sweep`` (or ``python benchmarks/sweep.py [--replicates 20] [--accounts 10000] [--n-jobs N]``).
Runs ``churnsim -m +experiment=strategy_comparison`` (every shipped strategy × the replicates) into a temporary
directory with the default launcher (joblib, one worker per core unless ``--n-jobs``), then ``churnsim-report`` on
it, and prints the machine, the number of jobs, the wall seconds of each step and of both, and whether the total met
the target. Timings include everything a user waits for (start-up, composition, outputs, report), and are disturbed
by anything else running on the machine: the load average at the start is printed with them.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 120.0
BIN = Path(sys.executable).parent  # the console scripts of the environment running this file


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _timed(*command: str) -> float:
    """Run a console script of this environment; return its wall seconds, or exit with its error output."""
    start = time.perf_counter()
    done = subprocess.run([str(BIN / command[0]), *command[1:]], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20, help="replicates per strategy (default 20)")
    parser.add_argument("--accounts", type=int, default=10_000, help="accounts per run (default 10,000)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="jobs at once (hydra.launcher.n_jobs; default: the config's, one per core)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), {_cpu_model()}, "
          f"python {platform.python_version()}, load average {os.getloadavg()[0]:.2f} at start")
    sweep = ["-m", "+experiment=strategy_comparison", f"replicate=range(0,{args.replicates})",
             f"n_accounts={args.accounts}"]
    if args.n_jobs is not None:
        sweep.append(f"hydra.launcher.n_jobs={args.n_jobs}")
    tmp = Path(tempfile.mkdtemp(prefix="churnsim-bench-sweep-"))
    try:
        sweep_dir = tmp / "sweep"
        sweep_seconds = _timed("churnsim", *sweep, f"hydra.sweep.dir={sweep_dir}")
        n_jobs = len(list(sweep_dir.glob("*/summary.json")))
        report_seconds = _timed("churnsim-report", str(sweep_dir))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = sweep_seconds + report_seconds
    print(f"sweep: {n_jobs} jobs (every strategy × {args.replicates} replicates, {args.accounts:,d} accounts, "
          f"n_jobs={'default' if args.n_jobs is None else args.n_jobs}): {sweep_seconds:.1f} s wall, "
          f"{sweep_seconds / n_jobs:.2f} s per job")
    print(f"report: {report_seconds:.1f} s wall")
    print(f"total: {total:.1f} s wall, {children.ru_utime + children.ru_stime:.0f} s CPU in child processes "
          f"(sweep workers included)")
    print(f"target {TARGET_SECONDS:.0f} s: {'met' if total <= TARGET_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
