"""Progress of one long run on the terminal: a bar of months with the time left (tqdm, on standard error).

A run shows it only when it is long enough to matter: once the months simulated so far project a run of more than
:data:`LONG_SECONDS` (the first month, with its start-up, counts too), and only on a terminal, so a log, a pipe or
a sweep's job sees nothing. Sweeps print one line per job instead (:mod:`churnsim.progress`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from tqdm import tqdm

__all__ = ["LONG_SECONDS", "RunProgress"]

LONG_SECONDS = 10.0
"""A run projected to take longer than this shows its progress."""


class RunProgress:
    """Called after every month of a run (``MarketModel.run(on_month=...)``); draws the bar once the run is long.

    Args:
        total_months: burn-in and reported months.
        stream: where the bar goes (standard error by default).
        clock: seconds, for tests (``time.perf_counter`` by default).
        terminal: whether ``stream`` is a terminal (by default: ask it).
        redraw_seconds: least time between two redraws of the bar.
    """

    def __init__(self, total_months: int, stream: TextIO | None = None, clock: Callable[[], float] = time.perf_counter,
                 terminal: bool | None = None, redraw_seconds: float = 0.5):
        self.total, self.stream, self.clock, self.redraw = total_months, stream or sys.stderr, clock, redraw_seconds
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.started, self.done = clock(), 0
        self.bar: tqdm | None = None

    def __call__(self, month: int) -> None:
        self.done += 1
        if self.bar is None:
            elapsed = self.clock() - self.started
            if not self.terminal or elapsed / self.done * self.total <= LONG_SECONDS:
                return
            self.bar = tqdm(total=self.total, initial=self.done - 1, desc="churnsim", unit="month", file=self.stream,
                            dynamic_ncols=True, leave=False, mininterval=self.redraw)
        self.bar.set_postfix_str(f"month {month}", refresh=False)
        self.bar.update(1)
        if self.done >= self.total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
