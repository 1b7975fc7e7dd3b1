"""Satisfaction survey with follow-up (DESIGN §3.5; the source articles' five-level survey).

Rule: every ``interval_months`` the firm asks a random ``sample_share`` of its covered accounts; each answers on the
five-level scale (what the account's noisy reported level is that month). Accounts answering at or below
``followup_levels`` (by default the bottom two: very dissatisfied, dissatisfied) are marked at risk and visited:
with ``p_fix`` the visit resolves their open complaints and lifts their remembered service by ``recovery``; those
answering 4 or 5 are no longer believed at risk. Being asked is a contact (optional wake-up effect).
Cost: ``cost_per_response`` per answer, ``cost_per_action`` per follow-up visit, plus the common costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.core.config import _num, _p
from churnsim.strategies.base import Contacting
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["SatisfactionSurvey"]


@register
@dataclass
class SatisfactionSurvey(Contacting):
    kind = "satisfaction_survey"
    ACTIONS = {"response": "responses", "action": "follow_ups"}
    interval_months: int = _num(3, 1, doc="months between survey waves")
    sample_share: float = _p(0.5, doc="share of covered accounts asked in a wave")
    followup_levels: int = _num(2, 1, 5, doc="answers at or below this level get a follow-up visit")
    p_fix: float = _p(0.8, doc="chance a follow-up resolves the account's open complaints")
    recovery: float = _p(0.15, doc="lift of remembered service after a successful follow-up, 0..1")
    cost_per_response: float = _num(0.02, 0.0, doc="k€ per answer collected")
    cost_per_action: float = _num(0.3, 0.0, doc="k€ per follow-up visit")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, int]:
        if market.month % self.interval_months:
            return {}
        acc = market.accounts
        asked = covered & (self.uniform(market, "sample") < self.sample_share)
        low = asked & (acc.reported <= self.followup_levels)
        acc.at_risk[low] = True
        acc.at_risk[asked & (acc.reported >= 4)] = False
        self.contact(market, asked)
        fixed = low & (self.uniform(market, "fix") < self.p_fix)
        acc.complaint_weight[fixed] = 0
        acc.mem[fixed, 1] = np.minimum(1, acc.mem[fixed, 1] + self.recovery)
        return {"response": int(asked.sum()), "action": int(low.sum())}
