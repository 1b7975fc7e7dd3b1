"""The registry of strategy components: configs name a ``kind``; no import paths, so a config cannot run code."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from churnsim.core.codes import TIERS
from churnsim.core.config import ConfigError, validate

__all__ = ["REGISTRY", "build_components", "register"]

REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make a component available under its ``kind``."""
    REGISTRY[cls.kind] = cls
    return cls


def _check_type(path: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool) or default is None:
        ok = isinstance(value, type(default)) if default is not None else True
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, list):
        ok = isinstance(value, (list, tuple))
        value = list(value) if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ConfigError(f"{path} = {value!r}: must be of type {type(default).__name__}")
    return value


def _default(f) -> Any:
    return f.default if f.default is not MISSING else f.default_factory()


def build_components(specs: list[Any], path: str = "strategy.components") -> list:
    """Turn config entries ``{kind: ..., params...}`` into validated component objects.

    Raises:
        ConfigError: for an unknown kind, an unknown parameter, a wrong type or a value out of range.
    """
    built = []
    for i, spec in enumerate(specs):
        where = f"{path}[{i}]"
        if not isinstance(spec, dict) or "kind" not in spec:
            raise ConfigError(f"{where} = {spec!r}: must be a mapping with a 'kind'; allowed kinds: "
                              f"{', '.join(sorted(REGISTRY))}")
        params = dict(spec)
        kind = params.pop("kind")
        if not isinstance(kind, str) or kind not in REGISTRY:
            raise ConfigError(f"{where}.kind = {kind!r}: unknown component; allowed: {', '.join(sorted(REGISTRY))}")
        cls = REGISTRY[kind]
        known = {f.name: f for f in fields(cls)}
        for key, value in params.items():
            if key not in known:
                raise ConfigError(f"{where}.{key}: unknown parameter of {kind}; allowed: {', '.join(known)}")
            params[key] = _check_type(f"{where}.{key}", value, _default(known[key]))
        bad_tiers = [t for t in params.get("tiers", []) if not isinstance(t, str) or t not in TIERS]
        if bad_tiers:
            raise ConfigError(f"{where}.tiers = {params['tiers']}: unknown {bad_tiers}; allowed: {', '.join(TIERS)}")
        built.append(validate(cls(**params), where))
    return built
