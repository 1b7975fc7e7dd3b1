"""The market model: wiring. Its ``step`` is one month, in the order of DESIGN §3.3.

State lives in the account table (numpy arrays) and the rep table; suppliers are Mesa agents. Each step calls the
mechanisms (pure functions in :mod:`churnsim.mechanisms`) on those arrays, in order, and hands what happened to
the :class:`~churnsim.recorder.Recorder`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import mesa
import numpy as np

from churnsim import kernels as compiled
from churnsim.accounts import ACTIVE, EXITED, NO_CONTRACT
from churnsim.agents import AccountAgent, Salesperson, Supplier
from churnsim.config import RunConfig, validate
from churnsim.decisions import DecisionStep
from churnsim.mechanisms import channel_conflict, environment, parallel_trading, poaching, salesforce, threats
from churnsim.mechanisms.choice import ChoiceSet, choose, value_components
from churnsim.mechanisms.delivery import deliver
from churnsim.mechanisms.innovation import product_value
from churnsim.mechanisms.money import ledger_of, monthly_ledger
from churnsim.mechanisms.satisfaction import remember, reported_level, satisfaction
from churnsim.population import initial_market, rep_slot
from churnsim.reasons import code
from churnsim.recorder import Recorder, TableSink
from churnsim.rng import NORMAL_TABLE, RandomStreams, run_seed
from churnsim.strategies import build_components

__all__ = ["MarketModel", "RunResult", "simulate"]

logging.getLogger("MESA").setLevel(logging.WARNING)


@dataclass
class RunResult:
    """What a run produced: tidy tables (as declared in :mod:`churnsim.schemas`) and the focal summary."""

    tables: dict
    summary: dict
    run_seed: int


class MarketModel(DecisionStep, mesa.Model):
    """A B2B market of accounts, suppliers and salespeople, one step per month.

    Args:
        cfg: a validated run configuration.
        reference: decide account by account through :meth:`AccountAgent.step` (slow; for checking).
        kernels: run the monthly per-account loops compiled (:mod:`churnsim.kernels`) or as numpy array
            operations; the results are identical. By default compiled unless ``CHURNSIM_KERNELS=0``.
    """

    def __init__(self, cfg: RunConfig, reference: bool = False, kernels: bool | None = None):
        seed = run_seed(cfg.seed, cfg.replicate)
        super().__init__(rng=seed)
        self.cfg, self.reference, self.run_seed = cfg, reference, seed
        self.kernels = compiled.wanted(kernels)
        self.streams = RandomStreams(seed)
        self.month = -cfg.burn_in_months
        rivals = cfg.competitors.rivals
        self.suppliers = [Supplier(self, 0, cfg.market.focal, build_components(cfg.strategy.components),
                                   cfg.strategy.start_month)]
        self.suppliers += [Supplier(self, k + 1, r, []) for k, r in enumerate(rivals)]
        self.accounts, self.reps, self.network, self._rep_offset, self._n_reps = initial_market(
            cfg, self.streams, self.month)
        self.n_suppliers = len(self.suppliers)
        self._n_initial = cfg.n_accounts
        self.n_entered = self._entered_by(self.month)
        self.live = np.flatnonzero(self.accounts.active())  # active slots, ascending (statuses change in environment)
        self._expectation = np.asarray(cfg.market.behaviour.expectation, dtype=np.float32)
        self._cutpoints = np.asarray(cfg.market.behaviour.report_cutpoints, dtype=np.float32)
        self._sup = {name: np.array([getattr(s.cfg, name) for s in self.suppliers], dtype=np.float64) for name in
                     ("quality", "p_quality_incident", "service_level", "logistics_reliability", "brand",
                      "value_decay_per_month", "innovation_per_month", "cogs_share", "acquisition_cost_multiple",
                      "relationship_selling", "p_concede", "channel_margin_hit")}
        self._sup.update({f"poach_{name}": np.array([getattr(s.cfg.poaching, name) for s in self.suppliers])
                          for name in ("offer_rate_per_month", "offer_discount", "target_size_exponent",
                                       "target_unhappiness", "rep_court_rate_per_month")})
        self._cost_to_serve = np.array([s.cfg.cost_to_serve_per_month for s in self.suppliers], dtype=np.float64)
        names = [s.name for s in self.suppliers]
        self._channel_owner = np.array([names.index(s.cfg.channel_owner) if s.cfg.channel_owner else -1
                                        for s in self.suppliers])
        self.trading_age = np.zeros((cfg.market.accounts.n_regions, self.n_suppliers), dtype=np.int32)
        self.trading_log: list[tuple[int, int, int, str]] = []  # (month, region, supplier, "start" | "stopped")
        self.threat_outcomes = np.zeros((self.n_suppliers, 2), dtype=np.int64)  # per supplier: conceded, refused
        self._rep_departures = np.zeros(len(self.reps.employer))
        self._next_person = len(self.reps.employer)
        self.decision_buffer: dict[int, tuple[bool, int, int]] = {}
        self._reputation: np.ndarray | None = None
        self.recorder = Recorder(self)

    # ---- the month -------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One month, in the order of DESIGN §3.3."""
        self.recorder.begin_month()
        self.environment()  # 1. uncontrollable events; new accounts enter
        self.channel_conflict()  # 1. parallel trading and own direct channels squeeze dealers' margins
        self.delivery()  # 2. incidents, deliveries, complaints
        self.experience()  # 3. satisfaction
        self.strategies_act()  # 4. competitors' offers; retention strategies
        self.threats()  # 4. key accounts threaten to leave for special terms
        self.sales_force()  # 5. morale, quits
        self.decisions()  # 6. consider, choose, switch
        self.money()  # 7. revenue, costs, profit
        self.end_month()

    def run(self, sink: TableSink | None = None) -> RunResult:
        """Burn in, then simulate the reported months; return the tables and summary.

        Args:
            sink: where the tables go as they are recorded (say a :class:`churnsim.outputs.RunWriter`); the result
                then holds none. By default they are kept and returned.
        """
        if sink is not None:
            self.recorder.write_to(sink)
        while self.month < self.cfg.months:
            self.step()
        return RunResult(self.recorder.tables(), self.recorder.summary(), self.run_seed)

    # ---- helpers ---------------------------------------------------------------------------------------------
    def _entered_by(self, month: int) -> int:
        """Slots entered by ``month``: the initial accounts, then entrants in slot order (see AccountTable)."""
        later = self.accounts.entry_month[self._n_initial:]
        return self._n_initial + int(np.searchsorted(later, month, side="right"))

    def draws(self, stream: str) -> np.ndarray:
        """This month's uniforms of ``stream`` for the slots entered so far: element ``i`` is slot ``i``'s."""
        return self.streams.uniform(stream, self.month, self.n_entered)

    def draws_of(self, *streams: str) -> list[np.ndarray]:
        return [self.draws(stream) for stream in streams]

    def draws_at(self, stream: str, slots: np.ndarray) -> np.ndarray:
        """``draws(stream)[slots]``, drawing for ``slots`` only."""
        return self.streams.uniform_at(stream, self.month, slots)

    def key(self, stream: str) -> np.uint64:
        """The key of this month's draws of ``stream``, for a kernel that draws as it goes (:mod:`churnsim.rng`)."""
        return self.streams.key(stream, self.month)

    def uniform(self, stream: str) -> np.ndarray:
        """This month's uniforms of ``stream``, one per account slot (NaN for slots not yet entered)."""
        out = np.full(self.accounts.capacity, np.nan)
        out[: self.n_entered] = self.draws(stream)
        return out

    def list_prices(self) -> np.ndarray:
        return np.array([s.list_price(self.month) for s in self.suppliers])

    def present(self) -> np.ndarray:
        """(K,) which suppliers are in the market this month (a new entrant is not before it enters)."""
        return np.array([s.present(self.month) for s in self.suppliers])

    def revenue(self, slots: np.ndarray) -> np.ndarray:
        """This month's revenue (k€) of account ``slots``: volume at their supplier's price after discounts."""
        acc = self.accounts
        return acc.volume[slots] * self.list_prices()[acc.supplier[slots]] * (1 - acc.price_discount(slots, self.month))

    def price_paid(self, slots: np.ndarray) -> np.ndarray:
        """Price ``slots`` pay their supplier after discounts, plus the margin they lose this month: value for money."""
        acc = self.accounts
        return (self.list_prices()[acc.supplier[slots]] * (1 - acc.price_discount(slots, self.month))
                + acc.margin_hit[slots])

    def reputation(self) -> np.ndarray:
        """(K, 3) mean remembered quality, service, logistics of each supplier's customers (word of mouth).

        Kept until something it depends on changes: remembered experience, who serves whom, product value. The
        steps that change them call :meth:`forget_reputation`.
        """
        if self._reputation is None:
            self._reputation = self._compute_reputation()
        return self._reputation

    def forget_reputation(self) -> None:
        self._reputation = None

    def _compute_reputation(self) -> np.ndarray:
        acc = self.accounts
        if self.kernels:
            n, total = compiled.memory_totals(self.live, acc.supplier, acc.mem, self.n_suppliers)
        else:
            idx = np.flatnonzero(acc.active())
            s = acc.supplier[idx]
            n = np.bincount(s, minlength=self.n_suppliers).astype(np.float64)
            total = np.stack([np.bincount(s, weights=acc.mem[idx, c], minlength=self.n_suppliers)
                              for c in range(3)], 1)
        nominal = np.stack([self._sup["quality"] * np.array([x.product_value for x in self.suppliers]),
                            1.0 / (1.0 + self._sup["p_quality_incident"]), self._sup["logistics_reliability"]], 1)
        return np.where(n[:, None] > 0, total / np.maximum(n, 1)[:, None], nominal)

    def account(self, slot: int) -> AccountAgent:
        """A Mesa agent view of account slot ``slot`` (remove it with ``.remove()`` when done)."""
        return AccountAgent(self, slot)

    def salesperson(self, slot: int) -> Salesperson:
        return Salesperson(self, slot)

    # ---- 1. environment --------------------------------------------------------------------------------------
    def environment(self) -> None:
        """Uncontrollable exits and contractions, then new accounts entering the market."""
        acc = self.accounts
        self.n_entered = self._entered_by(self.month)
        env, streams = self.cfg.market.environment, ("environment.event", "environment.contraction")
        if self.kernels:
            n = len(self.live)
            gone, reason, staying = np.empty(n, np.int64), np.empty(n, np.int8), np.empty(n, np.int64)
            m = compiled.uncontrollable_events(
                self.live, acc.volume, acc.size0, *map(self.key, streams),
                np.cumsum([env.p_closure, env.p_acquisition, env.p_upstream_integration]), environment.EXIT_CODES,
                env.p_contraction, env.contraction_factor, env.contraction_exit_share, code("contraction"), gone,
                reason, staying)
            gone, reason, self.live = gone[:m], reason[:m], staying[: n - m]
        else:
            n = self.n_entered
            exits, reason = environment.uncontrollable_events(acc.active()[:n], acc.volume[:n], acc.size0[:n],
                                                              *self.draws_of(*streams), env)
            gone = np.flatnonzero(exits)
            reason = reason[gone]
            self.live = self.live[~exits[self.live]]
        acc.status[gone] = EXITED
        acc.exit_month[gone] = self.month
        acc.exit_reason[gone] = reason
        self.recorder.departures(gone, acc.supplier[gone], -1, reason)
        self.note_rep_departures(gone)
        self.forget_reputation()
        # the entrants scheduled this month: the slots entered since last month (the initial accounts, placed by
        # initial_market, are not entrants, even those whose history starts this month)
        self._enter(np.arange(self._entered_by(self.month - 1), self.n_entered))

    def _enter(self, slots: np.ndarray) -> None:
        acc = self.accounts
        if len(slots) == 0:
            return
        none = np.full(len(slots), -1)
        cs = ChoiceSet(incumbent=none, taste=acc.taste[slots], memory=acc.mem[slots],
                       price_paid=np.ones(len(slots)), offer_from=none, offer_discount=np.zeros(len(slots)),
                       relationship=np.zeros(len(slots)), pull_supplier=none, pull=np.zeros(len(slots)),
                       money_lost_months=np.zeros(len(slots)))
        comps = value_components(cs, self.list_prices(), self.reputation(), self._sup["brand"],
                                 self.cfg.market.behaviour)
        chosen = choose(comps.sum(axis=2), self.draws_at("entry.choice", slots), self.present())
        acc.status[slots] = ACTIVE
        self.live = np.concatenate([self.live, slots])  # entrants take the slots after every slot entered before
        acc.first_supplier[slots] = chosen
        self._join(slots, chosen)
        self.recorder.acquisitions(slots, -1, chosen)

    def _join(self, slots: np.ndarray, to: np.ndarray) -> None:
        """Start a relationship of accounts ``slots`` with suppliers ``to``."""
        acc = self.accounts
        acc.supplier[slots] = to
        acc.since_month[slots] = self.month
        acc.rep[slots] = rep_slot(slots, to, self._rep_offset, self._n_reps)
        acc.mem[slots] = self.reputation()[to]
        acc.contract_end[slots] = NO_CONTRACT
        acc.exit_penalty_months[slots] = 0
        acc.contract_discount[slots] = 0
        acc.promo_end[slots] = NO_CONTRACT
        acc.margin_hit[slots] = 0
        acc.bundle_months[slots] = 0
        acc.points_months[slots] = 0
        acc.discount[slots] = np.where(acc.offer_from[slots] == to, acc.offer_discount[slots], 0)
        acc.complaint_weight[slots] = 0
        acc.rc_firm[slots] = 0
        acc.rc_rep[slots] = np.where(acc.pull_supplier[slots] == to, acc.pull[slots], 0)
        acc.pull_supplier[slots] = -1
        acc.pull[slots] = 0
        acc.exposure[slots] = 0
        acc.at_risk[slots] = False
        self.forget_reputation()

    def channel_conflict(self) -> None:
        """Margins squeezed: parallel-trading episodes start and run; the accounts they hit lose margin this month.

        So do the accounts of a supplier whose own direct channel undercuts its dealers.
        """
        acc, pt, present = self.accounts, self.cfg.market.parallel_trading, self.present()
        u = self.streams.generator("parallel_trading.start", self.month).random(self.trading_age.shape)
        age = parallel_trading.advance(self.trading_age, u, pt.p_start_per_region_month, pt.max_months, present)
        self.trading_log += [(self.month, int(r), int(k), "start") for r, k in np.argwhere(age == 1)]
        self.trading_age = age
        if not (age.any() or (self._channel_owner >= 0).any()):  # the usual case: nothing to compute
            acc.margin_hit[:] = 0
            return
        supplier = np.where(acc.active(), acc.supplier, -1)
        acc.margin_hit[:] = (parallel_trading.margin_hit(age, acc.region, supplier, pt.margin_hit)
                             + channel_conflict.margin_hit(supplier, self._channel_owner,
                                                           self._sup["channel_margin_hit"], present))

    def stop_parallel_trading(self, supplier: int, regions: np.ndarray) -> int:
        """End ``supplier``'s running parallel-trading episodes in ``regions`` (a mask); return how many ended."""
        stopped = np.flatnonzero(regions & (self.trading_age[:, supplier] > 0))
        self.trading_age[stopped, supplier] = 0
        self.trading_log += [(self.month, int(r), supplier, "stopped") for r in stopped]
        return len(stopped)

    # ---- 2. delivery, 3. experience --------------------------------------------------------------------------
    def delivery(self) -> None:
        """Quality incidents, late deliveries, service requests and complaints; memory of the experience."""
        acc, b, sup = self.accounts, self.cfg.market.behaviour, self._sup
        value = np.array([x.product_value for x in self.suppliers])
        streams = [f"delivery.{name}" for name in ("quality", "logistics", "request", "resolve")]
        if self.kernels:
            compiled.deliver_and_remember(
                self.live, acc.supplier, sup["quality"] * value, sup["p_quality_incident"],
                sup["logistics_reliability"], sup["service_level"], acc.quality_bonus, acc.incident_factor,
                acc.logistics_boost, acc.service_boost, acc.complaint_weight, acc.mem, b.p_service_request,
                b.complaint_escalation, b.satisfaction_memory, *map(self.key, streams))
        else:
            idx = np.flatnonzero(acc.active())
            s = acc.supplier[idx]
            experience, acc.complaint_weight[idx] = deliver(
                np.minimum(1, (sup["quality"] * value)[s] + acc.quality_bonus[idx]).astype(np.float32),
                sup["p_quality_incident"][s] * acc.incident_factor[idx],
                np.minimum(1, sup["logistics_reliability"][s] + acc.logistics_boost[idx]),
                np.minimum(1, sup["service_level"][s] + acc.service_boost[idx]), acc.complaint_weight[idx],
                b.p_service_request, b.complaint_escalation, *(self.draws_at(name, idx) for name in streams))
            acc.mem[idx] = remember(acc.mem[idx], experience, b.satisfaction_memory)
        for supplier, v in zip(self.suppliers, product_value(value, sup["value_decay_per_month"],
                                                             sup["innovation_per_month"]), strict=False):
            supplier.product_value = float(v)
        self.forget_reputation()

    def experience(self) -> None:
        """True satisfaction from memory, and the five-level answer a survey would see."""
        acc, b = self.accounts, self.cfg.market.behaviour
        if self.kernels:
            compiled.experience(
                self.live, acc.mem, acc.taste, self._expectation, self.list_prices(), acc.supplier,
                acc.discount, acc.contract_end, acc.contract_discount, acc.promo_end, acc.promo_discount,
                acc.margin_hit, self.month, self.key("satisfaction.report"), NORMAL_TABLE, b.report_noise_sd,
                self._cutpoints, acc.satisfaction, acc.reported)
            return
        idx = np.flatnonzero(acc.active())
        noise = self.streams.normal_at("satisfaction.report", self.month, idx)
        acc.satisfaction[idx] = satisfaction(acc.mem[idx], acc.taste[idx], self._expectation, self.price_paid(idx))
        acc.reported[idx] = reported_level(acc.satisfaction[idx], b.report_noise_sd * noise, self._cutpoints)

    # ---- 4. strategies and competitors -----------------------------------------------------------------------
    def strategies_act(self) -> None:
        """Competitors make offers and court salespeople; every supplier's retention strategy acts."""
        acc, sup, present = self.accounts, self._sup, self.present()
        rate = sup["poach_offer_rate_per_month"] * present
        if (rate > 0).any():  # passive rivals make no offers (and need no draws)
            acc.offer_from[:] = poaching.target_offers(
                acc.supplier, acc.active(), acc.volume, acc.reported, rate, sup["poach_target_size_exponent"],
                sup["poach_target_unhappiness"], *self.draws_of("poaching.offer", "poaching.offer_pick"))
            acc.offer_discount[:] = np.where(acc.offer_from >= 0, sup["poach_offer_discount"][acc.offer_from], 0)
        else:
            acc.offer_from[:], acc.offer_discount[:] = -1, 0
        n_reps, court = len(self.reps.employer), sup["poach_rep_court_rate_per_month"] * present
        self.reps.courted_by[:] = -1
        if (court > 0).any():
            courted_by = poaching.court_reps(self.reps.employer, court,
                                             self.streams.uniform("poaching.court", self.month, n_reps),
                                             self.streams.uniform("poaching.court_pick", self.month, n_reps))
            self.reps.courted_by[:] = np.where(present[self.reps.employer], courted_by, -1)  # entrants' reps idle
        acc.reset_terms()
        self.recorder.strategy_cost(np.array([s.retain() for s in self.suppliers]))
        self.forget_reputation()  # strategies may change remembered experience and product value

    def threats(self) -> None:
        """Key accounts threaten to leave for special terms; their supplier concedes (a discount) or refuses."""
        acc, cfg, month = self.accounts, self.cfg.market.threats, self.month
        candidates = (compiled.key_candidates(self.live, acc.tier, acc.promo_end, month, threats.KEY) if self.kernels
                      else threats.candidates(self.live, acc.tier, acc.promo_end, month))
        conceded, refused = threats.negotiate(
            candidates, acc.satisfaction, acc.supplier, self._sup["p_concede"],
            lambda slots: self.draws_at("threats.threat", slots), lambda slots: self.draws_at("threats.concede", slots),
            cfg)
        acc.promo_discount[conceded] = cfg.discount
        acc.promo_end[conceded] = month + cfg.months - 1
        acc.threat_refused[:] = False
        acc.threat_refused[refused] = True
        for col, slots in enumerate((conceded, refused)):
            self.threat_outcomes[:, col] += np.bincount(acc.supplier[slots], minlength=self.n_suppliers)

    # ---- 5. sales force --------------------------------------------------------------------------------------
    def sales_force(self) -> None:
        """Morale moves with last month's churn; salespeople quit, some to competitors, pulling their accounts."""
        acc, reps, sf = self.accounts, self.reps, self.cfg.market.salesforce
        n_reps = len(reps.employer)
        if self.kernels:
            book, share = compiled.books(self.live, acc.rep, acc.supplier, n_reps, self.n_suppliers)
            share = share.astype(np.float64)
        else:
            active = acc.active()
            book = np.bincount(acc.rep[active], minlength=n_reps)
            share = np.bincount(acc.supplier[active], minlength=self.n_suppliers).astype(np.float64)
        book = book + self._rep_departures
        churn_share = self._rep_departures / np.maximum(book, 1)
        target = np.array([s.morale_target for s in self.suppliers])[reps.employer]
        reps.morale[:] = salesforce.next_morale(reps.morale, churn_share, target, sf.morale_recovery_per_month,
                                                sf.morale_churn_sensitivity)
        quitting = salesforce.quits(reps.morale, reps.courted_by, self.streams.uniform("salesforce.quit", self.month,
                                                                                       n_reps),
                                    sf.quit_rate_per_year, sf.quit_morale_elasticity, sf.courted_quit_multiplier)
        quitting &= self.present()[reps.employer]  # an entrant's salespeople are idle until it enters
        dest = salesforce.destinations(quitting, reps.courted_by, reps.employer,
                                       self.streams.uniform("salesforce.destination", self.month, n_reps),
                                       sf.p_join_competitor, share)
        leavers = np.flatnonzero(quitting)
        self.recorder.rep_moves(reps.person[leavers], reps.employer[leavers], dest[leavers],
                                reps.courted_by[leavers] >= 0)
        if not len(leavers):
            affected = np.zeros(0, np.int64)
        elif self.kernels:
            affected = compiled.served_by(self.live, acc.rep, quitting)
        else:
            affected = self.live[quitting[acc.rep[self.live]]]
        new_employer = dest[acc.rep[affected]]
        moved = new_employer >= 0
        acc.pull_supplier[affected[moved]] = new_employer[moved]
        acc.pull[affected[moved]] = acc.rc_rep[affected[moved]]
        acc.rc_rep[affected] = 0
        acc.rep_left[affected] = True
        reps.person[leavers] = self._next_person + np.arange(len(leavers))
        self._next_person += len(leavers)
        reps.morale[leavers] = target[leavers]
        reps.tenure_months[leavers] = 0
        self._rep_departures[:] = 0

    # ---- 6. decisions: see churnsim.decisions.DecisionStep ---------------------------------------------------

    # ---- 7. money ----------------------------------------------------------------------------------------------
    def money(self) -> None:
        """Revenue, costs and profit of every supplier this month."""
        acc = self.accounts
        costs = (self._sup["cogs_share"], self._cost_to_serve, self.recorder.acquired_by_tier(),
                 self._sup["acquisition_cost_multiple"], self.recorder.month_strategy_cost)
        if self.kernels:
            idx, k = self.live, self.n_suppliers
            revenue, by_supplier, by_tier = np.empty(len(idx)), np.zeros(k), np.zeros((k, 3), np.int64)
            compiled.revenue(idx, acc.supplier, acc.tier, acc.volume, self.list_prices(), acc.discount,
                             acc.contract_end, acc.contract_discount, acc.promo_end, acc.promo_discount, self.month,
                             acc.revenue_total, acc.revenue_focal, revenue, by_supplier, by_tier)
            ledger = ledger_of(by_supplier, by_tier, *costs)
        else:
            idx = np.flatnonzero(acc.active())
            revenue = self.revenue(idx)
            s = acc.supplier[idx]
            if self.month >= 0:
                acc.revenue_total[idx] += revenue
                acc.revenue_focal[idx[s == 0]] += revenue[s == 0]
            ledger = monthly_ledger(s, acc.tier[idx], revenue, self.n_suppliers, *costs)
        self.recorder.end_month(ledger, idx, revenue)

    def end_month(self) -> None:
        """Relationships grow, a departed salesperson's pull fades, this month's flags clear.

        Relationship capital closes ``relationship_growth_per_month × relationship_selling`` of its supplier of the
        gap to full each month.
        """
        acc, b = self.accounts, self.cfg.market.behaviour
        if self.kernels:
            compiled.relationships_grow(self.live, acc.supplier, acc.rc_firm, acc.rc_rep,
                                        self._sup["relationship_selling"], b.relationship_growth_per_month,
                                        b.rep_owned_share)
            acc.pull[: self.n_entered] *= np.float32(1 - b.pull_decay_per_month)  # slots not yet entered hold none
        else:
            gap = 1 - acc.rc_firm - acc.rc_rep
            selling = self._sup["relationship_selling"].astype(np.float32)[acc.supplier]
            grow = np.float32(b.relationship_growth_per_month) * gap * acc.active() * selling
            acc.rc_firm += grow * np.float32(1 - b.rep_owned_share)
            acc.rc_rep += grow * np.float32(b.rep_owned_share)
            acc.pull *= np.float32(1 - b.pull_decay_per_month)
        acc.rep_left[:] = False
        self.reps.tenure_months += 1
        self.month += 1

    def note_rep_departures(self, slots: np.ndarray) -> None:
        """Count departures in each salesperson's book (they lower morale next month)."""
        np.add.at(self._rep_departures, self.accounts.rep[slots], 1)


def simulate(cfg: RunConfig, reference: bool = False, sink: TableSink | None = None) -> RunResult:
    """Validate ``cfg``, run one simulation and return its tables and summary.

    With ``sink`` (say a :class:`churnsim.outputs.RunWriter`), the tables named in ``cfg.output.tables`` go to it
    as they are recorded and the result holds none; else they are returned in memory.
    """
    return MarketModel(validate(cfg), reference=reference).run(sink)
