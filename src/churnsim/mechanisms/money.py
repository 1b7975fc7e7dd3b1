"""Money (DESIGN §3.3 step 7): revenue, cost of goods, cost to serve, strategy and acquisition costs, profit.

Rule, per supplier and month (k€): revenue is Σ volume × list price × (1 − account discount) over its accounts
(the discount: :mod:`~.pricing`; volume is in k€ at the market reference price); an account that buys from several
suppliers (:mod:`~.wallet`) buys each its share of its volume, its main supplier at its terms, the others at list
price, and costs each its share of its cost to serve;
cost of goods is ``unit_cost × Σ volume``: per unit delivered, so a discount, a rebate or a price cut lowers revenue
and never the cost of goods (the unit cost defaults to ``cogs_share × price``, the preset's margin at its own list
price); cost to serve is a fixed amount per account and month by tier (falling with tenure when
``market.economics`` says so, :mod:`~.economics`); winning an account costs
``acquisition_cost_multiple`` × its tier's annual cost to serve (about 5–6 × the cost of keeping it; Rosenberg &
Czepiel 1984); profit = revenue − cogs − cost to serve − strategy spending − acquisition cost.
The strategy's cost (``strategy_cost``) is its spending plus the revenue it concedes in discounts
(:func:`~.pricing.conceded`): the margin it gives up, in full, since a discount lowers revenue and not cost of
goods. Profit counts a concession once, in revenue.
Present value discounts month ``t`` by ``(1 + r) ** (−t / 12)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import prange

from churnsim.core.config import MarketConfig
from churnsim.core.jit import kernel, parallel_kernel
from churnsim.mechanisms.economics import serve_factor
from churnsim.mechanisms.pricing import conceded, share_off
from churnsim.mechanisms.wallet import is_on, main_share_of
from churnsim.state.accounts import AccountTable
from churnsim.state.suppliers import SupplierArrays

__all__ = ["FocalCosts", "Ledger", "Month", "discount_factor", "ledger_of", "revenue", "revenue_of"]

Ledger = dict[str, np.ndarray]


def revenue(live: np.ndarray, acc: AccountTable, list_price: np.ndarray, month: int, n_suppliers: int,
            n_components: int, focal_costs: FocalCosts) -> Month:
    """This month's revenue (k€) of the active slots ``live``, booked to the accounts' lifetime revenue and the focal
    firm's accounts' margin, and what the focal firm's strategy conceded in discounts (:func:`~.pricing.conceded`).
    With a cost to serve falling with tenure (:mod:`~.economics`), also every supplier's cost to serve (k€).
    """
    out, given, margin, serve, by = (np.empty(len(live)), np.empty(len(live)), np.empty(len(live)),
                                     np.empty(len(live)), np.empty(len(live), np.int8))
    wallets = focal_costs.wallets
    other, focal, held = np.zeros((len(live) if wallets else 0, 2)), np.empty(len(live)), np.empty(len(live), np.bool_)
    present = float(discount_factor(month, focal_costs.discount_rate_per_year))
    f = focal_costs
    _revenue(live, acc.supplier, acc.tier, acc.volume, list_price, acc.discount, acc.discount_by, acc.contract_end,
             acc.contract_discount, acc.contract_by, acc.promo_end, acc.promo_discount, acc.promo_by,
             acc.match_discount, acc.match_by, month, f.unit_cost, f.cost_to_serve, present, acc.since_month,
             f.serve_decline_per_year, f.serve_floor, wallets, acc.others, acc.other_share, acc.revenue_total,
             acc.revenue_focal, acc.margin_focal_npv, out, given, margin, serve, by, other, focal, held)
    totals = _totals(live, acc.supplier, acc.tier, acc.volume, wallets, acc.others, acc.other_share, out, other, given,
                     by, n_suppliers, n_components)
    served = None
    if f.serve_decline_per_year or f.wallets:  # else a tier's cost × its accounts (ledger_of), as before to the bit
        served = _served(live, acc.supplier, acc.tier, acc.others, acc.other_share, serve, f.all_cost_to_serve,
                         n_suppliers)
    return Month(out, given, margin, focal, held, *totals, served)


@dataclass(frozen=True)
class FocalCosts:
    """What an account's margin to the focal firm is net of: cost of goods per unit of volume, cost to serve by tier
    (k€ per account-month), and the rate its present value is discounted at."""

    unit_cost: float
    cost_to_serve: np.ndarray  # (3,)
    discount_rate_per_year: float
    all_cost_to_serve: np.ndarray | None = None  # (K, 3) every supplier's, when it falls with tenure
    serve_decline_per_year: float = 0.0  # market.economics (mechanisms/economics.py)
    serve_floor: float = 1.0
    wallets: bool = False  # accounts may buy from several suppliers (mechanisms/wallet.py)

    @classmethod
    def of(cls, sup: SupplierArrays, market: MarketConfig) -> FocalCosts:
        """The focal firm's costs in ``market``, with every supplier's cost to serve when it falls with tenure."""
        econ = market.economics
        return cls(float(sup.unit_cost[0]), sup.cost_to_serve[0], market.discount_rate_per_year, sup.cost_to_serve,
                   econ.cost_to_serve_decline_per_year, econ.cost_to_serve_floor, is_on(market.wallet))


@dataclass(frozen=True)
class Month:
    """One month's takings: per slot of ``live``, then per supplier (K,) and per component of the focal strategy."""

    paid: np.ndarray  # revenue of each active slot to its main supplier (k€)
    given: np.ndarray  # revenue each active slot's discounts conceded by the strategy (k€; 0: none)
    margin: np.ndarray  # each active slot's margin to the focal firm (k€; 0 for an account it sells nothing)
    focal: np.ndarray  # revenue of each active slot to the focal firm (k€; 0 for an account it sells nothing)
    held: np.ndarray  # bool, whether the focal firm sells to each active slot (as its main supplier or another)
    revenue: np.ndarray  # (K,) k€
    volume: np.ndarray  # (K,) volume delivered, k€ at the reference price
    wallets: np.ndarray  # (K,) the volume its accounts buy from every supplier, k€ at the reference price
    by_tier: np.ndarray  # (K, 3) accounts it sells to, by tier
    concessions: np.ndarray  # (K,) k€ of revenue given up to discounts the supplier's strategy granted
    conceded_by_component: np.ndarray  # (n_components,) k€, the focal firm's by component
    cost_to_serve: np.ndarray | None = None  # (K,) k€, when it falls with tenure (else from by_tier)


def revenue_of(acc: AccountTable, slots: np.ndarray, list_price: np.ndarray, month: int) -> np.ndarray:
    """This month's revenue (k€) of ``slots``, booking nothing (what a loyalty reward is a share of)."""
    out = np.empty(len(slots))
    _revenue_at(np.asarray(slots, dtype=np.int64), acc.supplier, acc.volume, acc.other_share, list_price,
                acc.discount, acc.contract_end, acc.contract_discount, acc.promo_end, acc.promo_discount,
                acc.match_discount, month, out)
    return out


@kernel
def _revenue_at(slots, supplier, volume, other_share, list_price, discount, contract_end, contract_discount, promo_end,
                promo_discount, match_discount, month, out):
    """Fills ``out`` with the revenue of ``slots`` (booking nothing)."""
    for j in range(len(slots)):
        i = slots[j]
        off = share_off(i, month, discount, contract_end, contract_discount, promo_end, promo_discount,
                        match_discount)
        out[j] = np.float64(volume[i]) * list_price[supplier[i]] * main_share_of(i, other_share) * (1 - off)


@parallel_kernel
def _revenue(live, supplier, tier, volume, list_price, discount, discount_by, contract_end, contract_discount,
             contract_by, promo_end, promo_discount, promo_by, match_discount, match_by, month, unit_cost,
             cost_to_serve, present, since_month, serve_decline, serve_floor, wallets, others, other_share,
             revenue_total, revenue_focal, margin_focal_npv, out, given, margin, serve, by, other, focal, held):
    """Fills ``out`` (revenue), ``given`` (revenue conceded by the strategy: volume × list price × the share it
    concedes) and ``by`` (the component that conceded it, -1 none); in a reported month (≥ 0) adds the revenue to
    ``revenue_total`` and, with the focal firm (0), to ``revenue_focal``, and its margin (``margin``: revenue −
    ``unit_cost`` × volume − ``cost_to_serve`` of its tier × the share its tenure leaves, ``serve``) × ``present``
    to ``margin_focal_npv``. With several suppliers (:mod:`~.wallet`) each has its share of the volume: the main
    one at its terms, the others (``other``: their revenue) at list price; ``focal`` is the focal firm's revenue,
    ``margin`` its margin, in whichever place it is."""
    for j in prange(len(live)):
        i = live[j]
        off, strategy, grantor = conceded(i, month, discount, discount_by, contract_end, contract_discount,
                                          contract_by, promo_end, promo_discount, promo_by, match_discount, match_by)
        main = main_share_of(i, other_share) if wallets else 1.0
        at_list = np.float64(volume[i]) * list_price[supplier[i]] * main
        r = at_list * (1 - off)
        out[j] = r
        given[j] = at_list * strategy
        by[j] = grantor
        share = serve_factor(month - since_month[i], serve_decline, serve_floor)
        serve[j] = share
        m, f, mine = 0.0, 0.0, supplier[i] == 0
        if mine:
            m = r - unit_cost * np.float64(volume[i]) * main - cost_to_serve[tier[i]] * share * main
            f = r
        total = r
        for p in range(2 if wallets else 0):
            s = others[i, p]
            if s >= 0:
                part = np.float64(other_share[i, p])
                rp = np.float64(volume[i]) * list_price[s] * part
                other[j, p] = rp
                total += rp
                if s == 0:
                    mine = True
                    m += rp - unit_cost * np.float64(volume[i]) * part - cost_to_serve[tier[i]] * part
                    f += rp
        margin[j] = m
        focal[j] = f
        held[j] = mine
        if month >= 0:
            revenue_total[i] += total
            if mine:
                revenue_focal[i] += f
                margin_focal_npv[i] += m * present


@kernel
def _totals(live, supplier, tier, volume, wallets, others, other_share, revenue, other, given, by, n_suppliers,
            n_components):
    """Revenue, volume delivered, the wallets of the accounts sold to and concessions per supplier, summed in slot
    order; accounts sold to per supplier and tier; the concessions per component."""
    by_supplier, by_volume, conceded = np.zeros(n_suppliers), np.zeros(n_suppliers), np.zeros(n_suppliers)
    by_tier = np.zeros((n_suppliers, 3), np.int64)
    by_component = np.zeros(n_components)
    for j in range(len(live)):  # each account's main supplier, as if it bought all it needs there
        i = live[j]
        s = supplier[i]
        by_supplier[s] += revenue[j]
        by_volume[s] += np.float64(volume[i])
        by_tier[s, tier[i]] += 1
        if by[j] >= 0:
            conceded[s] += given[j]
            by_component[by[j]] += given[j]
    bought = by_volume.copy()
    if wallets:  # a second pass, so that the usual case above stays a tight loop: the shares of the others
        for j in range(len(live)):
            i = live[j]
            s = supplier[i]
            v = np.float64(volume[i])
            main = main_share_of(i, other_share)
            if main != 1.0:
                by_volume[s] -= v * (1.0 - main)
            for p in range(2):
                o = others[i, p]
                if o >= 0:
                    by_supplier[o] += other[j, p]
                    by_volume[o] += v * np.float64(other_share[i, p])
                    bought[o] += v
                    by_tier[o, tier[i]] += 1
    return by_supplier, by_volume, bought, by_tier, conceded, by_component


@kernel
def _served(live, supplier, tier, others, other_share, serve, cost_to_serve, n_suppliers):
    """Every supplier's cost to serve its accounts this month (k€), each at the share its tenure leaves (the main
    supplier) and in proportion to its share of the account's wallet; slot order."""
    out = np.zeros(n_suppliers)
    for j in range(len(live)):
        i = live[j]
        out[supplier[i]] += cost_to_serve[supplier[i], tier[i]] * serve[j] * main_share_of(i, other_share)
        for p in range(2):
            o = others[i, p]
            if o >= 0:
                out[o] += cost_to_serve[o, tier[i]] * np.float64(other_share[i, p])
    return out


def ledger_of(taken: Month, unit_cost: np.ndarray, cost_to_serve: np.ndarray, acquired_tier_counts: np.ndarray,
              acquisition_cost_multiple: np.ndarray, strategy_cash: np.ndarray) -> Ledger:
    """One month's accounts per supplier (k€), from what it took (revenue, volume, accounts by tier, concessions).

    The strategy's cost is what it spent (``strategy_cash``) plus what it conceded in discounts; profit counts the
    concessions once, as the revenue they took away.

    Args:
        taken: the month's :func:`revenue`.
        unit_cost: (K,) cost of goods per unit of volume.
        cost_to_serve: (K, 3) per account-month by tier (k€).
        acquired_tier_counts: (K, 3) accounts won this month by tier.
        acquisition_cost_multiple: (K,) × annual cost to serve.
        strategy_cash: (K,) this month's spending of the strategy (k€).
    """
    cash = strategy_cash.astype(np.float64)
    ledger = {
        "revenue": taken.revenue,
        "cogs": unit_cost * taken.volume,
        "cost_to_serve": (taken.by_tier * cost_to_serve).sum(axis=1) if taken.cost_to_serve is None
        else taken.cost_to_serve,
        "strategy_cost": cash + taken.concessions,
        "concessions": taken.concessions,
        "acquisition_cost": (acquired_tier_counts * 12.0 * cost_to_serve).sum(axis=1)
        * acquisition_cost_multiple,
    }
    ledger["profit"] = (ledger["revenue"] - ledger["cogs"] - ledger["cost_to_serve"] - cash
                        - ledger["acquisition_cost"])
    return ledger


def discount_factor(month: np.ndarray, rate_per_year: float) -> np.ndarray:
    """Present-value factor of money in ``month`` at a yearly rate."""
    return (1.0 + rate_per_year) ** (-np.asarray(month, dtype=np.float64) / 12.0)
