"""Reputation (word of mouth): what an account believes of a supplier it does not buy from (DESIGN §3.3 step 6).

Rule: a supplier's reputation in quality, service and logistics is the mean remembered experience of its current
customers. A supplier with no customers (a new entrant) is judged by its nominal levels: ``quality × product
value``, ``1 / (1 + p_quality_incident)`` for service, and ``logistics_reliability``. A considering account weighs
a rival's reputation against its own remembered experience of its incumbent; an account that joins a supplier
starts by remembering that supplier's reputation.
"""

from __future__ import annotations

import numpy as np

from churnsim.core.jit import kernel
from churnsim.state.accounts import AccountTable
from churnsim.state.suppliers import SupplierArrays

__all__ = ["reputation"]


def reputation(live: np.ndarray, acc: AccountTable, sup: SupplierArrays, product_value: np.ndarray) -> np.ndarray:
    """(K, 3) mean remembered quality, service, logistics of each supplier's active customers ``live``."""
    n, total = _totals(live, acc.supplier, acc.mem, len(sup))
    nominal = np.stack([sup.quality * product_value, 1.0 / (1.0 + sup.p_quality_incident),
                        sup.logistics_reliability], 1)
    return np.where(n[:, None] > 0, total / np.maximum(n, 1)[:, None], nominal)


@kernel
def _totals(live, supplier, mem, n_suppliers):
    """Active accounts per supplier and the sums of their remembered levels, summed in slot order."""
    count = np.zeros(n_suppliers)
    total = np.zeros((n_suppliers, 3))
    for i in live:
        s = supplier[i]
        count[s] += 1
        for c in range(3):
            total[s, c] += np.float64(mem[i, c])
    return count, total
