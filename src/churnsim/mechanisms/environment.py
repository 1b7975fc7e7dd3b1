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
from numba import prange

from churnsim.core.codes import code
from churnsim.core.config import EnvironmentConfig
from churnsim.core.jit import parallel_kernel
from churnsim.core.rng import unit

__all__ = ["EXIT_CODES", "STREAMS", "exit_edges", "uncontrollable_events"]

EXIT_CODES = np.array([code("closure"), code("acquisition"), code("upstream_integration")], dtype=np.int8)
STREAMS = ("environment.event", "environment.contraction")


def uncontrollable_events(live: np.ndarray, volume: np.ndarray, size0: np.ndarray, development: np.ndarray,
                          tier: np.ndarray, keys: tuple, env: EnvironmentConfig
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One month of uncontrollable events for the active slots ``live`` (ascending).

    Args:
        live: the active slots.
        volume: current monthly volume (k€) per slot, shrunk in place by contractions.
        size0: volume at entry (k€) per slot.
        development: growth of volume with its supplier per slot (:mod:`~.economics`): the exit threshold grows with
            it, so that developing an account does not make it less likely to exit by shrinking.
        tier: tier per slot: the exit rates are × ``exit_factor_key`` / 1 / ``exit_factor_small``.
        keys: this month's keys of :data:`STREAMS`.
        env: event rates.

    Returns:
        (gone, reason, staying): the slots that leave the market, their reason codes, and the rest of ``live``.
    """
    outcome = np.empty(len(live), np.int8)
    edges = exit_edges(env)
    _events(live, volume, size0, development, tier, *keys, edges, EXIT_CODES, env.p_contraction, env.contraction_factor,
            env.contraction_exit_share, code("contraction"), outcome)
    leaves = outcome >= 0
    return live[leaves], outcome[leaves], live[~leaves]


def exit_edges(env: EnvironmentConfig) -> np.ndarray:
    """(3, 3): per tier (key, regular, small), the cumulative chances of closure, acquisition, upstream integration."""
    rates = np.array([env.p_closure, env.p_acquisition, env.p_upstream_integration])
    return np.stack([np.cumsum(rates * factor) for factor in (env.exit_factor_key, 1.0, env.exit_factor_small)])


@parallel_kernel
def _events(live, volume, size0, development, tier, k_event, k_contraction, edges, exit_codes, p_contraction,
            contraction_factor, contraction_exit_share, contraction_code, outcome):
    """``outcome[j]``: the reason code with which ``live[j]`` leaves the market this month, or -1 if it stays."""
    factor, exit_share = np.float32(contraction_factor), np.float32(contraction_exit_share)
    for j in prange(len(live)):
        i = live[j]
        u = unit(k_event, i)
        t = tier[i]
        kind = int(u >= edges[t, 0]) + int(u >= edges[t, 1]) + int(u >= edges[t, 2])  # 0, 1, 2: that exit; 3: none
        outcome[j] = -1
        if kind < 3:
            outcome[j] = exit_codes[kind]
        elif unit(k_contraction, i) < p_contraction:
            volume[i] *= factor
            if volume[i] < exit_share * size0[i] * (np.float32(1) + development[i]):
                outcome[j] = contraction_code
