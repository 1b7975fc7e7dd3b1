"""Writing one run's outputs: schema-checked Parquet tables, the summary, and the provenance record.

Each file is written under a temporary name in the run directory and moved into place with ``os.replace``, and
``summary.json`` is written last: a directory holding ``summary.json`` holds a complete run.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from churnsim.schemas import SCHEMA_VERSION, check_table

if TYPE_CHECKING:
    from churnsim.config import RunConfig
    from churnsim.model import RunResult

__all__ = ["OUTPUT_FILES", "clear_run", "provenance", "write_run"]

OUTPUT_FILES = ("monthly.parquet", "events.parquet", "accounts.parquet", "run.json", "summary.json")
"""Every file a run may write, in the order it is written."""

_PACKAGES = ("churnsim", "mesa", "numpy", "pandas", "pyarrow", "hydra-core")
_PACKAGE_DIR = Path(__file__).resolve().parent


def clear_run(run_dir: str | os.PathLike) -> None:
    """Remove an earlier run's outputs from ``run_dir`` (say ``outputs/demo``), summary first."""
    for name in reversed(OUTPUT_FILES):
        (Path(run_dir) / name).unlink(missing_ok=True)


def write_run(run_dir: str | os.PathLike, result: RunResult, cfg: RunConfig, resolved: dict[str, Any]) -> None:
    """Write the tables named in ``cfg.output.tables``, then ``run.json``, then ``summary.json``.

    Args:
        run_dir: the run's directory; created if missing.
        result: what :func:`churnsim.model.simulate` returned.
        cfg: the run's config.
        resolved: the composed config as a plain dict, recorded in ``run.json``.

    Raises:
        churnsim.schemas.SchemaError: a table does not match its declared schema (nothing more is written).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in cfg.output.tables:
        table = check_table(name, result.tables[name])
        with _atomic(run_dir / f"{name}.parquet") as tmp:
            table.to_parquet(tmp, engine="pyarrow", index=False)
    _write_json(run_dir / "run.json", provenance(result, cfg, resolved))
    _write_json(run_dir / "summary.json", result.summary)


def provenance(result: RunResult, cfg: RunConfig, resolved: dict[str, Any]) -> dict[str, Any]:
    """How a run was made: config, seeds, package versions, git commit, schema version and time."""
    commit = _git("rev-parse", "HEAD") if _in_own_checkout() else None
    status = None if commit is None else _git("status", "--porcelain", "--untracked-files=no")
    return {
        "schema_version": SCHEMA_VERSION,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": cfg.seed,
        "replicate": cfg.replicate,
        "run_seed": result.run_seed,
        "tables": list(cfg.output.tables),
        "versions": {"python": platform.python_version(), **{name: _version(name) for name in _PACKAGES}},
        "git_commit": commit,
        "git_dirty": None if status is None else bool(status),
        "config": resolved,
    }


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` if the block succeeds, else delete it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_json(path: Path, obj: Any) -> None:
    text = json.dumps(obj, indent=2, default=_plain)
    with _atomic(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")


def _plain(obj: Any) -> Any:
    """numpy scalars (``np.int64`` is not an ``int``) as Python numbers, for ``json.dumps``."""
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _in_own_checkout() -> bool:
    """Whether this package is imported from ``src/churnsim`` of a git checkout (not an install elsewhere)."""
    top = _git("rev-parse", "--show-toplevel")
    return top is not None and Path(top).resolve() / "src" / "churnsim" == _PACKAGE_DIR


def _git(*args: str) -> str | None:
    """Output of ``git args...`` run in this package's directory, or None if git fails or is missing."""
    try:
        done = subprocess.run(["git", "-C", str(_PACKAGE_DIR), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
