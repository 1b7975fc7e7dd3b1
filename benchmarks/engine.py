"""Engine speed: account-months per second at 10k, 100k and 1M accounts, and the speed ratio to the reference path.

Run: ``make bench`` (or ``python benchmarks/engine.py [--sizes 10000 100000 1000000]``). Prints one line per figure
and the machine it ran on. Account-months count every month simulated (burn-in included) times the accounts in
the market at the start. The ratio compares both paths on the same small market, in the same process.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

from churnsim.config import RunConfig
from churnsim.model import MarketModel


def _time(cfg: RunConfig, reference: bool = False) -> tuple[float, float]:
    """Seconds to build and run the model, and account-months per second."""
    start = time.perf_counter()
    MarketModel(cfg, reference=reference).run()
    seconds = time.perf_counter() - start
    return seconds, cfg.n_accounts * (cfg.months + cfg.burn_in_months) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    for n in args.sizes:
        cfg = RunConfig(n_accounts=n, months=args.months)
        seconds, rate = _time(cfg)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"accounts={n:>9,d} months={args.months}+{cfg.burn_in_months} burn-in: {seconds:7.2f} s, "
              f"{rate / 1e6:6.2f} M account-months/s, peak RSS so far {peak:,.0f} MB")
    small = RunConfig(n_accounts=2_000, months=12, burn_in_months=6)
    _, fast = _time(small)
    _, slow = _time(small, reference=True)
    print(f"reference path (2,000 accounts × 18 months): fast {fast / 1e6:.2f} M vs reference {slow / 1e6:.3f} M "
          f"account-months/s: {fast / slow:.0f}× faster")


if __name__ == "__main__":
    main()
