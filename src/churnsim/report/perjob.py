"""Each complete job's tables read once and reduced to what the report draws and tabulates, jobs in parallel.

The figures' series (:mod:`.series`) and the segments (:mod:`.segments`) both need every job's event and account
tables: here each job's tables are read once for both, and the jobs are shared out over the machine's cores
(joblib's worker processes). The parts are put together in job order, so the report is the same on any number of
cores.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

from churnsim.report.load import ID_COLUMNS, Sweep, read_job_table
from churnsim.report.segments import ACCOUNT_COLUMNS as SEGMENT_ACCOUNTS
from churnsim.report.segments import EVENT_COLUMNS as SEGMENT_EVENTS
from churnsim.report.segments import segments_of
from churnsim.report.series import (
    ACCOUNT_COLUMNS,
    EVENT_COLUMNS,
    MONTHLY_COLUMNS,
    JobSeries,
    Series,
    collect,
    series_of,
)

__all__ = ["job_parts"]

_PARALLEL_FROM = 40  # jobs; fewer are reduced in this process (starting the workers costs about a second)
_EVENTS = list(dict.fromkeys([*EVENT_COLUMNS, *SEGMENT_EVENTS]))
_ACCOUNTS = list(dict.fromkeys([*ACCOUNT_COLUMNS, *SEGMENT_ACCOUNTS]))


def job_parts(sweep: Sweep, n_jobs: int | None = None) -> tuple[Series, pd.DataFrame]:
    """The series of the figures (:func:`.series.job_series`) and the segments of every job
    (:func:`.segments.job_segments`), reading each job's tables once, in ``n_jobs`` worker processes (None: one
    per core from 40 jobs on, else in this process)."""
    keys = list(dict.fromkeys([*sweep.scenario, *ID_COLUMNS]))
    work = [(sweep.path / job["job"], str(job["focal"]), int(job["months"]), {k: job[k] for k in keys})
            for _, job in sweep.complete.iterrows()]
    if n_jobs is None:
        n_jobs = -1 if len(work) >= _PARALLEL_FROM else 1
    parallel = Parallel(n_jobs=n_jobs)
    parts = parallel(delayed(_one_job)(*item) for item in work)
    found = [seg for _, seg in parts if seg is not None]
    return (collect([s for s, _ in parts], list(sweep.complete["job"])),
            pd.concat(found, ignore_index=True) if found else pd.DataFrame())


def _one_job(job_dir: Path, focal: str, months: int, ids: dict) -> tuple[JobSeries, pd.DataFrame | None]:
    tables = {"monthly": read_job_table(job_dir, "monthly", MONTHLY_COLUMNS),
              "events": read_job_table(job_dir, "events", _EVENTS),
              "accounts": read_job_table(job_dir, "accounts", _ACCOUNTS)}
    part = segments_of(tables["accounts"], tables["events"], focal)
    return series_of(tables, focal, months, ids), None if part is None else part.assign(**ids)
