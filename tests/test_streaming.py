"""A run written to a directory streams its tables: same files as the in-memory tables, nothing complete on failure."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from omegaconf import OmegaConf

from churnsim import app
from churnsim.core.schemas import SchemaError
from churnsim.engine.recorder import Recorder
from churnsim.engine.run import simulate
from churnsim.golden import golden_config
from churnsim.outputs import OUTPUT_FILES, RunWriter, clear_run

TABLES = ("monthly", "events", "accounts")


@pytest.fixture(scope="module")
def kept():
    """The golden run (every mechanism active), its tables kept in memory."""
    return simulate(golden_config())


def _streamed(run_dir, cfg, rows_per_frame: int):
    with RunWriter(run_dir, cfg.output.tables) as writer:
        writer.rows_per_frame = rows_per_frame
        result = simulate(cfg, sink=writer)
        writer.finish(result, cfg, {})
    return result


def test_streamed_files_equal_the_in_memory_tables_and_summary(tmp_path, kept):
    streamed = _streamed(tmp_path, golden_config(), rows_per_frame=300)
    assert streamed.tables == {}
    assert streamed.summary == kept.summary
    assert json.loads((tmp_path / "summary.json").read_text()) == json.loads(json.dumps(kept.summary))
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"), kept.tables[name],
                                      check_exact=True)
    assert pq.ParquetFile(tmp_path / "events.parquet").num_row_groups > 5  # written as the run went
    assert pq.ParquetFile(tmp_path / "accounts.parquet").num_row_groups > 5
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted([f"{name}.parquet" for name in TABLES] + ["run.json", "summary.json"])  # no temp file
    assert set(written) <= set(OUTPUT_FILES)


def test_summary_counts_agree_with_the_event_log(kept):
    events = kept.tables["events"]
    gone = events[events["event"].isin(["switch", "exit"]) & (events["from_supplier"] == "focal")]
    counts = gone["reason"].value_counts()
    assert list(kept.summary["churn_by_reason"].items()) == [(r, n) for r, n in counts.items() if n > 0]
    assert kept.summary["departures_total"] == len(gone) > 100
    assert kept.summary["churn_controllable_share"] == gone["controllable"].mean()


class _Names:
    """A sink that only notes which tables it was handed: events, if recorded, every month or two."""

    rows_per_frame = 100

    def __init__(self):
        self.names = set()

    def write(self, name, frame):
        self.names.add(name)


@pytest.mark.parametrize("tables", [["monthly"], ["accounts"], []])
def test_tables_not_asked_for_are_not_recorded_and_the_summary_still_works(kept, tables):
    cfg = golden_config()
    cfg.output.tables = tables
    sink = _Names()
    result = simulate(cfg, sink=sink)
    assert sink.names == set(tables)
    assert result.summary == kept.summary
    assert list(simulate(cfg).tables) == tables


@pytest.mark.parametrize("interruption", [RuntimeError("engine failed"), KeyboardInterrupt()])
def test_a_run_stopped_midway_leaves_nothing_that_looks_complete(tmp_path, monkeypatch, interruption):
    end_month = Recorder.end_month
    streamed_before_stopping = []

    def stop_at_month_6(self, *args):
        end_month(self, *args)
        if self.month == 6:
            streamed_before_stopping.extend(p.name for p in tmp_path.glob(".events.parquet.*.tmp"))
            raise interruption

    monkeypatch.setattr(Recorder, "end_month", stop_at_month_6)
    monkeypatch.setattr(RunWriter, "rows_per_frame", 50)
    with pytest.raises(type(interruption)):
        app.run(OmegaConf.structured(golden_config()), tmp_path)
    assert streamed_before_stopping  # the events were on their way to disk when the run stopped
    assert list(tmp_path.iterdir()) == []


def test_a_table_that_never_arrived_is_an_error_and_nothing_is_moved_into_place(tmp_path, kept):
    with pytest.raises(SchemaError, match="accounts"), RunWriter(tmp_path, TABLES) as writer:
        writer.write("monthly", kept.tables["monthly"])
        writer.write("events", kept.tables["events"])
        writer.finish(kept, golden_config(), {})
    assert list(tmp_path.iterdir()) == []


def test_clear_run_removes_what_a_killed_run_left_under_temporary_names(tmp_path):
    for name in (".events.parquet.123.tmp", ".summary.json.123.tmp", "summary.json", "notes.txt"):
        (tmp_path / name).write_text("left behind")
    clear_run(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
