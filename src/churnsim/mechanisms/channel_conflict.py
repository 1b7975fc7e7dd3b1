"""Channel conflict: a supplier's own direct (online) channel undercuts its dealers (DESIGN §2, §3.6).

Rule: while a channel supplier (one with a ``channel_owner``) is in the market, every account of its owner loses
``channel_margin_hit`` (a share of price) of its margin each month: end customers buy direct at the channel's lower
price, so the dealer sells less or at a lower margin. Like parallel trading, the hit lowers the account's
experienced value for money (satisfaction, and its supplier's price in the choice); several channels of one
owner add up. The channel itself is an ordinary supplier the accounts may switch to.
Source: DESIGN §2 (channel conflict that destroys a dealer's margin) and §3.6 (a direct online channel undercutting
dealers).
"""

from __future__ import annotations

import numpy as np

__all__ = ["margin_hit"]


def margin_hit(supplier: np.ndarray, owner: np.ndarray, hit: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Margin each account loses this month to its supplier's own channels.

    Args:
        supplier: each account's supplier (-1 when not in the market).
        owner: (K,) index of the supplier whose channel each supplier is (-1: an independent supplier).
        hit: (K,) each channel's ``channel_margin_hit``.
        present: (K,) which suppliers are in the market.
    """
    k = len(owner)
    on = (owner >= 0) & present
    per_owner = np.bincount(owner[on], weights=hit[on], minlength=k).astype(np.float32)
    return np.where(supplier >= 0, per_owner[np.maximum(supplier, 0)], np.float32(0))
