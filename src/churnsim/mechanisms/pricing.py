"""What an account pays: its supplier's list price less the best discount it has running (DESIGN §3.3 step 7).

Rule: an account holds up to three discounts off its supplier's list price, each a share of price: ``discount``
(won with a rival's offer when it switched, for good), ``contract_discount`` (while its contract is in force, up to
and including ``contract_end``) and ``promo_discount`` (a price match, a bundle or a conceded threat, up to and
including ``promo_end``). They do not add up: the account pays ``list price × (1 − the largest running one)``.
What it *experiences* as its price (value for money, in satisfaction and when it compares suppliers) adds the
margin it loses this month to parallel trading or channel conflict (``margin_hit``, a share of price).
Every discount is revenue the supplier does not get: it shows in revenue, never in cost of goods.
"""

from __future__ import annotations

import numpy as np

from churnsim.core.jit import kernel, rule
from churnsim.state.accounts import AccountTable

__all__ = ["share_off", "shares_off", "shares_off_of"]


@rule
def share_off(i, month, discount, contract_end, contract_discount, promo_end, promo_discount):
    """Share off the list price that account slot ``i`` pays in ``month`` (float64)."""
    zero = np.float32(0)
    contract = contract_discount[i] if contract_end[i] >= month else zero
    promo = promo_discount[i] if promo_end[i] >= month else zero
    return np.float64(max(max(discount[i], contract), promo))


@kernel
def shares_off(slots, month, discount, contract_end, contract_discount, promo_end, promo_discount):
    """:func:`share_off` of each of ``slots``."""
    out = np.empty(len(slots))
    for j in range(len(slots)):
        out[j] = share_off(slots[j], month, discount, contract_end, contract_discount, promo_end, promo_discount)
    return out


def shares_off_of(acc: AccountTable, slots: np.ndarray, month: int) -> np.ndarray:
    """:func:`shares_off` of account table ``acc``'s ``slots`` in ``month``."""
    return shares_off(np.asarray(slots, dtype=np.int64), month, acc.discount, acc.contract_end, acc.contract_discount,
                      acc.promo_end, acc.promo_discount)
