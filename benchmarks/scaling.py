"""How the engine's cost grows with accounts, months, suppliers and network degree (for docs/performance.md).

Run: ``python benchmarks/scaling.py [--accounts 200000] [--repeat 3]``. Each line varies one factor from the
default market (10,000 to 1,000,000 accounts; 12 to 96 months; 2 to 8 suppliers; 4 to 32 contacts per account)
and prints the wall time and the nanoseconds per account-month (best of ``--repeat`` runs, in-process, build
included, after a warm-up run that loads the compiled kernels).
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from engine import account_months, machine, seconds

from churnsim.core.config import RunConfig


def _with_suppliers(cfg: RunConfig, k: int) -> RunConfig:
    """``cfg`` with ``k`` suppliers in all: copies of the default rival share the market evenly."""
    rival = cfg.competitors.rivals[0]
    rivals = [replace(rival, name=f"rival_{j}", initial_share=1.0) for j in range(k - 1)]
    return replace(cfg, market=replace(cfg.market, focal=replace(cfg.market.focal, initial_share=1.0)),
                   competitors=replace(cfg.competitors, rivals=rivals))


def _with_degree(cfg: RunConfig, degree: int) -> RunConfig:
    accounts = replace(cfg.market.accounts, network_degree=degree)
    return replace(cfg, market=replace(cfg.market, accounts=accounts))


def _line(label: str, cfg: RunConfig, repeat: int) -> None:
    took = seconds(cfg, repeat)
    print(f"{label:<28} {took:7.2f} s  {took / account_months(cfg) * 1e9:6.0f} ns per account-month")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000, help="market size for the months, suppliers and "
                        "degree series")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    seconds(RunConfig(n_accounts=1_000, months=3, burn_in_months=1), 1)
    base = RunConfig(n_accounts=args.accounts, months=36)
    for n in (10_000, 100_000, 1_000_000):
        _line(f"accounts {n:,}", replace(base, n_accounts=n), args.repeat if n < 1_000_000 else 1)
    for months in (12, 36, 96):
        _line(f"months {months} (+24 burn-in)", replace(base, months=months), args.repeat)
    for k in (2, 3, 5, 8):
        _line(f"suppliers {k}", _with_suppliers(base, k), args.repeat)
    for degree in (4, 8, 16, 32):
        _line(f"network degree {degree}", _with_degree(base, degree), args.repeat)


if __name__ == "__main__":
    main()
