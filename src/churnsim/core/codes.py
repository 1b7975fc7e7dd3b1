"""The codes every layer shares: account statuses and tiers, the "no contract" month, and departure reasons.

Uncontrollable reasons come from the environment (DESIGN §2: the customer's business closes, is bought, integrates
upstream or shrinks away); controllable ones name the component of perceived value that contributed most to the
gap between the chosen supplier and the incumbent (DESIGN §3.3 step 6).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ACTIVE", "CONTROLLABLE", "EXITED", "KEY", "NO_CONTRACT", "NOT_YET", "REASONS", "TIERS", "UNCONTROLLABLE",
           "code", "is_controllable"]

NOT_YET, ACTIVE, EXITED = 0, 1, 2
"""Account statuses: slot not entered yet, in the market, left the market."""

TIERS = ("key", "regular", "small")
KEY = 0  # tier index of key accounts

NO_CONTRACT = -(1 << 30)
"""The month stored as the end of a contract (or promotion) that does not exist."""

UNCONTROLLABLE = ("closure", "acquisition", "upstream_integration", "contraction")
CONTROLLABLE = ("quality", "service", "logistics", "price", "competitor_offer", "brand", "salesperson_left")
REASONS = UNCONTROLLABLE + CONTROLLABLE
_CONTROLLABLE_CODES = np.array([r in CONTROLLABLE for r in REASONS])


def code(reason: str) -> int:
    """The integer code of a reason, as stored in the account table and event buffers."""
    return REASONS.index(reason)


def is_controllable(codes: np.ndarray) -> np.ndarray:
    """Whether each reason code is a controllable one."""
    return _CONTROLLABLE_CODES[np.asarray(codes)]
