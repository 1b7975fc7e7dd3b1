"""The market model: wiring. Its ``step`` is one month, in the order of DESIGN §3.3.

State lives in the account table and the salesperson table (numpy arrays, :mod:`churnsim.state`); suppliers are
Mesa agents. Each step calls one mechanism of :mod:`churnsim.mechanisms` (the rule, and the one implementation
that runs) on those arrays, and hands what happened to the :class:`~churnsim.engine.recorder.Recorder`. The model
checks nothing: it takes a :class:`~churnsim.engine.plan.RunPlan`, validated and built once.
"""

from __future__ import annotations

from collections.abc import Callable

import mesa
import numpy as np

from churnsim.core.codes import ACTIVE, EXITED
from churnsim.core.jit import use_threads
from churnsim.core.rng import RandomStreams, run_seed
from churnsim.core.schemas import RunResult
from churnsim.engine import wallets
from churnsim.engine.agents import AccountAgent, Supplier
from churnsim.engine.decisions import decide, decide_reference
from churnsim.engine.mesa_compat import free_finished_models
from churnsim.engine.plan import RunPlan
from churnsim.engine.population import initial_market
from churnsim.engine.recorder import Recorder, TableSink
from churnsim.mechanisms import (
    channel_conflict,
    choice,
    contagion,
    delivery,
    economics,
    environment,
    parallel_trading,
    poaching,
    relationships,
    salesforce,
    satisfaction,
    threats,
)
from churnsim.mechanisms.innovation import product_value
from churnsim.mechanisms.money import FocalCosts, ledger_of, revenue
from churnsim.mechanisms.reputation import reputation
from churnsim.strategies import Market

__all__ = ["MarketModel", "RunResult"]

class MarketModel(mesa.Model):
    """A B2B market of accounts, suppliers and salespeople, one step per month.

    Args:
        plan: the run's plan (:func:`churnsim.engine.plan.make_plan`).
        reference: decide account by account through :meth:`AccountAgent.step` (slow; for checking).
    """

    def __init__(self, plan: RunPlan, reference: bool = False):
        cfg = plan.cfg
        seed = run_seed(cfg.seed, cfg.replicate)
        free_finished_models()  # before any agent is numbered: on Mesa < 3.4 the numbering kept every model alive
        super().__init__(rng=seed)
        self.plan, self.cfg, self.reference, self.run_seed = plan, cfg, reference, seed
        self.streams = RandomStreams(seed)
        self.sup = sup = plan.suppliers
        self.n_suppliers = k = len(sup)
        self.accounts, self.reps, self.network = initial_market(cfg, sup, self.streams, -cfg.burn_in_months,
                                                                plan.account_list)
        self.market = Market(self.accounts, self.reps, sup, np.ones(k), np.zeros(k),
                             parallel_trading.Episodes.none(cfg.market.accounts.n_regions, k), self.streams,
                             month=-cfg.burn_in_months)
        self.suppliers = [Supplier(self, 0, plan.components, cfg.strategy.start_month)]
        self.suppliers += [Supplier(self, i) for i in range(1, k)]
        self._n_initial = cfg.n_accounts
        self.n_entered = self._entered_by(self.month)
        self.live = np.flatnonzero(self.accounts.active())  # active slots, ascending (statuses change in environment)
        self.threat_outcomes = np.zeros((k, 2), dtype=np.int64)  # per supplier: conceded, refused
        self.decision_buffer: dict[int, tuple[bool, int, int]] = {}  # the reference path's decisions this month
        self._reputation: np.ndarray | None = None
        self.recorder = Recorder(plan, self.market)

    # ---- the month -------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One month, in the order of DESIGN §3.3."""
        use_threads(self.cfg.n_threads)  # per calling thread: set it where the month runs
        self.recorder.begin_month()
        self.environment()  # 1. uncontrollable events; new accounts enter
        self.channel_conflict()  # 1. parallel trading and own direct channels squeeze dealers' margins
        self.delivery()  # 2. incidents, deliveries, complaints; remembered experience
        self.experience()  # 3. satisfaction and the survey answer
        self.strategies_act()  # 4. competitors' offers; retention strategies
        self.threats()  # 4. key accounts threaten to leave for special terms
        self.sales_force()  # 5. morale, quits
        self.decisions()  # 6. consider, choose, switch
        self.money()  # 7. revenue, costs, profit
        self.end_month()

    def run(self, sink: TableSink | None = None, on_month: Callable[[int], None] | None = None) -> RunResult:
        """Burn in, then simulate the reported months; return the tables and summary.

        Args:
            sink: where the tables go as they are recorded (say a :class:`churnsim.outputs.RunWriter`); the result
                then holds none. By default they are kept and returned.
            on_month: called with the month after each month is simulated (say a progress bar).
        """
        if sink is not None:
            self.recorder.write_to(sink)
        while self.month < self.cfg.months:
            self.step()
            if on_month is not None:
                on_month(self.month - 1)
        own = self.plan.account_list
        return RunResult(self.recorder.tables(), self.recorder.summary(), self.run_seed, dict(self.plan.draws),
                         {} if own is None else {"sha256": own.sha256, "rows": len(own)})

    # ---- helpers ---------------------------------------------------------------------------------------------
    @property
    def month(self) -> int:
        """The month being simulated (negative during burn-in); the strategies' market holds it."""
        return self.market.month

    @month.setter
    def month(self, value: int) -> None:
        self.market.month = value

    @property
    def n_entered(self) -> int:
        """Account slots entered so far (see :meth:`_entered_by`)."""
        return self.market.n_entered

    @n_entered.setter
    def n_entered(self, value: int) -> None:
        self.market.n_entered = value

    def _entered_by(self, month: int) -> int:
        """Slots entered by ``month``: the initial accounts, then entrants in slot order (see AccountTable)."""
        later = self.accounts.entry_month[self._n_initial:]
        return self._n_initial + int(np.searchsorted(later, month, side="right"))

    def keys(self, streams: tuple[str, ...]) -> tuple:
        """This month's keys of ``streams``, for a mechanism that draws as it goes (:mod:`churnsim.core.rng`)."""
        return tuple(self.streams.key(stream, self.month) for stream in streams)

    def list_prices(self) -> np.ndarray:  # (K,) this month's
        return self.sup.list_prices(self.month)

    def present(self) -> np.ndarray:
        """(K,) which suppliers are in the market this month (a new entrant is not before it enters)."""
        return self.sup.present(self.month)

    def reputation(self) -> np.ndarray:
        """(K, 3) each supplier's reputation (:mod:`churnsim.mechanisms.reputation`), kept until something it depends
        on changes (remembered experience, who serves whom, product value: those steps call forget_reputation)."""
        if self._reputation is None:
            self._reputation = reputation(self.live, self.accounts, self.sup, self.market.product_value)
        return self._reputation

    def forget_reputation(self) -> None:
        self._reputation = None

    def account(self, slot: int) -> AccountAgent:
        """A Mesa agent view of account slot ``slot`` (remove it with ``.remove()`` when done)."""
        return AccountAgent(self, slot)

    def switch(self, slots: np.ndarray, to: np.ndarray) -> None:
        """Accounts ``slots`` change (main) supplier to ``to``: counted, the one left remembered, ``to`` joined."""
        acc = self.accounts
        acc.n_switches[slots] += self.month >= 0
        acc.left_supplier[slots], acc.left_month[slots] = acc.supplier[slots], self.month
        self._join(slots, to)

    def _join(self, slots: np.ndarray, to: np.ndarray) -> None:
        """Start a relationship of accounts ``slots`` with suppliers ``to``: they expect its reputation."""
        self.accounts.join(slots, to, self.month, self.reps.slot_of(slots, to), self.reputation()[to])
        self.forget_reputation()

    # ---- 1. environment --------------------------------------------------------------------------------------
    def environment(self) -> None:
        """Uncontrollable exits and contractions, then new accounts entering the market."""
        acc, month, cfg = self.accounts, self.month, self.cfg
        self.n_entered = self._entered_by(month)
        gone, reason, self.live = environment.uncontrollable_events(
            self.live, acc.volume, acc.size0, acc.development, acc.tier, self.keys(environment.STREAMS),
            cfg.market.environment)
        acc.status[gone] = EXITED
        acc.exit_month[gone] = month
        acc.exit_reason[gone] = reason
        self.recorder.departures(gone, acc.supplier[gone], -1, reason)
        wallets.exits(self, gone, reason)
        self.reps.note_departures(acc.rep[gone])
        self.forget_reputation()
        # the entrants scheduled this month: the slots entered since last month (the initial accounts, placed by
        # initial_market, are not entrants, even those whose history starts this month)
        entering = np.arange(self._entered_by(month - 1), self.n_entered)
        if len(entering):
            chosen, _ = choice.choose_suppliers(entering, acc, month, self.streams.key("entry.choice", month),
                                                self.list_prices(), self.reputation(), self.sup.brand, self.present(),
                                                cfg.market.behaviour, entering=True)
            chosen = economics.refer(entering, chosen, acc, self.live, self.present(), self.streams, month, cfg.market)
            acc.status[entering] = ACTIVE
            self.live = np.concatenate([self.live, entering])  # entrants take the slots after every one before
            acc.first_supplier[entering] = chosen
            self._join(entering, chosen)
            self.recorder.acquisitions(entering, -1, chosen)

    def channel_conflict(self) -> None:
        """Margins squeezed: parallel-trading episodes start and run; the accounts they hit lose margin this month.

        So do the accounts of a supplier whose own direct channel undercuts its dealers.
        """
        acc, pt, present, trading = self.accounts, self.cfg.market.parallel_trading, self.present(), self.market.trading
        u = self.streams.generator(parallel_trading.STREAM, self.month).random(trading.age.shape)
        trading.advance(u, pt.p_start_per_region_month, pt.max_months, present, self.month)
        if not (trading.age.any() or (self.sup.channel_owner >= 0).any()):  # the usual case: nothing to compute
            acc.margin_hit[:] = 0
            return
        supplier = np.where(acc.active(), acc.supplier, -1)
        acc.margin_hit[:] = (parallel_trading.margin_hit(trading.age, acc.region, supplier, pt.margin_hit)
                             + channel_conflict.margin_hit(supplier, self.sup.channel_owner,
                                                           self.sup.channel_margin_hit, present))

    # ---- 2. delivery, 3. experience --------------------------------------------------------------------------
    def delivery(self) -> None:
        """Quality incidents, late deliveries, service requests and complaints; memory of the experience."""
        value = self.market.product_value
        delivery.deliver(self.live, self.accounts, self.sup, value, self.keys(delivery.STREAMS),
                         self.cfg.market.behaviour)
        value[:] = product_value(value, self.sup.value_decay_per_month, self.sup.innovation_per_month)
        self.forget_reputation()

    def experience(self) -> None:
        """True satisfaction from memory, and the five-level answer a survey would see."""
        satisfaction.experience(self.live, self.accounts, self.list_prices(), self.month,
                                self.streams.key(satisfaction.STREAM, self.month), self.cfg.market.behaviour)

    # ---- 4. strategies and competitors -----------------------------------------------------------------------
    def strategies_act(self) -> None:
        """Competitors make offers and court salespeople; every supplier's retention strategy acts."""
        present = self.present()
        poaching.make_offers(self.accounts, self.sup, present, self.streams, self.month, self.n_entered)
        poaching.court(self.reps, self.sup, present, self.streams, self.month)
        self.accounts.reset_terms()
        acted = [s.retain(self.market) for s in self.suppliers]
        self.recorder.strategy_cost(np.array([sum(cost for cost, _ in a) for a in acted]), acted[0])
        self.forget_reputation()  # strategies may change remembered experience and product value

    def threats(self) -> None:
        """Key accounts threaten to leave for special terms; their supplier concedes (a discount) or refuses."""
        acc = self.accounts
        outcome = threats.negotiate(self.live, acc, self.sup.p_concede, self.month, self.keys(threats.STREAMS),
                                    self.cfg.market.threats)
        for col, slots in enumerate(outcome):  # conceded, refused
            self.threat_outcomes[:, col] += np.bincount(acc.supplier[slots], minlength=self.n_suppliers)

    # ---- 5. sales force --------------------------------------------------------------------------------------
    def sales_force(self) -> None:
        """Morale moves with last month's churn; salespeople quit, some to competitors, pulling their accounts."""
        u = (self.streams.uniform(stream, self.month, len(self.reps)) for stream in salesforce.STREAMS)
        quits = salesforce.turnover(self.live, self.accounts, self.reps, self.market.morale_target, self.present(),
                                    *u, self.cfg.market.salesforce)
        self.recorder.rep_moves(quits.person, quits.employer, quits.to, quits.poached)

    # ---- 6. decisions ----------------------------------------------------------------------------------------
    def decisions(self) -> None:
        """Accounts whose triggers fire consider leaving and choose a supplier; switches and wallet shifts apply."""
        acc, b = self.accounts, self.cfg.market.behaviour
        slots, chosen, reason = decide_reference(self) if self.reference else decide(
            self.live, acc, self.month, self.keys(choice.STREAMS), self.list_prices(), self.reputation(),
            self.sup.brand, self.present(), b)
        away = chosen != acc.supplier[slots]  # chose another supplier (not its main one, ranked first again)
        chose, left_main = slots[away], acc.supplier[slots[away]]
        slots, chosen, reason = wallets.reconsider(self, slots, chosen, reason)  # those whose main one changes
        left = acc.supplier[slots].copy()
        self.recorder.departures(slots, left, chosen, reason)
        self.reps.note_departures(acc.rep[slots])
        self.recorder.acquisitions(slots, left, chosen)
        self.switch(slots, chosen)
        wallets.adjust(self)
        contagion.spread(acc.exposure, b.contagion_decay_per_month, self.network, chose, left_main, acc.supplier,
                         acc.status == ACTIVE)

    # ---- 7. money ----------------------------------------------------------------------------------------------
    def money(self) -> None:
        """Revenue, costs and profit of every supplier this month."""
        sup = self.sup
        taken = revenue(self.live, self.accounts, self.list_prices(), self.month, self.n_suppliers,
                        len(self.plan.components), FocalCosts.of(sup, self.cfg.market))
        ledger = ledger_of(taken, sup.unit_cost, sup.cost_to_serve, self.recorder.acquired_by_tier(),
                           sup.acquisition_cost_multiple, self.recorder.month_strategy_cost)
        self.recorder.concessions(taken.conceded_by_component)
        self.recorder.end_month(ledger, self.live, taken)

    def end_month(self) -> None:
        """Relationships grow (and accounts develop), a departed salesperson's pull fades, this month's flags clear."""
        relationships.grow(self.live, self.accounts, self.sup.relationship_selling, self.n_entered,
                           self.cfg.market.behaviour)
        economics.develop(self.live, self.accounts, self.month, self.cfg.market.economics)
        self.accounts.rep_left[:] = False
        self.reps.tenure_months += 1
        self.month += 1

