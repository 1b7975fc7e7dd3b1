"""A long single run draws its progress on a terminal; a short one, a pipe or a log sees nothing."""

from __future__ import annotations

import io

from conftest import small_config

from churnsim.engine.run import simulate
from churnsim.run_progress import LONG_SECONDS, RunProgress


class Clock:
    def __init__(self, seconds_per_month: float):
        self.now, self.step = 0.0, seconds_per_month

    def __call__(self) -> float:
        return self.now

    def tick(self) -> None:
        self.now += self.step


def _months(seconds_per_month: float, total: int, terminal: bool) -> str:
    clock, stream = Clock(seconds_per_month), io.StringIO()
    progress = RunProgress(total, stream=stream, clock=clock, terminal=terminal, redraw_seconds=0)
    for month in range(total):
        clock.tick()
        progress(month)
    progress.close()
    return stream.getvalue()


def test_a_long_run_on_a_terminal_shows_months_and_time_left():
    shown = _months(1.0, 84, terminal=True)  # projected 84 s
    assert "churnsim" in shown and "/84" in shown and "month 83" in shown


def test_a_short_run_or_one_off_the_terminal_shows_nothing():
    assert _months(LONG_SECONDS / 100, 84, terminal=True) == ""  # projected a tenth of the threshold
    assert _months(1.0, 84, terminal=False) == ""


def test_the_model_reports_every_month_to_its_progress():
    cfg = small_config(n_accounts=300, months=4, burn_in_months=2)
    seen: list[int] = []
    simulate(cfg, on_month=seen.append)
    assert seen == list(range(-2, 4))
