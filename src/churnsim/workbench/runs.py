"""The Compare page's runs: a comparison's replicates, run in worker processes while the page stays live.

A :class:`Comparison` is what the page's controls say: market, scenario and its headline numbers, strategies and
their levers, accounts, months, replicates, seed. Its configs are composed and checked once, in the page's process,
so a bad value stops it before anything runs. :class:`Replicates` then runs replicate 0 of every strategy, then
replicate 1, ... in a pool of worker processes (``spawn``: a fresh interpreter each, nothing inherited from the
server's threads), and hands each replicate to a callback as it lands. Replicate *r* of every strategy runs with the
same seed, derived from (``seed``, *r*) only: the same world for every strategy (common random numbers), so a
replicate's numbers do not depend on which worker ran it, nor on when. Stop terminates the workers: what has
landed is kept, the replicates still running are dropped.

A worker sends back only what the page shows: the summary's numbers (one row, as
:func:`churnsim.report.load.load_sweep` reads it from ``summary.json``), the focal firm's monthly curve and its
departures by reason (:func:`churnsim.report.series.series_of`). Its model is freed when its run ends.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from churnsim.core.config import RunConfig
from churnsim.engine.plan import make_plan
from churnsim.engine.run import simulate
from churnsim.report.compare import BASELINE
from churnsim.report.series import series_of
from churnsim.workbench.levers import compose, scenario_overrides, with_levers

__all__ = ["Comparison", "Landed", "Replicates", "run_replicate"]

_POLL_SECONDS = 0.2  # how often the runner looks at the Stop flag while it waits for a replicate


@dataclass(frozen=True)
class Comparison:
    """What the Compare page runs: strategies (``baseline`` is added as the reference) × replicates of a scenario."""

    market: str = "generic_b2b"
    competitors: str = "price_war"
    strategies: tuple[str, ...] = (BASELINE, "service_guarantee")
    n_accounts: int = 2000
    months: int = 24
    replicates: int = 5
    seed: int = 0
    uncertainty: str = "none"  # conf/uncertainty: "default" draws the priors on assumptions once per replicate
    max_suppliers: int = 1  # market.wallet.max_suppliers: most suppliers an account buys from at once
    scenario: dict[str, float] = field(default_factory=dict)  # headline number (config key) -> value
    levers: dict[str, dict[str, float]] = field(default_factory=dict)  # strategy -> {"<kind>.<param>": value}

    @property
    def runs(self) -> tuple[str, ...]:
        """The strategies run: ``baseline`` first, then the others chosen, in order."""
        return (BASELINE, *(s for s in dict.fromkeys(self.strategies) if s != BASELINE))

    def overrides(self, strategy: str) -> list[str]:
        """The Hydra overrides of ``strategy``'s runs (replicate 0; ``monthly`` and ``events`` tables only)."""
        return [f"market={self.market}", f"competitors={self.competitors}", f"strategy={strategy}",
                f"n_accounts={self.n_accounts}", f"months={self.months}", f"seed={self.seed}", "replicate=0",
                f"uncertainty={self.uncertainty}", f"market.wallet.max_suppliers={self.max_suppliers}",
                "n_threads=1", "output.tables=[monthly,events]",
                *scenario_overrides(self.competitors, self.scenario, self.months)]

    def configs(self) -> dict[str, RunConfig]:
        """Each strategy's config, composed and checked as a run checks it (:func:`make_plan`: fields, strategy
        components, memory).

        Raises:
            churnsim.core.config.ConfigError, hydra.errors.HydraException: naming the bad field or option.
        """
        configs = {s: with_levers(compose(self.overrides(s)), self.levers.get(s, {})) for s in self.runs}
        for cfg in configs.values():
            make_plan(cfg)
        return configs


@dataclass
class Landed:
    """One finished replicate of one strategy: what the page shows of it."""

    strategy: str
    replicate: int
    row: dict  # job row: ids, every number of summary.json, churn_by_reason.<reason> counts
    monthly: pd.DataFrame  # month, active_relative, market_share of the focal firm (+ id columns)
    departures: pd.DataFrame  # reason, controllable, count of the focal firm's departures (+ id columns)


def run_replicate(cfg: RunConfig, replicate: int) -> Landed:
    """Run replicate ``replicate`` of ``cfg`` and keep what the page shows (in a worker process, or here)."""
    cfg = replace(cfg, replicate=replicate)
    result = simulate(cfg)
    ids = {"market": cfg.market.name, "competitors": cfg.competitors.name, "strategy": cfg.strategy.name,
           "seed": cfg.seed, "replicate": replicate}
    summary = result.summary
    row = {"job": f"{cfg.strategy.name}/{replicate}", "status": "complete", "error": "", **ids,
           "run_seed": str(result.run_seed), "focal": cfg.market.focal.name, "months": cfg.months,
           **{k: v for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)},
           **{f"churn_by_reason.{r}": n for r, n in (summary.get("churn_by_reason") or {}).items()}}
    tables = {"monthly": result.tables["monthly"], "events": result.tables["events"], "accounts": None}
    monthly, departures, _ = series_of(tables, cfg.market.focal.name, cfg.months, ids)
    return Landed(cfg.strategy.name, replicate, row, monthly, departures)


def _run_task(task: tuple[RunConfig, int]) -> Landed:
    return run_replicate(*task)


class Replicates:
    """Runs a comparison's replicates in worker processes, replicate by replicate across strategies.

    Args:
        configs: each strategy's config (:meth:`Comparison.configs`).
        replicates: replicates 0 … ``replicates`` − 1 of each.
        workers: worker processes (default: one per core, at most one per run).
    """

    def __init__(self, configs: dict[str, RunConfig], replicates: int, workers: int | None = None):
        self.tasks = [(cfg, r) for r in range(replicates) for cfg in configs.values()]
        self.workers = max(1, min(workers or os.cpu_count() or 1, len(self.tasks)))
        self.stop = threading.Event()

    @property
    def total(self) -> int:
        return len(self.tasks)

    def run(self, on_landed: Callable[[Landed], None]) -> int:
        """Run every replicate, calling ``on_landed`` with each as it lands (in the calling thread), until all have
        landed or :attr:`stop` is set; return how many landed. Blocks: call it from a thread of its own."""
        landed = 0
        pool = multiprocessing.get_context("spawn").Pool(self.workers)
        try:
            results = pool.imap_unordered(_run_task, self.tasks, chunksize=1)
            while landed < self.total and not self.stop.is_set():
                try:
                    item = results.next(timeout=_POLL_SECONDS)
                except multiprocessing.TimeoutError:
                    continue
                landed += 1
                on_landed(item)
        finally:
            pool.terminate()  # stopped: drop the replicates still running; finished: the workers are idle
            pool.join()
        return landed
