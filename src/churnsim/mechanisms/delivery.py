"""Delivery (DESIGN §3.3 step 2): quality incidents, late or short deliveries, service requests and complaints.

Rule, per active account-month, with its supplier's levels and the terms its supplier's strategy grants it:
- a quality incident happens with ``p_quality_incident × incident_factor`` (unstable quality); experienced quality
  is ``min(1, quality × product_value + quality_bonus)``, halved in a month with an incident;
- the delivery is on time and in full with ``min(1, logistics_reliability + logistics_boost)`` (experienced
  logistics 1, else 0);
- a service request arises with ``p_service_request``;
- every incident, late delivery and request opens a complaint; each month all open complaints are resolved with
  ``min(1, service_level + service_boost)``, else the open weight grows by ``complaint_escalation`` per month and
  the new ones are added (unresolved complaints carry over and weigh more each month);
- experienced service is ``1 / (1 + open complaint weight)``: 1 with nothing open.
The month's experience is remembered at once (:func:`churnsim.mechanisms.satisfaction.remember`).
Source: DESIGN §2 (the four guarantees: product quality, service quality, smooth logistics, value).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from churnsim.core.config import BehaviourConfig
from churnsim.core.jit import parallel_kernel
from churnsim.core.rng import unit
from churnsim.mechanisms.satisfaction import remember
from churnsim.state.accounts import AccountTable
from churnsim.state.suppliers import SupplierArrays

__all__ = ["STREAMS", "deliver"]

STREAMS = ("delivery.quality", "delivery.logistics", "delivery.request", "delivery.resolve")


def deliver(live: np.ndarray, acc: AccountTable, sup: SupplierArrays, product_value: np.ndarray, keys: tuple,
            b: BehaviourConfig) -> None:
    """One month of delivery for the active slots ``live``: open complaints and remembered experience, in place.

    Args:
        keys: this month's keys of :data:`STREAMS`.
    """
    _deliver(live, acc.supplier, sup.quality * product_value, sup.p_quality_incident, sup.logistics_reliability,
             sup.service_level, acc.quality_bonus, acc.incident_factor, acc.logistics_boost, acc.service_boost,
             acc.complaint_weight, acc.mem, b.p_service_request, b.complaint_escalation, b.satisfaction_memory, *keys)


@parallel_kernel
def _deliver(live, supplier, quality_s, p_incident_s, logistics_s, service_s, quality_bonus, incident_factor,
             logistics_boost, service_boost, complaint_weight, mem, p_request, escalation, memory_weight,
             k_quality, k_logistics, k_request, k_resolve):
    one, half = np.float32(1), np.float32(0.5)
    grow = np.float32(1 + escalation)
    keep, take = np.float32(1 - memory_weight), np.float32(memory_weight)
    for j in prange(len(live)):
        i = live[j]
        s = supplier[i]
        quality = np.float32(min(1.0, quality_s[s] + np.float64(quality_bonus[i])))
        incident = unit(k_quality, i) < p_incident_s[s] * np.float64(incident_factor[i])
        on_time = unit(k_logistics, i) < min(1.0, logistics_s[s] + np.float64(logistics_boost[i]))
        new = (np.float32(incident) + np.float32(not on_time)) + np.float32(unit(k_request, i) < p_request)
        if unit(k_resolve, i) < min(1.0, service_s[s] + np.float64(service_boost[i])):
            weight = np.float32(0)
        else:
            weight = complaint_weight[i] * grow + new
        complaint_weight[i] = weight
        mem[i, 0] = remember(mem[i, 0], quality * (half if incident else one), keep, take)
        mem[i, 1] = remember(mem[i, 1], one / (one + weight), keep, take)
        mem[i, 2] = remember(mem[i, 2], one if on_time else np.float32(0), keep, take)
