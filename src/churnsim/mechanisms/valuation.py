"""Value after the horizon: what the accounts the focal firm holds at the end of the run are still worth.

Rule (k€, present value at month 0, the rate of ``market.discount_rate_per_year``): an account held at the end of
the last reported month ``M − 1`` keeps bringing its last month's margin, ``revenue − unit cost × volume − cost to
serve of its tier − the strategy's spending per account-month``, for as long as it stays. It stays each further
month with the monthly retention its tier had over the reported months in this run (``1 − departures /
account-months at risk``, departures of every reason, uncontrollable ones included), so its value is

    margin × Σ_{k=0}^{H−1} retention_tier^(k+1) × (1 + r)^(−(M + k) / 12)

with ``H = market.terminal_horizon_months`` (60 by default). Nothing is counted for accounts won after the
horizon. The strategy keeps running on the accounts held: its spending per account-month (its mean over the last
twelve reported months) and each account's concession of its last month continue, are netted from the margin (a
concession is already missing from its revenue) and make up ``terminal_strategy_cost``.

Sources and assumptions. Valuing a customer base as the retention-weighted, discounted margins of the customers
held is the customer-lifetime-value model of Berger & Nasr (1998) and Gupta, Lehmann & Stuart (2004, "Valuing
customers", Journal of Marketing Research); the retention by segment is the run's own. The five-year horizon is
an assumption, not a published figure: a retention rate measured over a few simulated years says little about the
decades after, so the projection stops at five years (``terminal_horizon_months``; 0 drops the terminal value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.mechanisms.money import discount_factor

__all__ = ["Terminal", "retention_per_month", "terminal_value"]


def retention_per_month(lost: np.ndarray, held_months: np.ndarray) -> np.ndarray:
    """Monthly retention by segment: ``1 − lost / (held_months + lost)``, where ``held_months`` counts the accounts
    still held at the end of each month and ``lost`` those that left during it (1 where a segment had no account)."""
    at_risk = np.asarray(held_months, dtype=np.float64) + lost
    return np.where(at_risk > 0, 1.0 - lost / np.maximum(at_risk, 1.0), 1.0)


@dataclass(frozen=True)
class Terminal:
    """The terminal value of the accounts held (k€, present value at month 0) and the strategy's cost within it."""

    value: float  # net of the strategy's spending
    strategy_cost: float  # its spending and the concessions of the accounts held
    per_account: np.ndarray  # each account's value before the strategy's spending, in the order given


def terminal_value(margin: np.ndarray, spending: float, concession: np.ndarray, segment: np.ndarray,
                   retention: np.ndarray, months: int, horizon_months: int, rate_per_year: float) -> Terminal:
    """The accounts held at the end of ``months`` reported months, valued over ``horizon_months`` more.

    Args:
        margin: each account's last monthly margin, before the strategy's spending (k€ a month; its concession is
            already missing from its revenue).
        spending: the strategy's spending per account-month (k€), netted from every account's margin.
        concession: each account's monthly concession (k€), part of the strategy's cost.
        segment: each account's segment (index into ``retention``).
        retention: monthly retention by segment.
        months: months reported (the first valued month is ``months``).
        horizon_months: months valued.
        rate_per_year: discount rate.
    """
    ahead = np.arange(horizon_months)
    factor = (np.asarray(retention, dtype=np.float64)[:, None] ** (ahead + 1)[None, :]
              * discount_factor(months + ahead, rate_per_year)[None, :]).sum(axis=1)
    weight = factor[np.asarray(segment, dtype=np.int64)]
    per_account = np.asarray(margin, dtype=np.float64) * weight
    held = float(weight.sum())
    return Terminal(float(per_account.sum()) - spending * held,
                    spending * held + float((np.asarray(concession, dtype=np.float64) * weight).sum()), per_account)
