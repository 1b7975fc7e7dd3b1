"""One-line messages for bad input to the ``churnsim`` command: which field, what value, what is allowed.

Hydra reports composition errors over several lines (and OmegaConf adds its own), so the app turns them into one
line such as ``market.accounts.size_sigmaa = 1: unknown key; did you mean size_sigma? allowed: ...``.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from hydra.errors import HydraException, MissingConfigException
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException, ValidationError

from churnsim.core.config import ConfigError

__all__ = ["BAD_INPUT", "explain", "help_text", "study_options", "unknown_key"]

_ROLE = re.compile(r":[a-z]+:`~?(?:[\w.]*\.)?([^`]+)`")  # :func:`churnsim.x.name` → name


def help_text(docstring: str) -> str:
    """A command module's docstring as its ``--help`` says it: the first paragraph, without reST markup."""
    first = docstring.strip().split("\n\n")[0]
    return " ".join(_ROLE.sub(r"\1", first).replace("``", "").split())

BAD_INPUT = (ConfigError, HydraException, OmegaConfBaseException, yaml.YAMLError)
"""Exceptions that mean the user's config or command line is wrong, not the program.

A config file that is not valid YAML (say, one in a ``--config-dir``) reaches the app as PyYAML's own error."""

_OVERRIDE = re.compile(r"^[+~]*(?P<key>[^=]+)=(?P<value>.*)$")
_LIST_INDEX = re.compile(r"\.(\d+)(?=\.|$)")  # `rivals.0.price` on the command line is `rivals[0].price` in OmegaConf
_TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def study_options(trials: int, jobs: int, out: str | Path, error: type[Exception]) -> Path:
    """Check a search's ``--trials`` (≥ 1) and ``--jobs`` (≥ 0) and create its ``--out`` directory; raise ``error``
    with one line naming the option otherwise. Returns the directory."""
    if trials < 1:
        raise error(f"--trials = {trials}: must be a whole number ≥ 1")
    if jobs < 0:
        raise error(f"--jobs = {jobs}: must be a whole number ≥ 0 (0: one per core)")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise error(f"--out = {str(out)!r}: exists and is not a directory; allowed: a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise error(f"--out = {str(out)!r}: cannot be created ({err.strerror})") from err
    return out


def unknown_key(key: str, schema: type) -> str:
    """What is allowed instead of ``key`` in the dataclass ``schema``: a close match first, then every field."""
    names = [f.name for f in dataclasses.fields(schema)]
    close = difflib.get_close_matches(key, names, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"unknown key; {hint}allowed: {', '.join(names)}"


def explain(err: BaseException, overrides: Sequence[str]) -> str:
    """One line naming the field, the value and what is allowed, for any exception in :data:`BAD_INPUT`.

    Args:
        err: the exception raised while composing, converting or validating the config.
        overrides: the command-line arguments, to show a value as the user typed it.
    """
    if isinstance(err, ConfigError):
        return str(err)
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        return _yaml_error(err)
    if isinstance(err, MissingConfigException) and err.options is not None and err.missing_cfg_file:
        group, _, option = err.missing_cfg_file.rpartition("/")
        return f"{group} = {option}: no such {group} option; allowed: {', '.join(sorted(err.options))}"
    cause = _omegaconf_cause(err)
    if cause is not None and cause.full_key:
        value = _override_value(cause.full_key, overrides) if cause.value is None else _show(cause.value)
        where = cause.full_key if value is None else f"{cause.full_key} = {value}"
        schema = cause.object_type
        if isinstance(cause, ConfigKeyError | ConfigAttributeError) and dataclasses.is_dataclass(schema):
            return f"{where}: {unknown_key(str(cause.key), schema)}"
        if isinstance(cause, ValidationError) and dataclasses.is_dataclass(schema):
            return f"{where}: must be {_describe(typing.get_type_hints(schema).get(str(cause.key)))}"
        return f"{where}: {_one_line(cause.msg.split('full_key:')[0])}"
    return _one_line(str(err))


def _yaml_error(err: yaml.MarkedYAMLError) -> str:
    """``FILE, line L, column C: not valid YAML (...)``, at the construct that is broken when PyYAML names one."""
    mark = err.context_mark if err.context and err.context_mark is not None else err.problem_mark
    what = f"{err.context}: {err.problem}" if mark is err.context_mark else err.problem
    return (f"{mark.name}, line {mark.line + 1}, column {mark.column + 1}: not valid YAML ({what}); "
            "must be a YAML mapping of key: value lines")


def _omegaconf_cause(err: BaseException) -> OmegaConfBaseException | None:
    """The OmegaConf exception behind ``err`` (itself, or the first one in its chain of causes)."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, OmegaConfBaseException):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _override_value(full_key: str, overrides: Sequence[str]) -> str | None:
    """The value last given to ``full_key`` on the command line, as typed, or None."""
    for arg in reversed(overrides):
        match = _OVERRIDE.match(arg)
        if match and _LIST_INDEX.sub(r"[\1]", match["key"]) == full_key:
            return match["value"]
    return None


def _describe(annotation: Any) -> str:
    """What a value of a field's type looks like, in words."""
    if annotation in _TYPE_WORDS:
        return _TYPE_WORDS[annotation]
    if typing.get_origin(annotation) is list:
        return "a list, e.g. [a, b]"
    if dataclasses.is_dataclass(annotation):
        return f"a group of settings ({', '.join(f.name for f in dataclasses.fields(annotation))})"
    return f"of type {annotation}"


def _show(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())
