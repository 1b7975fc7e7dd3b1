"""Hydra wiring: the typed schema in Hydra's ConfigStore, the config directory, and DictConfig → RunConfig.

``conf/config.yaml`` puts ``run_schema`` (:class:`~churnsim.core.config.RunConfig`) first in its defaults list, so every
config file and override is merged into a typed tree: an unknown key or a value of the wrong type fails at
composition. Ranges and cross-field rules are checked afterwards by :func:`churnsim.core.config.validate`.

Each config group (``market``, ``competitors``, ``strategy``) takes exactly one option: Hydra would merge a list
of them (``strategy=[a,b]``) key by key, and an empty one (``strategy=[]``) would quietly run the schema's defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from churnsim.core.cli_errors import unknown_key
from churnsim.core.config import ConfigError, RunConfig, validate

__all__ = ["CONF_DIR", "GROUPS", "load_config", "register_schemas", "to_run_config"]

CONF_DIR = Path(__file__).resolve().parents[3] / "conf"
"""The repository's ``conf/`` directory, found from this file so the app runs from any working directory."""

GROUPS = ("market", "competitors", "strategy", "uncertainty")
"""The config groups of ``conf/config.yaml``'s defaults list; a run selects exactly one option of each."""


def register_schemas() -> None:
    """Store :class:`RunConfig` in Hydra's ConfigStore as ``run_schema`` (idempotent)."""
    ConfigStore.instance().store(name="run_schema", node=RunConfig)


def to_run_config(dcfg: DictConfig) -> tuple[RunConfig, dict[str, Any]]:
    """Convert a composed config to the typed :class:`RunConfig` and a plain, resolved dict of it.

    The dict is what the run's provenance record stores; code below the entry point only sees the dataclass.
    """
    if HydraConfig.initialized():  # in the app; load_config composes without it
        _check_one_option_per_group(HydraConfig.get())
    cfg = OmegaConf.to_object(dcfg)
    if not isinstance(cfg, RunConfig):
        raise TypeError(f"composed config is a {type(cfg).__name__}, not a RunConfig: is run_schema first in "
                        "conf/config.yaml's defaults?")
    _reject_added_keys(cfg)
    resolved = OmegaConf.to_container(dcfg, resolve=True)
    return cfg, resolved


def _check_one_option_per_group(hydra_cfg: DictConfig) -> None:
    """Raise :class:`ConfigError` for a group given a list of options, which Hydra leaves out of its choices."""
    for group in GROUPS:
        if isinstance(hydra_cfg.runtime.choices.get(group), str):
            continue
        typed = [arg.partition("=")[2] for arg in hydra_cfg.overrides.task if arg.lstrip("+~").startswith(f"{group}=")]
        raise ConfigError(f"{group} = {typed[-1] if typed else '[]'}: must be exactly one {group} option (several: "
                          f"churnsim -m {group}=a,b); allowed: {', '.join(_options(group))}")


def _options(group: str) -> list[str]:
    """The options of a config group, from every config directory Hydra searches (``--config-dir`` too)."""
    if GlobalHydra.instance().is_initialized():
        return sorted(GlobalHydra.instance().config_loader().get_group_options(group))
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def _reject_added_keys(node: Any, path: str = "") -> None:
    """Raise :class:`ConfigError` for a key added with ``+key=`` or ``++key=``, which the typed merge lets through.

    ``OmegaConf.to_object`` keeps such keys as extra attributes of the dataclasses; nothing would read them.
    """
    if isinstance(node, list):
        for i, item in enumerate(node):
            _reject_added_keys(item, f"{path}[{i}]")
    elif dataclasses.is_dataclass(node):
        names = {f.name for f in dataclasses.fields(node)}
        for key, value in vars(node).items():
            where = f"{path}.{key}" if path else key
            if key not in names:
                raise ConfigError(f"{where} = {value!r}: {unknown_key(key, type(node))}")
            _reject_added_keys(value, where)


def load_config(overrides: Sequence[str] = ()) -> RunConfig:
    """Compose ``conf/config.yaml`` with ``overrides`` (``key=value`` strings) and return the validated config.

    This is the app's composition without running anything: for tests, benchmarks and the golden baseline.

    Raises:
        churnsim.core.config.ConfigError: a value out of its allowed range.
        hydra.errors.HydraException, omegaconf.errors.OmegaConfBaseException: an unknown key, option or type.
    """
    register_schemas()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
        dcfg = compose(config_name="config", overrides=list(overrides))
    return validate(to_run_config(dcfg)[0])
