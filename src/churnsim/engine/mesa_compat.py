"""The one workaround for a Mesa version: models stay alive after their run on Mesa < 3.4.

Mesa 3.3 (the newest on Python 3.11) numbers agents per model with a class attribute, ``Agent._ids``: a
``defaultdict`` keyed by the model itself, so every model ever built, and everything it holds (the account table,
hundreds of MB at 1M accounts), stays reachable for the life of the process (mesa#3179; fixed in Mesa 3.4.2 by
mesa#3180, which counts on the model and needs Python 3.12). Here that dictionary is replaced by one that holds its
models weakly: agents are numbered exactly as before, and a finished model is freed as soon as nothing else holds
it. On Mesa ≥ 3.4 there is no ``Agent._ids`` and nothing is changed.
"""

from __future__ import annotations

import itertools
import logging
import weakref

import mesa

__all__ = ["WeakCounters", "free_finished_models"]

logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa's info lines would print with every model built


class WeakCounters(weakref.WeakKeyDictionary):
    """``defaultdict(lambda: itertools.count(1))`` keyed weakly: a model's counter goes with the model."""

    def __getitem__(self, model):
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
            return counter


def free_finished_models() -> None:
    """Make Mesa < 3.4 hold its models weakly (idempotent; nothing to do on Mesa ≥ 3.4)."""
    ids = getattr(mesa.Agent, "_ids", None)
    if ids is not None and not isinstance(ids, WeakCounters):
        counters = WeakCounters()
        counters.update(ids)  # models built before this call keep their numbering
        mesa.Agent._ids = counters

