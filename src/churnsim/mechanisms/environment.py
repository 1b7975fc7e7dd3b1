"""Uncontrollable events (DESIGN §3.3 step 1): closure, acquisition, upstream integration, contraction.

Rule: each active account draws one uniform ``u_event``; ``u < p_closure`` closes it, the next ``p_acquisition``
of the unit interval has it bought or moved by a head office, the next ``p_upstream_integration`` has it integrate
upstream; all three leave the market. Independently, with ``p_contraction`` its business shrinks and its volume is
multiplied by ``contraction_factor``; once volume falls below ``contraction_exit_share`` of its size at entry it
leaves too. Rates are per account-month. Source: DESIGN §2; in B2B about 60 % of defections are outside the
firm's control (Bogomolova & Romaniuk 2009), which the generic preset's rates are set to reproduce.
"""

from __future__ import annotations

import numpy as np

from churnsim.config import EnvironmentConfig
from churnsim.reasons import code

__all__ = ["EXIT_CODES", "uncontrollable_events"]

EXIT_CODES = np.array([code("closure"), code("acquisition"), code("upstream_integration")], dtype=np.int8)


def uncontrollable_events(active: np.ndarray, volume: np.ndarray, size0: np.ndarray, u_event: np.ndarray,
                          u_contraction: np.ndarray, env: EnvironmentConfig) -> tuple[np.ndarray, np.ndarray]:
    """Apply one month of uncontrollable events.

    Args:
        active: which slots are in the market.
        volume: current monthly volume (k€), updated in place for contractions.
        size0: volume at entry (k€).
        u_event, u_contraction: this month's uniforms of the two streams, one per slot.
        env: event rates.

    Returns:
        (exits, reason): a mask of the accounts that leave the market and, for them, the reason code (else -1).
    """
    edges = np.cumsum([env.p_closure, env.p_acquisition, env.p_upstream_integration])
    kind = sum((u_event >= edge).astype(np.int8) for edge in edges)  # 0, 1, 2 = an exit of that kind; 3 = none
    reason = np.full(len(active), -1, dtype=np.int8)
    exits = active & (kind < 3)
    reason[exits] = EXIT_CODES[kind[exits]]
    shrinks = active & ~exits & (u_contraction < env.p_contraction)
    volume[shrinks] *= np.float32(env.contraction_factor)
    too_small = shrinks & (volume < env.contraction_exit_share * size0)
    reason[too_small] = code("contraction")
    return exits | too_small, reason
