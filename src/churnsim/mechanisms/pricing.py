"""What an account pays: its supplier's list price less the best discount it has running (DESIGN §3.3 step 7).

Rule: an account holds up to four discounts off its supplier's list price, each a share of price: ``discount``
(won with an offer when it switched, for good), ``contract_discount`` (while its contract is in force, up to and
including ``contract_end``), ``promo_discount`` (a matched offer, a bundle or a conceded threat, up to and including
``promo_end``) and ``match_discount`` (this month's match of the rivals' price cuts). They do not add up: the account
pays ``list price × (1 − the largest running one)``. What it *experiences* as its price (value for money, in
satisfaction and when it compares suppliers) adds the margin it loses this month to parallel trading or channel
conflict (``margin_hit``, a share of price). Every discount is revenue the supplier does not get: it shows in
revenue, never in cost of goods.

Who granted it: each discount records the component of the focal firm's strategy that granted it (``*_by``; -1 for
none or for the market: a rival's offer, a conceded threat). What the strategy concedes in a month is the share of
price it gives beyond what the market's discounts already give, ``largest running − largest running of the
market's``, counted to the component whose discount is the largest (the first in the order above on a tie).
"""

from __future__ import annotations

import numpy as np

from churnsim.core.jit import kernel, rule
from churnsim.state.accounts import AccountTable

__all__ = ["conceded", "share_off", "shares_off", "shares_off_of"]


@rule
def share_off(i, month, discount, contract_end, contract_discount, promo_end, promo_discount, match_discount):
    """Share off the list price that account slot ``i`` pays in ``month`` (float64)."""
    zero = np.float32(0)
    contract = contract_discount[i] if contract_end[i] >= month else zero
    promo = promo_discount[i] if promo_end[i] >= month else zero
    return np.float64(max(max(max(discount[i], contract), promo), match_discount[i]))


@rule
def conceded(i, month, discount, discount_by, contract_end, contract_discount, contract_by, promo_end, promo_discount,
             promo_by, match_discount, match_by):
    """(share off the list price of account slot ``i`` in ``month``, the part of it the strategy concedes beyond the
    market's discounts, the component that conceded it or -1) (float64, float64, int64)."""
    zero = np.float32(0)
    d, m = discount[i], match_discount[i]
    c = contract_discount[i] if contract_end[i] >= month else zero
    p = promo_discount[i] if promo_end[i] >= month else zero
    total = max(max(max(d, c), p), m)
    if total <= zero:  # most accounts: no discount, no grantor to look up
        return 0.0, 0.0, np.int64(-1)
    if d == total:  # the grantor of the largest, the first in this order on a tie
        by = np.int64(discount_by[i])
    elif c == total:
        by = np.int64(contract_by[i])
    elif p == total:
        by = np.int64(promo_by[i])
    else:
        by = np.int64(match_by[i])
    if by < 0:
        return np.float64(total), 0.0, by
    market = zero  # the largest of the discounts the market gave
    if discount_by[i] < 0:
        market = max(market, d)
    if contract_by[i] < 0:
        market = max(market, c)
    if promo_by[i] < 0:
        market = max(market, p)
    if match_by[i] < 0:
        market = max(market, m)
    return np.float64(total), np.float64(total) - np.float64(market), by


@kernel
def shares_off(slots, month, discount, contract_end, contract_discount, promo_end, promo_discount, match_discount):
    """:func:`share_off` of each of ``slots``."""
    out = np.empty(len(slots))
    for j in range(len(slots)):
        out[j] = share_off(slots[j], month, discount, contract_end, contract_discount, promo_end, promo_discount,
                           match_discount)
    return out


def shares_off_of(acc: AccountTable, slots: np.ndarray, month: int) -> np.ndarray:
    """:func:`shares_off` of account table ``acc``'s ``slots`` in ``month``."""
    return shares_off(np.asarray(slots, dtype=np.int64), month, acc.discount, acc.contract_end, acc.contract_discount,
                      acc.promo_end, acc.promo_discount, acc.match_discount)
