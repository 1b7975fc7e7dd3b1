"""Running one simulation: :func:`simulate` plans (if given a config), builds the model, runs it."""

from __future__ import annotations

from collections.abc import Callable

from churnsim.core.config import RunConfig
from churnsim.core.schemas import RunResult
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import RunPlan, make_plan
from churnsim.engine.recorder import TableSink
from churnsim.engine.sizing import sized

__all__ = ["RunResult", "simulate"]


def simulate(run: RunPlan | RunConfig, reference: bool = False, sink: TableSink | None = None,
             on_month: Callable[[int], None] | None = None) -> RunResult:
    """Run one simulation and return its tables and summary.

    Args:
        run: a plan, or a config (planned here: validated and built once; ``focal_accounts`` sizes the market).
        reference: decide account by account through the per-account Mesa agents (slow; for checking).
        sink: where the tables named in ``output.tables`` go as they are recorded (say a
            :class:`churnsim.outputs.RunWriter`); the result then holds none. By default they are returned.
        on_month: called with the month after each month is simulated (say a progress bar).
    """
    plan = run if isinstance(run, RunPlan) else make_plan(sized(run))
    return MarketModel(plan, reference=reference).run(sink, on_month)
