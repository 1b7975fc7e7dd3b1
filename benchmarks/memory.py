"""Peak memory of a run writing all its outputs, against accounts and against months.

Run: ``python benchmarks/memory.py [--quick]``; ``--soak`` instead runs 200 models one after another in one process
and a 200-job joblib sweep, and prints resident memory at the start, after 100 and at the end (every finished run
must free what it built: ``tests/test_memory.py``). Cases: 250k, 500k and 1M accounts × 60 months, and 1M accounts ×
15, 30 and 60 months (``--quick``: a tenth of the accounts). Each case runs in a fresh process as ``churnsim``
runs it (tables streamed into a temporary directory), which reports its peak resident memory (VmHWM on Linux,
else ru_maxrss) while the model is built and while it runs and writes its outputs. Prints the machine, one line
per case and the slopes fitted by least squares: bytes per account at the longest run, MB per month at the
largest size. Memory that grew with months × accounts would show as a slope per month.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from churnsim.core.config import RunConfig
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan
from churnsim.engine.run import simulate
from churnsim.outputs import RunWriter

_STATUS = Path("/proc/self/status")


def _peak_mb(reset: bool = False) -> float:
    """Peak resident memory of this process so far (MB); with ``reset``, start a new peak (Linux only)."""
    if not _STATUS.exists():
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform == "darwin" else 1)
        return kib / 1024
    peak = next(int(line.split()[1]) for line in _STATUS.read_text().splitlines() if line.startswith("VmHWM"))
    if reset:
        Path("/proc/self/clear_refs").write_text("5")
    return peak / 1024


def run_case(n_accounts: int, months: int) -> dict:
    """One run writing every table (in this process): peak memory while building and while running, seconds."""
    plan = make_plan(RunConfig(n_accounts=n_accounts, months=months))
    imports = _peak_mb(reset=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, RunWriter(tmp, plan.cfg.output.tables) as writer:
        model = MarketModel(plan)
        build = _peak_mb(reset=True)
        writer.finish(model.run(writer), plan.cfg, {})
        written = sum(p.stat().st_size for p in Path(tmp).iterdir())
    run = _peak_mb()
    return {"imports": imports, "build": build, "run": run, "peak": max(build, run), "written_mb": written / 1e6,
            "seconds": time.perf_counter() - start}


def _in_fresh_process(n_accounts: int, months: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--case", str(n_accounts), str(months)], capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"{n_accounts:,d} accounts × {months} months failed:\n{done.stderr}")
    return json.loads(done.stdout)


def _rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process now (MB; Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")) / 1024


SOAK = ["n_accounts=20000", "months=12", "output.tables=[monthly]"]


def soak_in_process(runs: int = 200) -> list[float]:
    """Resident memory (MB) before the first of ``runs`` models, after half of them and after all of them."""
    from churnsim.core.hydra_schemas import load_config  # noqa: PLC0415 - only the soak composes configs

    seen = [_rss_mb()]
    for i in range(runs):
        simulate(make_plan(load_config([*SOAK, f"replicate={i}"])))
        if i + 1 in (runs // 2, runs):
            seen.append(_rss_mb())
    return seen


def soak_sweep(jobs: int = 200) -> dict[int, list[float]]:
    """A ``jobs``-job joblib sweep of ``churnsim``: each worker's resident memory (MB) after its first jobs, at half
    the sweep and at its end, sampled every 0.2 s."""
    churnsim = Path(sys.executable).with_name("churnsim")
    with tempfile.TemporaryDirectory() as tmp:
        sweep = Path(tmp) / "sweep"
        proc = subprocess.Popen([str(churnsim), "-m", f"replicate=range(0,{jobs})", *SOAK, f"hydra.sweep.dir={sweep}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        marks: dict[int, list[float]] = {}
        while proc.poll() is None:
            done = len(list(sweep.glob("*/summary.json"))) if sweep.exists() else 0
            for pid in _descendants(proc.pid):
                try:
                    rss = _rss_mb(pid)
                except (OSError, StopIteration):
                    continue
                seen = marks.setdefault(pid, [])
                stage = 0 if done < 10 else 1 if done < jobs // 2 else 2
                seen[stage:] = [rss]  # the latest reading of this stage
            time.sleep(0.2)
    # the workers: joblib's other processes (its resource tracker, the launching shell) hold no model
    return {pid: seen for pid, seen in marks.items() if len(seen) == 3 and seen[-1] > 100}


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        frontier = [p for p, pp in parent.items() if pp in frontier]
        found += frontier
    return found


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores, {memory:.0f} GiB, "
            f"{platform.system()} {platform.release()}, python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the accounts")
    parser.add_argument("--soak", action="store_true", help="200 runs in one process and a 200-job sweep")
    parser.add_argument("--case", type=int, nargs=2, metavar=("ACCOUNTS", "MONTHS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(*args.case)))
        return
    if args.soak:
        print(_machine())
        start, half, end = soak_in_process()
        print(f"200 runs ({' '.join(SOAK)}) in one process: resident {start:.0f} MB at the start, {half:.0f} MB "
              f"after 100, {end:.0f} MB at the end: {100 * (end - half) / half:+.1f} % over the last 100 "
              f"(goal: growth under 5 %)")
        for pid, (first, mid, last) in sorted(soak_sweep().items()):
            print(f"200-job joblib sweep, worker {pid}: {first:.0f} MB after its first jobs, {mid:.0f} MB at half, "
                  f"{last:.0f} MB at the end: {100 * (last - first) / first:+.1f} %")
        return
    scale = 10 if args.quick else 1
    largest, longest = 1_000_000 // scale, 60
    by_accounts = [(n // scale, longest) for n in (250_000, 500_000, 1_000_000)]
    by_months = [(largest, m) for m in (15, 30, longest)]
    print(_machine())
    print(f"{'accounts':>10} {'months':>6} {'peak MB':>8} {'build MB':>9} {'run MB':>7} {'imports MB':>10} "
          f"{'bytes/account':>13} {'written MB':>10} {'seconds':>7}")
    results = {}
    for n, m in dict.fromkeys(by_accounts + by_months):
        r = results[n, m] = _in_fresh_process(n, m)
        print(f"{n:>10,d} {m:>6d} {r['peak']:>8.0f} {r['build']:>9.0f} {r['run']:>7.0f} {r['imports']:>10.0f} "
              f"{r['peak'] * 2**20 / n:>13,.0f} {r['written_mb']:>10.0f} {r['seconds']:>7.1f}", flush=True)
    for key in ("peak", "run"):
        per_account = np.polyfit([n for n, _ in by_accounts], [results[c][key] for c in by_accounts], 1)[0]
        per_month = np.polyfit([m for _, m in by_months], [results[c][key] for c in by_months], 1)[0]
        print(f"slope of {key} memory: {per_account * 2**20:,.0f} bytes per account ({longest} months), "
              f"{per_month:+.2f} MB per month ({largest:,d} accounts)")


if __name__ == "__main__":
    main()
