"""Step 6 of the month (DESIGN §3.3): accounts whose triggers fire consider leaving and choose a supplier.

:class:`DecisionStep` is the part of :class:`~churnsim.model.MarketModel` that decides and applies switches. It
gathers what the decision rule reads in one place (:meth:`consideration`, :meth:`choice_set`), so that the
vectorised rule (:mod:`churnsim.mechanisms.choice`) and the per-account reference rule (:mod:`churnsim.reference`)
read the same arrays and the same random draws.
"""

from __future__ import annotations

import numpy as np

from churnsim import kernels as compiled
from churnsim.accounts import ACTIVE
from churnsim.agents import AccountAgent
from churnsim.mechanisms import contagion
from churnsim.mechanisms.choice import ChoiceSet, choose, consideration_probability, main_reason, value_components

__all__ = ["DecisionStep"]


class DecisionStep:
    """Mixin of :class:`~churnsim.model.MarketModel`: the decision step and the inputs of the decision rule."""

    def decisions(self) -> None:
        """Accounts whose triggers fire consider leaving and choose a supplier; switches are applied."""
        acc = self.accounts
        slots, chosen, reason = self.decide_reference() if self.reference else self.decide_vectorised()
        left = acc.supplier[slots].copy()
        self.recorder.departures(slots, left, chosen, reason)
        self.note_rep_departures(slots)
        self.recorder.acquisitions(slots, left, chosen)
        acc.n_switches[slots] += self.month >= 0
        acc.left_supplier[slots] = left
        acc.left_month[slots] = self.month
        self._join(slots, chosen)
        b = self.cfg.market.behaviour
        contagion.spread(acc.exposure, b.contagion_decay_per_month, self.network, slots, left, acc.supplier,
                         acc.status == ACTIVE)

    def _deciders(self) -> np.ndarray:
        """Accounts that may decide this month: active, and not just arrived."""
        return self.accounts.active() & (self.accounts.since_month < self.month)

    def consideration(self, slots: np.ndarray) -> np.ndarray:
        """Chance that each of ``slots`` considers leaving this month (what the reference path recomputes)."""
        acc, b = self.accounts, self.cfg.market.behaviour
        tenure = self.month - acc.since_month[slots]
        return consideration_probability(
            acc.propensity[slots].astype(np.float64), acc.satisfaction[slots].astype(np.float64),
            acc.contract_end[slots] == self.month,
            (acc.offer_from[slots] >= 0) & (acc.offer_from[slots] != acc.supplier[slots]), acc.rep_left[slots],
            acc.wake_hazard[slots].astype(np.float64), acc.threat_refused[slots],
            contagion.hazard_multiplier(acc.exposure[slots].astype(np.float64), tenure,
                                        b.contagion_hr_per_contact, b.contagion_tenure_damping), b)

    def choice_set(self, slots: np.ndarray) -> ChoiceSet:
        """What the considering accounts ``slots`` know when they choose."""
        acc = self.accounts
        return ChoiceSet(
            incumbent=acc.supplier[slots].astype(np.int64), taste=acc.taste[slots], memory=acc.mem[slots],
            price_paid=self.price_paid(slots), offer_from=acc.offer_from[slots].astype(np.int64),
            offer_discount=acc.offer_discount[slots],
            relationship=acc.rc_firm[slots].astype(np.float64) + acc.rc_rep[slots],
            pull_supplier=acc.pull_supplier[slots].astype(np.int64), pull=acc.pull[slots],
            money_lost_months=acc.money_lost_months(slots, self.month))

    def considering(self) -> np.ndarray:
        """The deciders that consider leaving this month (slots, in order)."""
        acc, b = self.accounts, self.cfg.market.behaviour
        if not self.kernels:
            deciders = np.flatnonzero(self._deciders())
            return deciders[self.draws_at("decision.consider", deciders) < self.consideration(deciders)]
        n = len(self.live)
        deciders, triggers, contagion_log = np.empty(n, np.int64), np.empty(n), np.empty(n)
        m = compiled.consideration_terms(
            self.live, acc.since_month, self.month, acc.propensity, acc.satisfaction, acc.contract_end,
            acc.offer_from, acc.supplier, acc.rep_left, acc.wake_hazard, acc.threat_refused, acc.exposure,
            b.consider_base_per_month, b.trigger_contract_end, b.trigger_offer, b.trigger_dissatisfaction,
            b.trigger_rep_left, b.trigger_threat_refused, np.log(b.contagion_hr_per_contact),
            b.contagion_tenure_damping, b.delight_threshold, b.delight_hazard_ratio, deciders, triggers, contagion_log)
        deciders = deciders[:m]
        chance = -np.expm1(triggers[:m] * np.exp(contagion_log[:m]))  # as consideration_probability computes it
        return compiled.below(deciders, self.key("decision.consider"), chance)

    def decide_vectorised(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The decision rule over arrays: (switching slots, chosen supplier, reason code).

        Only the few accounts that consider leaving get a choice set: the rest stay without further work.
        """
        considering = self.considering()
        cs = self.choice_set(considering)
        comps = value_components(cs, self.list_prices(), self.reputation(), self._sup["brand"],
                                 self.cfg.market.behaviour)
        chosen = choose(comps.sum(axis=2), self.draws_at("decision.choice", considering), self.present())
        switched = chosen != cs.incumbent
        reason = main_reason(comps[switched], chosen[switched], cs.incumbent[switched])
        return considering[switched], chosen[switched], reason

    def decide_reference(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The same, one account at a time: each decider's Mesa view runs :meth:`AccountAgent.step`."""
        acc = self.accounts
        self.decision_buffer = {}
        self.reference_draws = (self.uniform("decision.consider"), self.uniform("decision.choice"))
        for i in np.flatnonzero(self._deciders()):
            self.account(int(i))
        if AccountAgent in self.agents_by_type:
            views = self.agents_by_type[AccountAgent]
            views.do("step")
            views.do("remove")
        slots = np.array(sorted(self.decision_buffer), dtype=np.int64)
        chosen = np.array([self.decision_buffer[i][1] for i in slots], dtype=np.int64)
        reason = np.array([self.decision_buffer[i][2] for i in slots], dtype=np.int8)
        switched = chosen != acc.supplier[slots]
        return slots[switched], chosen[switched], reason[switched]
