"""Write a synthetic CRM export and churn history for the own-market walk-through (no real data in either).

    python examples/own_market/make_data.py [--out outputs/own_market] [--accounts 1500] [--seed 16]

Writes into ``--out``:

- ``accounts.csv``: one row per account of a made-up firm today, with the columns ``churnsim accounts_file=...``
  reads (README, "Your own accounts"): ids like ``CUST-004711``, monthly revenue in k€ (log-normal, median 8 k€),
  a tier for about two accounts in three (the others left empty: churnsim derives them from the revenue rank),
  six regions, tenure in months, 25 sales reps (a few accounts unassigned), a contract end for about one in six and
  a last survey score for about half;
- ``history.csv``: the firm's churn by year and tier, ``year,tier,churn_rate`` for years 1-3: the share of a tier's
  customers at the start of a year that left during it (key ≈ 8 %, regular ≈ 15 %, small ≈ 25 %, plausible B2B
  figures with a little year-to-year variation).

The same ``--seed`` and ``--accounts`` write the same files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

REGIONS = ("North", "South", "East", "West", "Central", "Export")
REPS = 25
TIER_SHARES = (0.1, 0.3, 0.6)  # key, regular, small: the generic market's shares, by revenue rank
CHURN_PER_YEAR = {"key": 0.08, "regular": 0.15, "small": 0.25}
HISTORY_YEARS = 3


def accounts(n: int, g: np.random.Generator) -> pd.DataFrame:
    """A CRM export of ``n`` accounts (see the module docstring)."""
    ids = np.sort(g.choice(np.arange(1, 1_000_000), size=n, replace=False))
    revenue = np.exp(np.log(8.0) + 0.9 * g.standard_normal(n)).round(2)  # k€ a month, median 8
    rank = np.argsort(np.argsort(-revenue))  # 0: the largest account
    cut_key, cut_regular = TIER_SHARES[0] * n, (TIER_SHARES[0] + TIER_SHARES[1]) * n
    tier = np.where(rank < cut_key, "key", np.where(rank < cut_regular, "regular", "small")).astype(object)
    tier[g.random(n) < 0.35] = None  # not every account was ever tiered: churnsim derives these from revenue
    tenure = np.minimum(g.geometric(1 / 48, n) - 1, 240).astype(float)  # months with the firm, mean ≈ 4 years
    tenure[g.random(n) < 0.05] = np.nan
    rep = np.array([f"REP-{k:02d}" for k in g.integers(1, REPS + 1, n)], dtype=object)
    rep[g.random(n) < 0.04] = None  # no rep on record
    contract_end = np.where(g.random(n) < 0.16, g.integers(0, 36, n), -1).astype(float)
    contract_end[contract_end < 0] = np.nan
    satisfaction = g.choice([1, 2, 3, 4, 5], size=n, p=[0.05, 0.1, 0.25, 0.4, 0.2]).astype(float)
    satisfaction[g.random(n) < 0.5] = np.nan  # half never answered a survey
    return pd.DataFrame({
        "account_id": [f"CUST-{i:06d}" for i in ids],
        "monthly_revenue": revenue,
        "tier": tier,
        "region": g.choice(REGIONS, size=n),
        "tenure_months": pd.array(tenure, dtype="Int64"),
        "rep_id": rep,
        "contract_end_month": pd.array(contract_end, dtype="Int64"),
        "satisfaction": pd.array(satisfaction, dtype="Int64"),
    })


def history(g: np.random.Generator) -> pd.DataFrame:
    """Churn by year and tier: each tier's typical rate, ± about a tenth of it from year to year."""
    rows = [{"year": year, "tier": tier, "churn_rate": round(rate * (1 + 0.1 * g.standard_normal()), 3)}
            for year in range(1, HISTORY_YEARS + 1) for tier, rate in CHURN_PER_YEAR.items()]
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/own_market"), help="folder to write into")
    parser.add_argument("--accounts", type=int, default=1500, help="accounts in the export (default 1500)")
    parser.add_argument("--seed", type=int, default=16, help="seed of the made-up data (default 16)")
    args = parser.parse_args(argv)
    if args.accounts < 10:
        parser.error(f"--accounts = {args.accounts}: must be a whole number ≥ 10")
    g = np.random.Generator(np.random.PCG64(args.seed))
    args.out.mkdir(parents=True, exist_ok=True)
    accounts(args.accounts, g).to_csv(args.out / "accounts.csv", index=False)
    history(g).to_csv(args.out / "history.csv", index=False)
    print(f"wrote {args.out / 'accounts.csv'} ({args.accounts} accounts) and {args.out / 'history.csv'}")


if __name__ == "__main__":
    main()
