"""What every spec file of the command-line tools shares: reading the YAML mapping and the one-line messages.

``churnsim-sensitivity``, ``churnsim-explore`` and ``churnsim-optimise`` read a YAML spec and stop at the first
problem with one line naming the file, the key, the value and what is allowed; each has its own keys and its own
error class (a :class:`~churnsim.core.config.ConfigError`), and these helpers.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml

from churnsim.core.cli_errors import BAD_INPUT, explain
from churnsim.core.config import ConfigError, RunConfig

__all__ = ["base_overrides", "compose_base", "integer", "read_spec", "unknown", "within_field"]


def read_spec(path: Path, what: str, example: str, keys: Sequence[str], required: Sequence[str] = (),
              error: type[ConfigError] = ConfigError) -> dict[str, Any]:
    """The YAML mapping in ``path``, its keys checked.

    Args:
        what: what the file is, for messages ("a sensitivity spec").
        example: a shipped example's path, for messages.
        keys: the keys a spec may have; ``required``: those it must have (not null).
        error: the exception class raised.

    Raises:
        error: a missing or unreadable file, invalid YAML (file, line and column), not a mapping, an unknown key
            (with the closest allowed one) or a missing one.
    """
    if not path.is_file():
        raise error(f"{path}: {'not a file' if path.exists() else 'no such file'}; allowed: {what} (YAML), e.g. "
                    f"{example}")
    try:
        with path.open(encoding="utf-8") as file:
            raw = yaml.safe_load(file)
    except yaml.YAMLError as err:
        raise error(explain(err, [])) from err  # names the file, line and column
    except (OSError, UnicodeDecodeError) as err:
        raise error(f"{path}: cannot be read ({err})") from err
    if not isinstance(raw, dict):
        raise error(f"{path}: must be a YAML mapping with keys {', '.join(keys)}")
    extra = [k for k in raw if k not in keys]
    if extra:
        raise error(f"{path}: {extra[0]}: {unknown(str(extra[0]), keys)}")
    missing = [k for k in required if raw.get(k) is None]
    if missing:
        raise error(f"{path}: {missing[0]}: missing; allowed keys: {', '.join(keys)}")
    return raw


def base_overrides(raw: dict, fail: Callable[[str], NoReturn]) -> list[str]:
    """A spec's ``base``: its list of Hydra overrides (none when left out), or ``fail("base = ...: must be ...")``."""
    base = raw.get("base") or []
    if not isinstance(base, list) or not all(isinstance(o, str) and "=" in o for o in base):
        fail(f"base = {base!r}: must be a list of Hydra overrides such as [n_accounts=2000, market=home_appliances]")
    return base


def compose_base(base: list[str], fail: Callable[[str], NoReturn]) -> RunConfig:
    """The run config a spec's ``base`` overrides compose, or ``fail("base: <what is wrong>")``."""
    from churnsim.core.hydra_schemas import load_config  # composing needs Hydra; an analysis never comes here

    try:
        return load_config(base)
    except BAD_INPUT as err:
        fail(f"base: {explain(err, base)}")


def within_field(where: str, shown: Any, lo: float, hi: float, meta: dict, fail: Callable[[str], NoReturn],
                 what: str = "field") -> None:
    """``fail("<where> = <shown>: outside the field's allowed range; ...")`` unless ``[lo, hi]`` lies within the
    bounds a config field declares (``meta``: its ``lo``, ``hi`` and ``strict_lo``)."""
    f_lo, f_hi, strict = meta.get("lo"), meta.get("hi"), meta.get("strict_lo")
    if (f_lo is not None and (lo < f_lo or (strict and lo == f_lo))) or (f_hi is not None and hi > f_hi):
        left = "" if f_lo is None else f"{'>' if strict else '≥'} {f_lo}"
        right = "" if f_hi is None else f"≤ {f_hi}"
        fail(f"{where} = {shown!r}: outside the {what}'s allowed range; bounds must be "
             f"{' and '.join(p for p in (left, right) if p)}")


def unknown(key: str, allowed: Sequence[str], what: str = "unknown key") -> str:
    """``unknown key; did you mean X? allowed: a, b, c`` (the suggestion when one is close)."""
    close = difflib.get_close_matches(key, allowed, n=1)
    return f"{what}; {f'did you mean {close[0]}? ' if close else ''}allowed: {', '.join(allowed)}"


def integer(name: str, value: Any, lo: int, fail: Callable[[str], NoReturn]) -> int:
    """``value`` if it is an integer ≥ ``lo`` (not a bool), else ``fail("name = value: must be an integer ≥ lo")``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        fail(f"{name} = {value!r}: must be an integer ≥ {lo}")
    return value
