"""One run watched month by month: the model the Inside-a-run page steps, and what it shows of it.

:class:`WatchedModel` is the market model built from preset names (the keyword arguments SolaraViz re-creates it
with), burned in when built (so its first Mesa step is month 0), and stopped (``running``) after its last reported
month. Each month it keeps the focal firm's departures by main reason; shares and satisfaction come from its monthly
table (:meth:`churnsim.engine.recorder.Recorder.monthly`). It changes nothing in the run: the same settings give the
numbers ``churnsim`` writes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnsim.core.codes import ACTIVE, REASONS
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan
from churnsim.engine.recorder import Recorder
from churnsim.engine.sizing import sized
from churnsim.workbench.levers import compose

__all__ = ["WatchedModel", "account_positions"]

_R2 = (0.7548776662466927, 0.5698402909980532)  # the R2 low-discrepancy sequence: even, deterministic scatter


class _TallyingRecorder(Recorder):
    """The model's recorder, also counting the focal firm's departures by main reason in each reported month."""

    def __init__(self, plan, market):
        super().__init__(plan, market)
        self.focal_lost: dict[int, np.ndarray] = {}  # month -> departures by reason code

    def departures(self, slots: np.ndarray, frm: np.ndarray, to, reason: np.ndarray) -> None:
        super().departures(slots, frm, to, reason)
        if self.month >= 0:
            lost = np.bincount(np.asarray(reason)[np.asarray(frm) == 0].astype(np.int64), minlength=len(REASONS))
            self.focal_lost[self.month] = self.focal_lost.get(self.month, 0) + lost


class WatchedModel(MarketModel):
    """The market of the given presets, burned in; each Mesa step is one reported month.

    Args:
        market, competitors, strategy: preset names (``conf/market``, ``conf/competitors``, ``conf/strategy``).
        n_accounts: accounts in the market at the start.
        months: reported months (the run stops after the last).
        seed, replicate: the run's seed derives from both, as in every churnsim run.
    """

    def __init__(self, market: str = "generic_b2b", competitors: str = "price_war", strategy: str = "baseline",
                 n_accounts: int = 2000, months: int = 36, seed: int = 0, replicate: int = 0):
        cfg = compose([f"market={market}", f"competitors={competitors}", f"strategy={strategy}",
                       f"n_accounts={n_accounts}", f"months={months}", f"seed={seed}", f"replicate={replicate}",
                       "output.tables=[monthly]"])
        plan = make_plan(sized(cfg))
        super().__init__(plan)
        self.recorder = _TallyingRecorder(plan, self.market)
        while self.month < 0:
            MarketModel.step(self)  # burn-in: the class's own step, so Mesa counts only the reported months

    def step(self) -> None:
        super().step()
        self.running = self.month < self.cfg.months

    def shares(self) -> pd.DataFrame:
        """Per reported month and supplier: ``market_share`` and ``satisfaction_mean`` (empty before month 0)."""
        if self.month <= 0:
            return pd.DataFrame(columns=["month", "supplier", "market_share", "satisfaction_mean"])
        monthly = self.recorder.monthly()
        return monthly[["month", "supplier", "market_share", "satisfaction_mean"]].astype({"supplier": str})

    def departures_by_reason(self) -> pd.Series:
        """The focal firm's departures so far in the reported months, by main reason."""
        total = sum(self.recorder.focal_lost.values(), np.zeros(len(REASONS), dtype=np.int64))
        return pd.Series(total, index=list(REASONS), name="departures")

    def accounts_on_map(self) -> pd.DataFrame:
        """Every active account: ``x``, ``y`` (its region's cell, :func:`account_positions`) and ``supplier``."""
        acc = self.accounts
        slots = np.flatnonzero(acc.status == ACTIVE)
        x, y = account_positions(slots, acc.region[slots], self.cfg.market.accounts.n_regions)
        names = np.asarray(self.plan.suppliers.names, dtype=object)
        return pd.DataFrame({"x": x, "y": y, "supplier": names[acc.supplier[slots]]})


def account_positions(slots: np.ndarray, region: np.ndarray, n_regions: int) -> tuple[np.ndarray, np.ndarray]:
    """Where to draw accounts: regions are the cells of a square grid, an account sits in its region's cell at the
    point of an even low-discrepancy sequence given by its slot (the same place every month, no randomness)."""
    side = int(np.ceil(np.sqrt(max(n_regions, 1))))
    col, row = region % side, region // side
    u = np.modf(slots * _R2[0])[0]
    v = np.modf(slots * _R2[1])[0]
    return col + 0.05 + 0.9 * u, row + 0.05 + 0.9 * v
