"""What a run records: per-month aggregates computed from the arrays, the event log, the account table, the summary.

Only the reported months (month ≥ 0) are recorded, and only the tables named in ``output.tables``; burn-in is
simulated but not reported. Aggregates are computed each month from the arrays (no per-account rows per month).
Tables go to a sink as frames: by default they are kept in memory and handed on whole at the end of the run; a
sink that writes to disk (:class:`churnsim.outputs.RunWriter`) takes the events every ``rows_per_frame`` rows as
the run goes and the account table in frames of that size at the end, so a run's memory does not grow with
months × accounts. The summary reads the monthly table and running counts, never the event log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
import pandas as pd

from churnsim.core.codes import ACTIVE, REASONS, TIERS, is_controllable
from churnsim.core.jit import kernel
from churnsim.core.schemas import RunResult, check_table
from churnsim.engine.clv_log import CLV_TABLES, Collector
from churnsim.engine.plan import RunPlan
from churnsim.engine.summary import summarise
from churnsim.mechanisms.money import Month
from churnsim.mechanisms.valuation import Terminal, retention_per_month, terminal_value
from churnsim.mechanisms.wallet import is_on, served_by
from churnsim.strategies import Market, component_names

__all__ = ["Recorder", "RunResult", "TableSink"]

EVENTS = ("switch", "exit", "entry", "rep_move", "shift")
_LEDGER = ("revenue", "cogs", "cost_to_serve", "strategy_cost", "concessions", "acquisition_cost", "profit")


class TableSink(Protocol):
    """Where the recorder hands a run's tables, frame by frame, in the order recorded."""

    rows_per_frame: int | None  # rows of events or accounts per frame; None: each table whole, at the end

    def write(self, name: str, frame: pd.DataFrame) -> None: ...


class _Kept(dict):
    """The default sink: each table kept in memory, handed on whole at the end of the run."""

    rows_per_frame = None

    def write(self, name: str, frame: pd.DataFrame) -> None:
        self[name] = frame


class Recorder:
    """Collects a run's outputs as the model steps."""

    def __init__(self, plan: RunPlan, market: Market):
        self.cfg, self.names, self.market = plan.cfg, plan.suppliers.names, market
        self.accounts, self.reps = market.accounts, market.reps
        self.n_suppliers = len(self.names)
        self._wanted = tuple(plan.cfg.output.tables)
        self._kept = _Kept()
        self._sink: TableSink = self._kept
        self._rows: list[dict[str, np.ndarray]] = []
        self._events: list[dict[str, np.ndarray]] = []  # events not yet handed to the sink
        self._n_events = 0  # rows in self._events
        self._events_sent = False
        self._focal_lost = np.zeros(len(REASONS), dtype=np.int64)  # focal departures by reason, reported months
        self._focal_shifted = np.zeros(len(REASONS), dtype=np.int64)  # shifts away from the focal firm, by reason
        self._focal_shift_lost = np.zeros(len(REASONS) + 1)  # its revenue lost to share shifts by reason, none last
        self._lost_by_tier = np.zeros(len(TIERS), dtype=np.int64)  # focal departures by tier, reported months
        self._held_by_tier = np.zeros(len(TIERS), dtype=np.int64)  # focal account-months by tier (held at month end)
        self._last: tuple[np.ndarray, Month] | None = None  # the last reported month's active slots and takings
        self._terminal: tuple[np.ndarray, Terminal] | None = None
        self.month_strategy_cost = np.zeros(self.n_suppliers)
        self._component_names = component_names(plan.components)
        self._component_cost = np.zeros(len(self._component_names))  # the focal firm's, reported months
        self._component_actions: dict[str, dict[str, float]] = {name: {} for name in self._component_names}
        self._cohort: np.ndarray | None = None
        self._cohort_revenue: list[float] = []
        self._clv = Collector() if set(self._wanted) & set(CLV_TABLES) else None
        own = plan.account_list  # the firm's accounts are slots 0..len-1; outputs name them only by pseudonym
        self._refs = own.ref if own is not None else np.zeros(0, dtype=object)

    def write_to(self, sink: TableSink) -> None:
        """Hand the tables to ``sink`` as they are recorded, instead of keeping them (before month 0)."""
        self._sink = sink

    @property
    def month(self) -> int:
        """The month being recorded: the market's."""
        return self.market.month

    @property
    def _reporting(self) -> bool:
        return self.month >= 0

    def begin_month(self) -> None:
        month = self.month
        k = self.n_suppliers
        self._acquired = np.zeros((k, 3))
        self._departures = np.zeros((k, 2), dtype=np.int64)  # controllable, uncontrollable
        self._rep_quits = np.zeros(k, dtype=np.int64)
        self._lost = np.zeros((k, 3))  # revenue lost to departures, share shifts, exits (k€ a month, at list price)
        if month == 0:
            acc = self.accounts
            self._start_supplier = np.where(acc.active(), acc.supplier, -1)  # who served whom when reporting began
            self._cohort = acc.active() & _buys_from_focal(acc.supplier, acc.others)  # the focal firm's accounts
            self._start_rep_owned = (acc.rc_rep > acc.rc_firm) & acc.active()  # whose relationship it mostly was

    # ---- events --------------------------------------------------------------------------------------------
    def _log(self, event: str, account, rep, frm, to, reason, controllable) -> None:
        if not self._reporting or len(account) == 0 or "events" not in self._wanted:
            return
        n = len(account)
        self._n_events += n
        self._events.append({
            "month": np.full(n, self.month, np.int64), "event": np.full(n, EVENTS.index(event), np.int8),
            "account": np.broadcast_to(account, n).astype(np.int64), "rep": np.broadcast_to(rep, n).astype(np.int64),
            "from": np.broadcast_to(frm, n).astype(np.int64), "to": np.broadcast_to(to, n).astype(np.int64),
            "reason": np.broadcast_to(reason, n).astype(np.int64),
            "controllable": np.broadcast_to(controllable, n).astype(bool)})

    def departures(self, slots: np.ndarray, frm: np.ndarray, to, reason: np.ndarray) -> None:
        """Accounts ``slots`` left suppliers ``frm`` for ``to`` (-1: left the market) for ``reason``."""
        controllable = is_controllable(reason)
        self._departures += _counts(frm.astype(np.int64) * 2 + np.where(controllable, 0, 1), self._departures.shape)
        if self._reporting:
            self._focal_lost += np.bincount(np.asarray(reason)[frm == 0].astype(np.int64), minlength=len(REASONS))
            self._lost_by_tier += np.bincount(self.accounts.tier[slots[frm == 0]].astype(np.int64),
                                              minlength=len(TIERS))
        switch = np.broadcast_to(to, len(slots)) >= 0
        self._log("switch" if np.all(switch) else "exit", slots, self.accounts.rep[slots], frm, to, reason,
                  controllable)

    def acquisitions(self, slots: np.ndarray, frm, to: np.ndarray) -> None:
        """Accounts ``slots`` were won by ``to`` (from ``frm``; -1 for a new account entering the market)."""
        tiers = self._acquired.shape[1]
        self._acquired += _counts(to.astype(np.int64) * tiers + self.accounts.tier[slots], self._acquired.shape)
        if np.all(np.broadcast_to(frm, len(slots)) < 0):
            self._log("entry", slots, self.accounts.rep[slots], -1, to, -1, False)

    def shifts(self, slots: np.ndarray, frm: np.ndarray, to: np.ndarray, reason: np.ndarray) -> None:
        """Accounts ``slots`` ranked ``to`` first over their main supplier ``frm`` for ``reason`` (its share of their
        wallet grows, :mod:`~churnsim.mechanisms.wallet`)."""
        if self._reporting:
            self._focal_shifted += np.bincount(np.asarray(reason)[frm == 0].astype(np.int64), minlength=len(REASONS))
        self._log("shift", slots, self.accounts.rep[slots], frm, to, reason, is_controllable(reason))

    def revenue_lost(self, kind: str, per_supplier: np.ndarray) -> None:
        """Revenue (K,) (k€ a month, at list price) the suppliers lost this month to ``departures`` (shares that
        reached zero: to a rival), ``wallet_shifts`` (shares that fell) or ``exits`` (accounts leaving the market)."""
        self._lost[:, ("departures", "wallet_shifts", "exits").index(kind)] += per_supplier

    def focal_shifts_by_reason(self, lost: np.ndarray) -> None:
        """The focal firm's revenue lost to share shifts this month (k€ a month, at list price) by the reason of each
        account's last shift (``len(REASONS) + 1``, the last: none recorded)."""
        if self._reporting:
            self._focal_shift_lost += lost

    def rep_moves(self, person: np.ndarray, frm: np.ndarray, to: np.ndarray, poached: np.ndarray) -> None:
        """Salespeople left ``frm`` for ``to`` (-1: left the market)."""
        self._rep_quits += _counts(frm.astype(np.int64), self._rep_quits.shape)
        self._log("rep_move", np.full(len(person), -1), person, frm, to, np.where(poached, -3, -2), False)

    def strategy_cost(self, cost: np.ndarray, focal: list[tuple[float, dict[str, float]]]) -> None:
        """This month's strategy spending per supplier (K,), and the focal firm's per component: spending (k€) and
        what it did."""
        self.month_strategy_cost = cost
        if self._reporting:
            self._component_cost += np.array([c for c, _ in focal], dtype=np.float64)
            for name, (_, done) in zip(self._component_names, focal, strict=True):
                for what, n in done.items():
                    self._component_actions[name][what] = self._component_actions[name].get(what, 0) + n

    def concessions(self, by_component: np.ndarray) -> None:
        """This month's revenue (k€) the focal firm's components conceded in discounts: part of their cost, and
        what they did (``concessions_keur``)."""
        if self._reporting:
            self._component_cost += by_component
            for name, given in zip(self._component_names, by_component, strict=True):
                if given > 0:
                    done = self._component_actions[name]
                    done["concessions_keur"] = done.get("concessions_keur", 0.0) + float(given)

    def acquired_by_tier(self) -> np.ndarray:
        return self._acquired

    # ---- the month's aggregates ------------------------------------------------------------------------------
    def end_month(self, ledger: dict[str, np.ndarray], idx: np.ndarray, taken: Month) -> None:
        """Record the month's per-supplier row block (reported months only) from its ledger and its takings
        (:func:`~churnsim.mechanisms.money.revenue` of the active slots ``idx``)."""
        if not self._reporting:
            return
        acc, k = self.accounts, self.n_suppliers
        main, levels, satisfaction, in_cohort = _aggregates(idx, acc.supplier, taken.held, acc.reported,
                                                            acc.satisfaction, self._cohort, k)
        active = taken.by_tier.sum(axis=1)  # accounts it sells to: as their main supplier or another
        row = {
            "month": np.full(k, self.month), "supplier": np.arange(k), "active_accounts": active,
            "market_share": active / max(active.sum(), 1),
            "revenue_share": ledger["revenue"] / max(ledger["revenue"].sum(), 1e-300),
            "acquisitions": self._acquired.sum(axis=1).astype(np.int64),
            "departures_controllable": self._departures[:, 0], "departures_uncontrollable": self._departures[:, 1],
            **{key: ledger[key] for key in _LEDGER},
            "satisfaction_mean": satisfaction / np.maximum(main, 1),
            "levels": levels / np.maximum(main, 1)[:, None],
            "share_of_wallet": np.where(taken.wallets > 0, taken.volume / np.maximum(taken.wallets, 1e-300), 0.0),
            "revenue_lost_departures": self._lost[:, 0] + self._lost[:, 2], "revenue_lost_exits": self._lost[:, 2],
            "revenue_lost_wallet_shifts": self._lost[:, 1].copy(),
            "reps": np.bincount(self.reps.employer, minlength=k), "rep_quits": self._rep_quits,
        }
        self._rows.append(row)
        self._cohort_revenue.append(float(taken.focal[in_cohort].sum()))
        self._held_by_tier += taken.by_tier[0]
        self._last = (idx, taken)  # the month's own arrays: what the terminal value starts from
        if self._clv is not None:
            focal = acc.supplier[idx] == 0
            self._clv.observe(idx[focal], taken.paid[focal], acc.since_month[idx[focal]])
        if self._sink.rows_per_frame is not None and self._n_events >= self._sink.rows_per_frame:
            self._send_events()

    # ---- tables ----------------------------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """Finish the tables named in ``output.tables``: hand the rest to the sink; return those kept in memory."""
        if "monthly" in self._wanted:
            self._sink.write("monthly", self.monthly())
        if "events" in self._wanted and (self._events or not self._events_sent):  # an empty table if no events
            self._send_events()
        if "accounts" in self._wanted:
            for frame in self._accounts_frames():
                self._sink.write("accounts", frame)
        if self._clv is not None:
            cfg = self.cfg
            tables = self._clv.tables(cfg.months, cfg.output.start_date, self.accounts.propensity)
            for name in CLV_TABLES:
                if name in self._wanted:
                    self._sink.write(name, self._frame(name, tables[name]))
        return dict(self._kept)

    def summary(self) -> dict:
        """The focal firm's headline figures: :func:`summarise` of the monthly table and the running counts."""
        acc, cfg = self.accounts, self.cfg
        still = self._cohort & acc.active() & _buys_from_focal(acc.supplier, acc.others)
        monthly = self.monthly()
        summary = summarise(
            monthly=monthly, focal_lost_by_reason=self._focal_lost, revenue_focal=acc.revenue_focal,
            cohort_size=int(self._cohort.sum()), cohort_kept=int(still.sum()), cohort_revenue=self._cohort_revenue,
            months=cfg.months, discount_rate_per_year=cfg.market.discount_rate_per_year)
        retention, terminal = self._valued()
        summary["retention_monthly_by_tier"] = {tier: float(r) for tier, r in zip(TIERS, retention, strict=True)}
        summary["terminal_value"] = terminal.value
        summary["value_total"] = summary["net_profit_npv"] + terminal.value
        summary["strategy_cost_total"] = summary["strategy_cost_npv"] + terminal.strategy_cost
        focal = monthly[monthly["is_focal"]]
        summary["revenue_lost_departures_keur"] = float(focal["revenue_lost_departures"].sum())
        summary["revenue_lost_wallet_shifts_keur"] = float(focal["revenue_lost_wallet_shifts"].sum())
        summary["share_of_wallet_final"] = float(focal["share_of_wallet"].iloc[-1])
        order = np.argsort(-self._focal_shifted, kind="stable")
        summary["shifts_by_reason"] = {REASONS[i]: int(self._focal_shifted[i]) for i in order
                                       if self._focal_shifted[i] > 0}
        lost = self._focal_shift_lost
        names = [*REASONS, "none_recorded"]
        summary["revenue_lost_wallet_shifts_by_reason"] = {
            names[i]: float(lost[i]) for i in np.argsort(-lost, kind="stable") if lost[i] > 0}
        summary["focal_accounts_start"] = int(self._cohort.sum())
        summary["market_accounts_start"] = int((self._start_supplier >= 0).sum())
        summary["strategy_cost_by_component"] = {
            name: float(cost) for name, cost in zip(self._component_names, self._component_cost, strict=True)}
        summary["strategy_actions_by_component"] = {
            name: {what: int(n) if float(n).is_integer() else float(n) for what, n in done.items()}
            for name, done in self._component_actions.items()}
        return summary

    def _held(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The focal firm's accounts at the end of the last reported month: (slots, margin, concession)."""
        if self._last is None:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
        idx, taken = self._last
        focal = _buys_from_focal(self.accounts.supplier[idx], self.accounts.others[idx])
        return idx[focal], taken.margin[focal], taken.given[focal]

    def _valued(self) -> tuple[np.ndarray, Terminal]:
        """(monthly retention by tier, the terminal value of the focal firm's accounts held at the end, valued by
        :mod:`~churnsim.mechanisms.valuation`: each at its last month's margin, the strategy's spending per
        account-month over the last twelve reported months netted), once the run is over."""
        if self._terminal is None:
            slots, margin, given = self._held()
            monthly = self.monthly()
            recent = monthly[monthly["is_focal"]].sort_values("month").tail(12)
            spent = float((recent["strategy_cost"] - recent["concessions"]).sum())
            spending = spent / max(int(recent["active_accounts"].sum()), 1)
            tier = self.accounts.tier[slots]
            retention = retention_per_month(self._lost_by_tier, self._held_by_tier)
            cfg = self.cfg
            self._terminal = retention, terminal_value(margin, spending, given, tier, retention, cfg.months,
                                                       cfg.market.terminal_horizon_months,
                                                       cfg.market.discount_rate_per_year)
        return self._terminal

    def _frame(self, name: str, columns: dict) -> pd.DataFrame:
        """Table ``name`` from freshly made column arrays (not copied again), with the run's columns in front."""
        df = pd.DataFrame({**self._run_columns(len(next(iter(columns.values())))), **columns}, copy=False)
        return check_table(name, df)

    def _run_columns(self, n: int) -> dict:
        """The run's identifying columns: one-category categoricals built from codes (no string per row)."""
        cfg = self.cfg
        codes = np.zeros(n, np.int8)
        names = {"strategy": cfg.strategy.name, "competitors": cfg.competitors.name, "market": cfg.market.name}
        return {**{key: pd.Categorical.from_codes(codes, categories=pd.Index([value], dtype="str"))
                   for key, value in names.items()},
                "replicate": np.full(n, cfg.replicate, np.int64), "seed": np.full(n, cfg.seed, np.int64)}

    def _names(self, codes: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(np.where(codes >= 0, codes, -1), categories=list(self.names))

    def monthly(self) -> pd.DataFrame:
        rows = {key: np.concatenate([r[key] for r in self._rows]) for key in self._rows[0] if key != "levels"}
        levels = np.concatenate([r["levels"] for r in self._rows])
        return self._frame("monthly", {
            "month": rows["month"].astype(np.int64), "supplier": self._names(rows["supplier"]),
            "is_focal": rows["supplier"] == 0, "active_accounts": rows["active_accounts"].astype(np.int64),
            "market_share": rows["market_share"].astype(np.float64),
            "revenue_share": rows["revenue_share"].astype(np.float64),
            "acquisitions": rows["acquisitions"],
            "departures": rows["departures_controllable"] + rows["departures_uncontrollable"],
            "departures_controllable": rows["departures_controllable"],
            "departures_uncontrollable": rows["departures_uncontrollable"],
            **{key: rows[key].astype(np.float64) for key in _LEDGER},
            "share_of_wallet": rows["share_of_wallet"].astype(np.float64),
            "revenue_lost_departures": rows["revenue_lost_departures"].astype(np.float64),
            "revenue_lost_exits": rows["revenue_lost_exits"].astype(np.float64),
            "revenue_lost_wallet_shifts": rows["revenue_lost_wallet_shifts"].astype(np.float64),
            "satisfaction_mean": rows["satisfaction_mean"].astype(np.float64),
            **{f"satisfaction_level_{j + 1}": levels[:, j].astype(np.float64) for j in range(5)},
            "reps": rows["reps"].astype(np.int64), "rep_quits": rows["rep_quits"].astype(np.int64),
        })

    def _send_events(self) -> None:
        """Hand the events recorded since the last frame to the sink, and forget them."""
        self._sink.write("events", self._events_frame(self._events))
        self._events, self._n_events, self._events_sent = [], 0, True

    def _events_frame(self, chunks: list[dict[str, np.ndarray]]) -> pd.DataFrame:
        keys = ("month", "event", "account", "rep", "from", "to", "reason", "controllable")
        ev = {k: np.concatenate([e[k] for e in chunks]) if chunks else np.zeros(0, np.int64) for k in keys}
        reason_names = [*REASONS, "entry", "quit", "poached"]
        reason_code = np.select([ev["reason"] == -1, ev["reason"] == -2, ev["reason"] == -3],
                                [len(REASONS), len(REASONS) + 1, len(REASONS) + 2], ev["reason"])
        return self._frame("events", {
            "month": ev["month"].astype(np.int64, copy=False),
            "event": pd.Categorical.from_codes(ev["event"].astype(np.int64), categories=list(EVENTS)),
            "account": ev["account"].astype(np.int64, copy=False), "rep": ev["rep"].astype(np.int64, copy=False),
            "from_supplier": self._names(ev["from"].astype(np.int64)),
            "to_supplier": self._names(ev["to"].astype(np.int64)),
            "reason": pd.Categorical.from_codes(reason_code.astype(np.int64), categories=reason_names),
            "controllable": ev["controllable"].astype(bool, copy=False),
        })

    def _accounts_frames(self) -> Iterator[pd.DataFrame]:
        """The account table (every account ever active), in frames of the sink's ``rows_per_frame`` rows."""
        acc = self.accounts
        seen = np.flatnonzero((acc.status == ACTIVE) | (acc.exit_month >= 0))
        value = acc.margin_focal_npv.copy()  # each account's value to the focal firm: margin, then terminal value
        value[self._held()[0]] += self._valued()[1].per_account
        self._value_focal = value
        step = self._sink.rows_per_frame or max(len(seen), 1)
        for start in range(0, max(len(seen), 1), step):
            yield self._accounts_frame(seen[start : start + step])

    def _account_refs(self, seen: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """The pseudonyms of slots ``seen`` (missing for accounts not from the account list)."""
        refs = np.full(len(seen), None, dtype=object)
        own = seen < len(self._refs)
        refs[own] = self._refs[seen[own]]
        return pd.array(refs, dtype="str")

    def _wallets_of(self, seen: np.ndarray, active: np.ndarray) -> dict[str, np.ndarray]:
        """The focal firm's share of the wallet of accounts ``seen`` at the end, and how many suppliers they use (0
        for those ``active`` no longer)."""
        acc = self.accounts
        if not is_on(self.cfg.market.wallet):  # each buys all it needs from its one supplier
            return {"share_of_wallet_focal": (active & (acc.supplier[seen] == 0)).astype(np.float64),
                    "suppliers_used": active.astype(np.int64)}
        return {"share_of_wallet_focal": np.where(active, served_by(acc, seen, 0), 0.0),
                "suppliers_used": np.where(active, 1 + (acc.others[seen] >= 0).sum(axis=1), 0).astype(np.int64)}

    def _accounts_frame(self, seen: np.ndarray) -> pd.DataFrame:
        acc = self.accounts
        active = acc.status[seen] == ACTIVE
        end = np.where(active, self.month, acc.exit_month[seen])  # at the end of the run: months
        return self._frame("accounts", {
            "account": seen,
            "account_ref": self._account_refs(seen),
            "tier": pd.Categorical.from_codes(acc.tier[seen].astype(np.int64), categories=list(TIERS)),
            "region": acc.region[seen].astype(np.int64), "size": acc.size0[seen].astype(np.float64),
            "propensity": acc.propensity[seen].astype(np.float64),
            "entry_month": acc.entry_month[seen].astype(np.int64),
            "first_supplier": self._names(np.where(self._start_supplier[seen] >= 0, self._start_supplier[seen],
                                                   acc.first_supplier[seen]).astype(np.int64)),
            "rep_owned": self._start_rep_owned[seen],
            "last_supplier": self._names(acc.supplier[seen].astype(np.int64)),
            **self._wallets_of(seen, active),
            "tenure_months": (end - acc.since_month[seen]).astype(np.int64),
            "n_switches": acc.n_switches[seen].astype(np.int64),
            "revenue_focal": acc.revenue_focal[seen], "value_focal": self._value_focal[seen],
            "revenue_total": acc.revenue_total[seen],
            "status": pd.Categorical.from_codes((~active).astype(np.int8), categories=["active", "exited"]),
            "end_reason": pd.Categorical.from_codes(np.where(active, -1, acc.exit_reason[seen]).astype(np.int64),
                                                    categories=list(REASONS)),
            "end_month": np.where(active, -1, acc.exit_month[seen]).astype(np.int64),
        })


@kernel
def _aggregates(idx, supplier, held, reported, satisfaction, cohort, n_suppliers):
    """Per supplier over the active slots ``idx`` (in order): accounts it is the main supplier of, their five-level
    answer counts (K, 5) and the sum of their satisfaction (summed in slot order); and which of ``idx`` are accounts
    of the month-0 ``cohort`` the focal firm still sells to (``held``: whether it sells to each of ``idx``)."""
    count = np.zeros(n_suppliers, np.int64)
    levels = np.zeros((n_suppliers, 5), np.int64)
    total = np.zeros(n_suppliers)
    in_cohort = np.empty(len(idx), np.bool_)
    for j in range(len(idx)):
        i = idx[j]
        s = supplier[i]
        count[s] += 1
        levels[s, reported[i] - 1] += 1
        total[s] += np.float64(satisfaction[i])
        in_cohort[j] = cohort[i] & held[j]  # not `and`: a branch here costs as much as the rest of the loop
    return count, levels, total, in_cohort


def _buys_from_focal(supplier: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Whether each account buys from the focal firm (0): as its main supplier or another."""
    return (supplier == 0) | (others == 0).any(axis=1)


def _counts(flat: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """How often each cell of an array of ``shape`` occurs among the flat indices ``flat`` (``np.add.at``, fast)."""
    return np.bincount(np.asarray(flat, dtype=np.int64), minlength=int(np.prod(shape))).reshape(shape)
