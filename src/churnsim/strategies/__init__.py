"""Retention strategies: a strategy is a named list of components chosen by ``kind`` from a registry.

Adding a strategy component is one new module here (a registered :class:`Component` subclass, imported below) and
a config file in ``conf/strategy``; nothing else in the code branches on a strategy's name.
"""

from __future__ import annotations

from churnsim.strategies import contracts, survey  # noqa: F401  (registers the components)
from churnsim.strategies.base import Component
from churnsim.strategies.registry import REGISTRY, build_components, register

__all__ = ["REGISTRY", "Component", "build_components", "register"]
