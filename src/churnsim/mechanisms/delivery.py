"""Delivery (DESIGN §3.3 step 2): quality incidents, late or short deliveries, service requests and complaints.

Rule, per active account-month, with its supplier's levels:
- a quality incident happens with ``p_quality_incident`` (unstable quality); experienced quality is
  ``quality × product_value``, halved in a month with an incident;
- the delivery is on time and in full with ``logistics_reliability`` (experienced logistics 1, else 0);
- a service request arises with ``p_service_request``;
- every incident, late delivery and request opens a complaint; each month all open complaints are resolved with
  the supplier's ``service_level``, else the open weight grows by ``complaint_escalation`` per month and the new
  ones are added (unresolved complaints carry over and weigh more each month);
- experienced service is ``1 / (1 + open complaint weight)``: 1 with nothing open.
Source: DESIGN §2 (the four guarantees: product quality, service quality, smooth logistics, value).
"""

from __future__ import annotations

import numpy as np

__all__ = ["deliver"]


def deliver(quality: np.ndarray, p_incident: np.ndarray, logistics: np.ndarray, service_level: np.ndarray,
            complaint_weight: np.ndarray, p_service_request: float, escalation: float,
            u_quality: np.ndarray, u_logistics: np.ndarray, u_request: np.ndarray, u_resolve: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray]:
    """One month of delivery for accounts whose supplier levels are given per account.

    Args:
        quality: quality × product value of each account's supplier, 0..1.
        p_incident, logistics, service_level: the supplier's probabilities, per account.
        complaint_weight: open complaint weight per account before this month.
        p_service_request: chance per account-month of a service request.
        escalation: extra weight per month a complaint stays open.
        u_*: this month's uniforms of the four delivery streams, per account.

    Returns:
        (experience, complaint_weight): experienced (quality, service, logistics) as an (n, 3) float32 array,
        and the open complaint weight after this month.
    """
    incident = u_quality < p_incident
    on_time = u_logistics < logistics
    new = incident.astype(np.float32) + ~on_time + (u_request < p_service_request)
    resolved = u_resolve < service_level
    weight = np.where(resolved, np.float32(0), complaint_weight * np.float32(1 + escalation) + new)
    experience = np.empty((len(quality), 3), dtype=np.float32)
    experience[:, 0] = quality * np.where(incident, np.float32(0.5), np.float32(1))
    experience[:, 1] = 1 / (1 + weight)
    experience[:, 2] = on_time
    return experience, weight.astype(np.float32)
