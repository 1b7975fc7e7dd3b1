"""Satisfaction (DESIGN §3.3 step 3): an exponentially weighted memory of experience against expectation.

Rule: each remembered component (quality, service, logistics) moves toward this month's experience by a share
``satisfaction_memory`` (:func:`remember`, applied where the experience is made: :mod:`~.delivery`). True
satisfaction is the taste-weighted sum of remembered minus expected levels, plus the price weight times the
discount from the reference price (value for money): ``S = Σ_c w_c (mem_c − E_c) + w_price (1 − price_paid)``;
0 means "as expected". ``price_paid`` is after discounts, plus any margin the account loses to parallel trading or
channel conflict (:mod:`~.pricing`). A survey sees it with Gaussian noise (``report_noise_sd``), cut at
``report_cutpoints`` into five levels 1 (very dissatisfied) … 5 (very satisfied).
Source: DESIGN §2 and §3.3; five-level scale of the source articles.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from churnsim.core.config import BehaviourConfig
from churnsim.core.jit import parallel_kernel, rule
from churnsim.core.rng import gaussian
from churnsim.mechanisms.pricing import share_off
from churnsim.state.accounts import AccountTable

__all__ = ["STREAM", "experience", "remember"]

STREAM = "satisfaction.report"


@rule
def remember(memory, seen, keep, take):
    """Exponentially weighted memory of one component: ``keep × memory + take × seen`` (``keep = 1 − take``)."""
    return keep * memory + take * seen


def experience(live: np.ndarray, acc: AccountTable, list_price: np.ndarray, month: int, key: np.uint64,
               b: BehaviourConfig) -> None:
    """True satisfaction and the five-level survey answer of the active slots ``live``, in place."""
    _experience(live, acc.mem, acc.taste, np.asarray(b.expectation, dtype=np.float32), list_price, acc.supplier,
                acc.discount, acc.contract_end, acc.contract_discount, acc.promo_end, acc.promo_discount,
                acc.match_discount, acc.margin_hit, month, key, b.report_noise_sd,
                np.asarray(b.report_cutpoints, dtype=np.float32), acc.satisfaction, acc.reported)


@parallel_kernel
def _experience(live, mem, taste, expectation, list_price, supplier, discount, contract_end, contract_discount,
                promo_end, promo_discount, match_discount, margin_hit, month, key, noise_sd, cutpoints, satisfaction,
                reported):
    for j in prange(len(live)):
        i = live[j]
        gap = (mem[i, 0] - expectation[0]) * taste[i, 0]
        gap = gap + (mem[i, 1] - expectation[1]) * taste[i, 1]
        gap = gap + (mem[i, 2] - expectation[2]) * taste[i, 2]
        off = share_off(i, month, discount, contract_end, contract_discount, promo_end, promo_discount,
                        match_discount)
        paid = list_price[supplier[i]] * (1 - off) + np.float64(margin_hit[i])
        s = np.float32(np.float64(gap) + np.float64(taste[i, 3]) * (1 - paid))
        satisfaction[i] = s
        seen = np.float64(s) + noise_sd * gaussian(key, i)
        level = np.int8(1)
        for cut in cutpoints:  # a few comparisons beat a binary search per account
            level += seen > np.float64(cut)
        reported[i] = level
