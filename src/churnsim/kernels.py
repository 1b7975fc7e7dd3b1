"""Compiled loops (numba) for the steps that touch every account every month, identical to the numpy path.

Each kernel does in one pass over the active slots (``live``, ascending: the model keeps the list as statuses
change) what the numpy path does with a dozen whole-array operations and gathers: the rule is the one in the named
mechanism module, restated operation for operation in the same float32/float64 types, so both paths give
bit-identical results (``tests/test_kernels.py`` compares every table and every state array). Only arithmetic and
comparisons are compiled: ``exp``/``log`` stay in numpy, whose SIMD versions round differently from the C
library's. Kernels that need random draws take the (stream, month) key and compute each active slot's draw where
they use it (:func:`unit`, :func:`gaussian`: :func:`churnsim.rng.unit` and :func:`churnsim.rng.gaussian`
restated), so no draw is made for a slot no longer in the market.

The numpy path stays the definition and the fallback: ``MarketModel(cfg, kernels=False)``, or the environment
variable ``CHURNSIM_KERNELS=0``, or numba missing. ``benchmarks/engine.py`` measures what the kernels earn.
"""

from __future__ import annotations

import os

import numpy as np

from churnsim.rng import GAMMA, MIX1, MIX2, NORMAL_CELLS

__all__ = ["AVAILABLE", "below", "books", "consideration_terms", "deliver_and_remember", "experience", "key_candidates",
           "memory_totals", "month_aggregates", "relationships_grow", "revenue", "served_by", "uncontrollable_events",
           "gaussian", "unit", "wanted"]

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a dependency; the numpy path still works without it
    AVAILABLE = False

    def njit(*args, **kwargs):
        return (lambda f: f) if not args or not callable(args[0]) else args[0]
else:
    AVAILABLE = True


def wanted(requested: bool | None = None) -> bool:
    """Whether to use the kernels: as requested, else unless ``CHURNSIM_KERNELS=0``; never without numba."""
    if requested is None:
        requested = os.environ.get("CHURNSIM_KERNELS", "1") != "0"
    return bool(requested) and AVAILABLE


_JIT = {"cache": True, "nogil": True, "boundscheck": False}

_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_ONE = np.uint64(1)
_TO_UNIT = 2.0**-53


@njit(**_JIT)
def unit(key, i):
    """:func:`churnsim.rng.unit` of one slot ``i``: the uniform in [0, 1) of slot ``i`` under ``key``."""
    z = (np.uint64(i) + _ONE) * GAMMA + key
    z = (z ^ (z >> _S30)) * MIX1
    z = (z ^ (z >> _S27)) * MIX2
    z = z ^ (z >> _S31)
    return np.float64(z >> _S11) * _TO_UNIT


@njit(**_JIT)
def gaussian(key, i, table):
    """:func:`churnsim.rng.gaussian` of slot ``i``'s uniform under ``key``; ``table`` is ``rng.NORMAL_TABLE``."""
    t = unit(key, i) * NORMAL_CELLS
    k = np.int64(t)
    f = t - k
    lo = table[k]
    return lo + f * (table[k + 1] - lo)


@njit(**_JIT)
def deliver_and_remember(live, supplier, quality_s, p_incident_s, logistics_s, service_s, quality_bonus,
                         incident_factor, logistics_boost, service_boost, complaint_weight, mem, p_request,
                         escalation, memory_weight, k_quality, k_logistics, k_request, k_resolve):
    """:func:`churnsim.mechanisms.delivery.deliver`, then :func:`~churnsim.mechanisms.satisfaction.remember`.

    For the active slots ``live``, in place: ``complaint_weight`` and ``mem``. ``quality_s`` is quality × product
    value per supplier; the other ``*_s`` are the suppliers' levels; ``k_*`` the keys of this month's draws.
    """
    one, half = np.float32(1), np.float32(0.5)
    grow = np.float32(1 + escalation)
    keep, take = np.float32(1 - memory_weight), np.float32(memory_weight)
    for i in live:
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
        seen_quality = quality * (half if incident else one)
        seen_service = one / (one + weight)
        seen_logistics = one if on_time else np.float32(0)
        mem[i, 0] = keep * mem[i, 0] + take * seen_quality
        mem[i, 1] = keep * mem[i, 1] + take * seen_service
        mem[i, 2] = keep * mem[i, 2] + take * seen_logistics


@njit(**_JIT)
def experience(live, mem, taste, expectation, price_paid_s, supplier, discount, contract_end,
               contract_discount, promo_end, promo_discount, margin_hit, month, k_noise, normal_table, noise_sd,
               cutpoints, satisfaction, reported):
    """:func:`~churnsim.mechanisms.satisfaction.satisfaction` and :func:`~.reported_level`, in place, ``live`` slots.

    ``price_paid_s`` is each supplier's list price; the account's price follows
    :meth:`churnsim.model.MarketModel.price_paid`.
    """
    zero = np.float32(0)
    for i in live:
        gap = (mem[i, 0] - expectation[0]) * taste[i, 0]
        gap = gap + (mem[i, 1] - expectation[1]) * taste[i, 1]
        gap = gap + (mem[i, 2] - expectation[2]) * taste[i, 2]
        contract = contract_discount[i] if contract_end[i] >= month else zero
        promo = promo_discount[i] if promo_end[i] >= month else zero
        off = np.float64(max(max(discount[i], contract), promo))
        paid = price_paid_s[supplier[i]] * (1 - off) + np.float64(margin_hit[i])
        s = np.float32(np.float64(gap) + np.float64(taste[i, 3]) * (1 - paid))
        satisfaction[i] = s
        seen = np.float64(s) + noise_sd * gaussian(k_noise, i, normal_table)
        level = np.int8(1)
        for cut in cutpoints:
            level += seen > np.float64(cut)
        reported[i] = level


@njit(**_JIT)
def consideration_terms(live, since_month, month, propensity, satisfaction, contract_end, offer_from,
                        supplier, rep_left, wake_hazard, threat_refused, exposure, base, w_contract_end, w_offer,
                        w_dissatisfaction, w_rep_left, w_threat_refused, log_hr, damping, delight_threshold,
                        delight_hazard_ratio, deciders, triggers, contagion_log):
    """The arithmetic of :func:`churnsim.mechanisms.choice.consideration_probability` for this month's deciders.

    Fills ``deciders`` (slots, in order), and for each its ``triggers`` (already × −propensity) and the log of its
    contagion multiplier (see :func:`churnsim.mechanisms.contagion.hazard_multiplier`); returns how many.
    """
    m = 0
    for i in live:
        if since_month[i] >= month:
            continue
        s = np.float64(satisfaction[i])
        offered = offer_from[i] >= 0 and offer_from[i] != supplier[i]
        t = (base + w_contract_end * (contract_end[i] == month) + w_offer * offered
             + w_dissatisfaction * max(0.0, -s) + w_rep_left * rep_left[i] + np.float64(wake_hazard[i])
             + w_threat_refused * threat_refused[i])
        if s > delight_threshold:  # delighted
            t *= delight_hazard_ratio
        deciders[m] = i
        triggers[m] = -np.float64(propensity[i]) * t
        tenure = month - since_month[i]
        contagion_log[m] = log_hr / (1 + damping * tenure / 12.0) * np.float64(exposure[i])
        m += 1
    return m


@njit(**_JIT)
def memory_totals(live, supplier, mem, n_suppliers):
    """Active accounts per supplier and the sums of their remembered levels, summed in slot order as
    ``np.bincount`` does: ``(count (K,), totals (K, 3))`` for :meth:`churnsim.model.MarketModel.reputation`."""
    count = np.zeros(n_suppliers)
    total = np.zeros((n_suppliers, 3))
    for i in live:
        s = supplier[i]
        count[s] += 1
        for c in range(3):
            total[s, c] += np.float64(mem[i, c])
    return count, total


@njit(**_JIT)
def revenue(live, supplier, tier, volume, list_price_s, discount, contract_end, contract_discount, promo_end,
            promo_discount, month, revenue_total, revenue_focal, out, by_supplier, by_tier):
    """The revenue (see :meth:`churnsim.model.MarketModel.revenue`) of each ``live`` slot, into ``out``, summed per
    supplier into ``by_supplier`` (in order, as ``np.bincount`` does) and counted per supplier and tier into
    ``by_tier``; in a reported month (≥ 0) the revenue is also added
    to ``revenue_total`` and, with the focal firm (0), to ``revenue_focal``."""
    zero = np.float32(0)
    for j, i in enumerate(live):
        s = supplier[i]
        contract = contract_discount[i] if contract_end[i] >= month else zero
        promo = promo_discount[i] if promo_end[i] >= month else zero
        off = np.float64(max(max(discount[i], contract), promo))
        r = np.float64(volume[i]) * list_price_s[s] * (1 - off)
        out[j] = r
        by_supplier[s] += r
        by_tier[s, tier[i]] += 1
        if month >= 0:
            revenue_total[i] += r
            if s == 0:
                revenue_focal[i] += r


@njit(**_JIT)
def uncontrollable_events(live, volume, size0, k_event, k_contraction, edges, exit_codes, p_contraction,
                          contraction_factor, contraction_exit_share, contraction_code, gone, reason, staying):
    """:func:`churnsim.mechanisms.environment.uncontrollable_events` over the active slots ``live``: shrinks
    ``volume`` in place, fills ``gone`` (slots, in order) and their ``reason``, and ``staying`` with the rest of
    ``live``; returns how many leave."""
    factor, exit_share = np.float32(contraction_factor), np.float32(contraction_exit_share)
    m = k = 0
    for i in live:
        u = unit(k_event, i)
        kind = (u >= edges[0]) + (u >= edges[1]) + (u >= edges[2])
        if kind < 3:
            gone[m], reason[m] = i, exit_codes[kind]
            m += 1
            continue
        if unit(k_contraction, i) < p_contraction:
            volume[i] *= factor
            if volume[i] < exit_share * size0[i]:
                gone[m], reason[m] = i, contraction_code
                m += 1
                continue
        staying[k] = i
        k += 1
    return m


@njit(**_JIT)
def books(live, rep, supplier, n_reps, n_suppliers):
    """Active accounts per salesperson slot and per supplier (``np.bincount`` of ``rep`` and ``supplier``)."""
    per_rep = np.zeros(n_reps, np.int64)
    per_supplier = np.zeros(n_suppliers, np.int64)
    for i in live:
        per_rep[rep[i]] += 1
        per_supplier[supplier[i]] += 1
    return per_rep, per_supplier


@njit(**_JIT)
def relationships_grow(live, supplier, rc_firm, rc_rep, selling_s, growth, rep_owned_share):
    """Relationship capital of the ``live`` slots grows, in place (see :meth:`churnsim.model.MarketModel.end_month`)."""
    rate, firm_share, rep_share = np.float32(growth), np.float32(1 - rep_owned_share), np.float32(rep_owned_share)
    for i in live:
        grow = rate * (np.float32(1) - rc_firm[i] - rc_rep[i]) * np.float32(selling_s[supplier[i]])
        rc_firm[i] += grow * firm_share
        rc_rep[i] += grow * rep_share


@njit(**_JIT)
def below(slots, key, chance):
    """``slots[unit(key, slots) < chance]``: the slots whose draw under ``key`` falls below their chance."""
    out = np.empty(len(slots), np.int64)
    m = 0
    for j in range(len(slots)):
        if unit(key, slots[j]) < chance[j]:
            out[m] = slots[j]
            m += 1
    return out[:m]


@njit(**_JIT)
def month_aggregates(idx, supplier, reported, satisfaction, cohort, n_suppliers):
    """Per supplier over the active slots ``idx`` (in order): accounts, five-level answer counts (K, 5) and the sum
    of satisfaction (summed in order, as ``np.bincount`` does); and which of ``idx`` are focal accounts of the
    month-0 ``cohort``. For :meth:`churnsim.recorder.Recorder.end_month`."""
    count = np.zeros(n_suppliers, np.int64)
    levels = np.zeros((n_suppliers, 5), np.int64)
    total = np.zeros(n_suppliers)
    in_cohort = np.empty(len(idx), np.bool_)
    for j in range(len(idx)):
        i = idx[j]
        s = supplier[i]
        count[s] += 1
        levels[s, reported[i] - 1] += 1
        total[s] += np.float64(satisfaction[i])
        in_cohort[j] = cohort[i] and s == 0
    return count, levels, total, in_cohort


@njit(**_JIT)
def key_candidates(live, tier, promo_end, month, key):
    """:func:`churnsim.mechanisms.threats.candidates`: the ``live`` key accounts with no promotion in ``month``."""
    out = np.empty(len(live), np.int64)
    m = 0
    for i in live:
        if tier[i] == key and promo_end[i] < month:
            out[m] = i
            m += 1
    return out[:m]


@njit(**_JIT)
def served_by(live, rep, flagged):
    """The ``live`` slots whose salesperson slot is ``flagged`` (say, quitting this month)."""
    out = np.empty(len(live), np.int64)
    m = 0
    for i in live:
        if flagged[rep[i]]:
            out[m] = i
            m += 1
    return out[:m]
