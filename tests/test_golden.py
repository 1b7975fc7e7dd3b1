"""Regression: the golden run's summary equals the committed one (refresh with ``make golden``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from churnsim.golden import golden_summary

GOLDEN = Path(__file__).parent / "golden" / "summary.json"


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        # Exact up to the last bits a different SIMD path of numpy's exp/log may change; any real change of
        # behaviour moves these figures by far more than 1e-9 relative.
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def test_golden_summary_is_unchanged():
    expected = json.loads(GOLDEN.read_text())
    actual = json.loads(json.dumps(golden_summary()))
    assert _same(actual, expected), f"golden summary changed; if intended, run `make golden`.\n{actual}"
