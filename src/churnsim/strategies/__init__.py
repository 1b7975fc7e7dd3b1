"""Retention strategies: a strategy is a named list of components chosen by ``kind`` from a registry.

Adding a strategy component is one new module here (a :class:`Component` subclass decorated with ``@register``;
every module of this package is imported below, which registers it) and a config file in ``conf/strategy``;
nothing else in the code branches on a strategy's name. A component acts on the :class:`Market` it is handed
(what it may read and change is listed there), never on the model.
"""

from __future__ import annotations

import importlib
import pkgutil

from churnsim.strategies.base import Component, Contacting, component_names
from churnsim.strategies.market import Market
from churnsim.strategies.registry import REGISTRY, build_components, register

__all__ = ["REGISTRY", "Component", "Contacting", "Market", "build_components", "component_names", "register"]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
