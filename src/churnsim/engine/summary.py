"""A run's headline figures (``summary.json``): the focal firm's retention, churn, money and shares, from the monthly
table and the recorder's running counts (README, "summary.json"; the value after the horizon is added by the
recorder from :mod:`churnsim.mechanisms.valuation`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnsim.core.codes import REASONS, is_controllable
from churnsim.mechanisms.money import discount_factor

__all__ = ["summarise"]


def summarise(monthly: pd.DataFrame, focal_lost_by_reason: np.ndarray, revenue_focal: np.ndarray, cohort_size: int,
              cohort_kept: int, cohort_revenue: list[float], months: int, discount_rate_per_year: float) -> dict:
    """The focal firm's headline figures (see README, "summary.json").

    ``focal_lost_by_reason`` counts the focal firm's departures in the reported months by reason (index into
    :data:`~churnsim.core.codes.REASONS`); ``churn_by_reason`` lists them most frequent first, ties in that order.
    """
    focal = monthly[monthly["is_focal"]].sort_values("month")
    order = np.argsort(-focal_lost_by_reason, kind="stable")
    by_reason = {REASONS[i]: int(focal_lost_by_reason[i]) for i in order if focal_lost_by_reason[i] > 0}
    n_gone = int(focal_lost_by_reason.sum())
    n_controllable = int(focal_lost_by_reason[is_controllable(np.arange(len(REASONS)))].sum())
    kept_share = cohort_kept / cohort_size if cohort_size else float("nan")
    rev_ratio = cohort_revenue[-1] / cohort_revenue[0] if cohort_revenue and cohort_revenue[0] > 0 else float("nan")
    lifetime = np.sort(revenue_focal[revenue_focal > 0])[::-1]
    top = lifetime[: max(1, int(round(0.2 * len(lifetime))))].sum() / lifetime.sum() if len(lifetime) else 0.0
    mean_active = float(focal["active_accounts"].mean())
    return {
        "customer_retention_annual": float(kept_share ** (12.0 / months)),
        "revenue_retention_annual": float(rev_ratio ** (12.0 / max(months - 1, 1))),
        "annual_churn_rate": float(focal["departures"].sum() / max(mean_active, 1) * 12.0 / months),
        "churn_by_reason": by_reason,
        "churn_controllable_share": n_controllable / n_gone if n_gone else 0.0,
        "departures_total": n_gone,
        "acquisitions_total": int(focal["acquisitions"].sum()),
        "revenue_total": float(focal["revenue"].sum()),
        "strategy_cost": float(focal["strategy_cost"].sum()),
        "strategy_concessions": float(focal["concessions"].sum()),
        "net_profit": float(focal["profit"].sum()),
        "net_profit_npv": float((focal["profit"] * discount_factor(focal["month"], discount_rate_per_year)).sum()),
        "strategy_cost_npv": float((focal["strategy_cost"]
                                    * discount_factor(focal["month"], discount_rate_per_year)).sum()),
        "top20_revenue_share": float(top),
        "market_share_final": float(focal["market_share"].iloc[-1]),
        "revenue_share_final": float(focal["revenue_share"].iloc[-1]),
        "satisfaction_mean": float(focal["satisfaction_mean"].mean()),
    }
