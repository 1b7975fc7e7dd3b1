"""Contracts with exit penalties (DESIGN §3.5: raising switching costs).

Rule: each month a covered account with no contract in force accepts the firm's contract with ``p_accept_per_month``
(one whose contract just ended and who stayed renews with ``p_renew`` instead). A contract runs ``term_months``,
gives ``discount`` off the list price, and leaving before its last month costs ``exit_penalty_months`` of revenue,
a financial switching cost in the choice. Its last month is a renewal moment: the account considers leaving
(trigger ``trigger_contract_end``) and may walk away free.
Cost: ``cost_per_action`` per contract signed (administration), plus the common costs, plus the discount: the
revenue it gives up while the contract runs (``concessions_keur``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.core.config import ConfigError, RunConfig, _num, _p
from churnsim.strategies.base import Component
from churnsim.strategies.market import Market
from churnsim.strategies.registry import register

__all__ = ["Contracts"]


@register
@dataclass
class Contracts(Component):
    kind = "contracts"
    ACTIONS = {"action": "contracts_signed"}
    term_months: int = _num(24, 1, doc="length of a contract")
    exit_penalty_months: float = _num(3.0, 0.0, doc="penalty for leaving in term, months of revenue")
    discount: float = _p(0.02, doc="share off list price while under contract")
    p_accept_per_month: float = _p(0.10, doc="chance per month an account without a contract signs one")
    p_renew: float = _p(0.8, doc="chance an account whose contract just ended renews")
    cost_per_action: float = _num(0.2, 0.0, doc="k€ per contract signed")

    def check(self, where: str, cfg: RunConfig) -> None:
        """Contracts that are never renewed (``p_renew`` 0) must be able to end within the run.

        Otherwise no account ever reaches the end of its term, and the run shows a lifelong lock-in instead of the
        one-term contracts the config asks for.
        """
        first_month, months = max(cfg.strategy.start_month, -cfg.burn_in_months), cfg.months  # when it acts
        longest = months - first_month - 1  # signed in the strategy's first month, it ends before the last month
        if self.p_renew == 0 and self.term_months > longest:
            raise ConfigError(f"{where}.term_months = {self.term_months}: with p_renew = 0 (no renewal) a contract "
                              f"must end within the run: must be ≤ {longest} (months {first_month}..{months - 1}), "
                              "or give p_renew > 0")

    def apply(self, market: Market, owner: int, covered: np.ndarray) -> dict[str, int]:
        acc, month = market.accounts, market.month
        free = covered & (acc.contract_end < month)
        p = np.where(acc.contract_end == month - 1, self.p_renew, self.p_accept_per_month)
        signs = free & (self.uniform(market, "sign") < p)
        market.sign_contracts(signs, month + self.term_months - 1, self.exit_penalty_months, self.discount)
        return {"action": int(signs.sum())}
