"""The economics of a long relationship (issue 18, point 2): account development, cheaper service, referrals.

Rules (each off at 0, the default; ``market.economics``):

- **Account development**: an account buys ``(1 + spend_growth_per_year) ** (t / 12)`` times its base volume from a
  supplier it has been with for ``t`` months, ``t`` capped at ``spend_growth_years`` years (:func:`develop`, at the
  end of each month, for the next). Joining another supplier starts the growth again from its base volume
  (``AccountTable.join``). Contractions shrink the base; the exit threshold grows with the development.
- **Cheaper to serve**: its cost to serve is its tier's × ``max(floor, (1 − cost_to_serve_decline_per_year) **
  (t / 12))`` (:func:`serve_factor`, in :mod:`~.money`).
- **Referrals**: each month a supplier's delighted accounts (satisfaction above ``delight_threshold``) bring it
  ``referral_rate_per_year / 12`` new accounts each, in expectation, taken from the month's entrants, who then join it
  without shopping around (:func:`refer`); a fixed-size market has no other source of new accounts.

Source: Reichheld & Sasser (1990), "Zero defections": the profit of a customer grows with its age because it buys
more, costs less to serve and refers others (their figure 1). The sizes are not published for B2B markets: every
value is an assumption, and the shipped presets leave the effects off.
"""

from __future__ import annotations

import numpy as np

from churnsim.core.config import EconomicsConfig, MarketConfig
from churnsim.core.jit import rule
from churnsim.core.rng import RandomStreams
from churnsim.state.accounts import AccountTable

__all__ = ["STREAM", "develop", "refer", "serve_factor"]

STREAM = "entry.referral"


def develop(live: np.ndarray, acc: AccountTable, month: int, econ: EconomicsConfig) -> None:
    """Set the volume of the active slots ``live`` for next month: their base volume × the development their tenure
    with their supplier then gives (nothing to do without account development)."""
    if econ.spend_growth_per_year == 0 or not len(live):
        return
    tenure = np.minimum(month + 1 - acc.since_month[live], 12 * econ.spend_growth_years).astype(np.float64)
    factor = (1.0 + econ.spend_growth_per_year) ** (np.maximum(tenure, 0.0) / 12.0)
    base = acc.volume[live].astype(np.float64) / (1.0 + acc.development[live].astype(np.float64))
    acc.volume[live] = (base * factor).astype(np.float32)
    acc.development[live] = (factor - 1.0).astype(np.float32)


@rule
def serve_factor(tenure_months, decline_per_year, floor):
    """The share of its tier's cost to serve an account with ``tenure_months`` with its supplier costs."""
    if decline_per_year == 0:
        return 1.0
    return max(floor, (1.0 - decline_per_year) ** (max(tenure_months, 0) / 12.0))


def refer(entering: np.ndarray, chosen: np.ndarray, acc: AccountTable, live: np.ndarray, present: np.ndarray,
          streams: RandomStreams, month: int, market: MarketConfig) -> np.ndarray:
    """The suppliers the month's entrants join, referrals taken into account.

    Args:
        entering: the entrants' slots; ``chosen``: the supplier each chose by shopping around.
        live: the active slots before the entrants (whose satisfaction is last month's).
        present: (K,) the suppliers in the market.
        streams: the run's streams: one uniform per entrant from stream ``entry.referral``.

    Returns:
        The supplier of each entrant: the referring supplier for a referred entrant, else its own choice. Supplier
        ``s`` is referred with chance ``referral_rate_per_year / 12 × delighted_s / len(entering)`` (the chances
        scaled down together if they would sum above 1).
    """
    econ = market.economics
    if econ.referral_rate_per_year == 0 or not len(entering):
        return chosen
    u = streams.uniform_at(STREAM, month, entering)
    happy = live[acc.satisfaction[live] > market.behaviour.delight_threshold]
    delighted = np.bincount(acc.supplier[happy], minlength=len(present)) * present
    p = econ.referral_rate_per_year / 12.0 * delighted / len(entering)
    p = p / max(1.0, float(p.sum()))
    referred_to = np.searchsorted(np.cumsum(p), u, side="right")
    return np.where(referred_to < len(present), referred_to, chosen).astype(chosen.dtype)
