"""Writing one run's outputs: schema-checked Parquet tables, the summary, and the provenance record.

Each file is written under a temporary name in the run directory and moved into place with ``os.replace`` once
every file is complete, ``summary.json`` last: it is the run's completion marker. The moves happen together with
Ctrl-C and ``SIGTERM`` held back until they are done, so an interrupted run leaves either every file in place or
only hidden temporary names. A directory holding ``summary.json`` holds a complete run (:func:`finished_run` checks
the rest is there too); one without it holds nothing to read as a result. A run writing into a directory hands
its tables to a :class:`RunWriter` as it goes, which appends them to their Parquet files a row group at a time, so
the tables never need to be in memory whole.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from churnsim.core.config import RunConfig
from churnsim.core.schemas import SCHEMA_VERSION, RunResult, SchemaError, check_table

__all__ = ["ERROR_FILE", "OUTPUT_FILES", "ROWS_PER_GROUP", "RunWriter", "as_recorded", "clear_run", "finished_run",
           "provenance", "write_run"]

OUTPUT_FILES = ("monthly.parquet", "events.parquet", "accounts.parquet", "clv_orders.parquet", "clv_cohorts.parquet",
                "clv_customers.parquet", "clv_alive.parquet", "run.json", "summary.json")
"""Every file a run may write, in the order it is moved into place."""

ERROR_FILE = "error.txt"
"""Written by ``churnsim`` instead of ``summary.json`` when a run raises: one line, exception type and message."""

ROWS_PER_GROUP = 1 << 18
"""Rows of events and accounts a run hands its :class:`RunWriter` at a time: one Parquet row group each.

Bounds what the tables add to a run's memory (tens of MB; ``benchmarks/memory.py``). Smaller groups save little
memory and compress worse: at 2**16 rows the files are ~25 % larger than in groups of 2**20 rows, at 2**18 ~10 %.
"""

_PACKAGES = ("churnsim", "mesa", "numpy", "pandas", "pyarrow", "hydra-core")
_PACKAGE_DIR = Path(__file__).resolve().parent


def clear_run(run_dir: str | os.PathLike) -> None:
    """Remove an earlier run's outputs from ``run_dir`` (say ``outputs/demo``), summary first.

    Temporary files a killed run left behind go too, and an earlier failure's ``error.txt``.
    """
    (Path(run_dir) / ERROR_FILE).unlink(missing_ok=True)
    for name in reversed(OUTPUT_FILES):
        (Path(run_dir) / name).unlink(missing_ok=True)
        for tmp in Path(run_dir).glob(_temporary(Path(name), process="*").name):
            tmp.unlink()


class RunWriter:
    """One run's outputs, written into ``run_dir`` while the run goes; use it as a context manager.

    Each table arrives in frames (:meth:`write`), each checked against its schema and appended to the table's
    Parquet file as a row group, under a temporary name. :meth:`finish` moves the tables into place, then writes
    ``run.json`` and ``summary.json``. Leaving the ``with`` block without finishing (an error, an interrupt)
    deletes the temporary files: a failed run leaves nothing that looks complete.

    Args:
        run_dir: the run's directory; created if missing.
        tables: the tables to write (``cfg.output.tables``); :meth:`finish` fails if one never arrived.
    """

    rows_per_frame: int | None = ROWS_PER_GROUP
    """Rows per frame the recorder hands on (see :class:`churnsim.engine.recorder.TableSink`)."""

    def __init__(self, run_dir: str | os.PathLike, tables: list[str] | tuple[str, ...]):
        self.run_dir = Path(run_dir)
        self.tables = tuple(tables)
        self._files: dict[str, pq.ParquetWriter] = {}
        self.run_dir.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        for name, file in self._files.items():
            file.close()
            _temporary(self._path(name)).unlink(missing_ok=True)

    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Append ``frame`` to table ``name`` (the first frame fixes the file's schema)."""
        table = pa.Table.from_pandas(check_table(name, frame), preserve_index=False)
        if name not in self._files:
            self._files[name] = pq.ParquetWriter(_temporary(self._path(name)), table.schema)
        self._files[name].write_table(table)

    def finish(self, result: RunResult, cfg: RunConfig, resolved: dict[str, Any]) -> None:
        """Move the tables into place, then write ``run.json``, then ``summary.json``.

        Args:
            result: what :func:`churnsim.engine.model.simulate` returned.
            cfg: the run's config.
            resolved: the composed config as a plain dict, recorded in ``run.json``.

        Raises:
            churnsim.core.schemas.SchemaError: a table of ``tables`` was never written (nothing is moved into place).
        """
        missing = [name for name in self.tables if name not in self._files]
        if missing:
            raise SchemaError(f"tables {missing} were never written")
        order = sorted(self._files, key=lambda name: OUTPUT_FILES.index(f"{name}.parquet"))
        for name in order:
            self._files[name].close()
        records = {self.run_dir / "run.json": provenance(result, cfg, resolved),
                   self.run_dir / "summary.json": result.summary}
        try:
            for path, record in records.items():
                _temporary(path).write_text(_json_text(record), encoding="utf-8")
            with _interrupts_held():  # all in place, or none: the marker last
                for name in order:
                    os.replace(_temporary(self._path(name)), self._path(name))
                for path in records:
                    os.replace(_temporary(path), path)
        finally:
            for path in records:
                _temporary(path).unlink(missing_ok=True)

    def _path(self, name: str) -> Path:
        return self.run_dir / f"{name}.parquet"


def write_run(run_dir: str | os.PathLike, result: RunResult, cfg: RunConfig, resolved: dict[str, Any]) -> None:
    """Write a result held in memory: the tables named in ``cfg.output.tables``, ``run.json``, ``summary.json``.

    Args:
        run_dir: the run's directory; created if missing.
        result: what :func:`churnsim.engine.model.simulate` returned.
        cfg: the run's config.
        resolved: the composed config as a plain dict, recorded in ``run.json``.

    Raises:
        churnsim.core.schemas.SchemaError: a table does not match its declared schema (nothing is written).
    """
    with RunWriter(run_dir, cfg.output.tables) as writer:
        for name in cfg.output.tables:
            writer.write(name, result.tables[name])
        writer.finish(result, cfg, resolved)


def finished_run(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The provenance (``run.json``) of the complete run in ``run_dir``, or None if it holds no complete run.

    Complete: ``summary.json``, ``run.json`` and every table ``run.json`` lists are there, and no ``error.txt``.
    """
    run_dir = Path(run_dir)
    if not (run_dir / "summary.json").is_file() or (run_dir / ERROR_FILE).exists():
        return None
    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    tables = record.get("tables") if isinstance(record, dict) else None
    if not isinstance(tables, list) or not all((run_dir / f"{name}.parquet").is_file() for name in tables):
        return None
    return record


def as_recorded(obj: Any) -> Any:
    """``obj`` as ``run.json`` records it (tuples as lists, numpy scalars as numbers): to compare with a record."""
    return json.loads(json.dumps(obj, default=_plain))


def provenance(result: RunResult, cfg: RunConfig, resolved: dict[str, Any]) -> dict[str, Any]:
    """How a run was made: config, seeds, package versions, git commit, schema version and time."""
    commit, dirty = _source_state()
    return {
        "schema_version": SCHEMA_VERSION,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": cfg.seed,
        "replicate": cfg.replicate,
        "run_seed": result.run_seed,
        "tables": list(cfg.output.tables),
        "versions": {"python": platform.python_version(), **{name: _version(name) for name in _PACKAGES}},
        "git_commit": commit,
        "git_dirty": dirty,
        "config": resolved,
        "uncertainty": {"name": cfg.uncertainty.name, "draws": result.draws},
        **({"accounts_file": result.accounts_file} if result.accounts_file else {}),
    }


def _temporary(path: Path, process: str | None = None) -> Path:
    """Where ``path`` is written before it is moved into place: hidden, and named after this process."""
    return path.with_name(f".{path.name}.{process or os.getpid()}.tmp")


def _json_text(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=_plain) + "\n"


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM for the block (where the platform can), delivering them after it."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


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


@functools.cache
def _source_state() -> tuple[str | None, bool | None]:
    """Git commit of this package's checkout and whether tracked files differ from it (None, None outside one).

    Asked once per process (three ``git`` calls cost ~14 ms, a tenth of a small run): a sweep's worker records
    the state of the source when it started.
    """
    commit = _git("rev-parse", "HEAD") if _in_own_checkout() else None
    status = None if commit is None else _git("status", "--porcelain", "--untracked-files=no")
    return commit, None if status is None else bool(status)


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
