"""Declared schemas of every output table: column, type, unit, meaning. Tables are validated on write.

The README's "Outputs" section is generated from (and tested against) these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["SCHEMA_VERSION", "SCHEMAS", "Column", "RunResult", "SchemaError", "check_table"]

SCHEMA_VERSION = "5"
"""2: accounts.rep_owned; summary.json gains the accounts at month 0 and cost and actions by component.
3: strategy_cost includes the revenue the strategy concedes in discounts (monthly.concessions,
summary.json strategy_concessions); cost of goods is per unit of volume; summary.json gains the value after the
horizon (terminal_value, value_total, strategy_cost_npv, strategy_cost_total, retention_monthly_by_tier).
4: accounts.account_ref (the pseudonym of an account from accounts_file); run.json gains accounts_file (sha256,
rows) when one was read.
5: share of wallet (market.wallet): monthly.share_of_wallet, revenue_lost_departures, revenue_lost_exits,
revenue_lost_wallet_shifts; accounts.share_of_wallet_focal, suppliers_used; events of kind shift; active_accounts
counts every account a supplier sells to; summary.json gains revenue_lost_departures_keur,
revenue_lost_wallet_shifts_keur, share_of_wallet_final."""


class SchemaError(ValueError):
    """A table does not match its declared schema (a bug in the model, never a user error)."""


@dataclass
class RunResult:
    """What a run produced: its tidy tables (as declared here; empty when they went to a sink), the focal firm's
    summary and the run's seed."""

    tables: dict[str, pd.DataFrame]
    summary: dict
    run_seed: int
    draws: dict = field(default_factory=dict)  # the replicate's values of the priors on assumptions (field → value)
    accounts_file: dict = field(default_factory=dict)  # the firm's account list read: its sha256 and rows (or empty)


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # pandas dtype name: int64, float64, bool, category, str
    unit: str
    meaning: str


_RUN = [
    Column("strategy", "category", "", "name of the focal firm's retention strategy"),
    Column("competitors", "category", "", "name of the competitor scenario"),
    Column("market", "category", "", "name of the market preset"),
    Column("replicate", "int64", "", "replicate number"),
    Column("seed", "int64", "", "root seed of the study"),
]

_MONTHLY = [
    *_RUN,
    Column("month", "int64", "month", "month since the end of burn-in (0 = first reported month)"),
    Column("supplier", "category", "", "supplier name"),
    Column("is_focal", "bool", "", "whether the supplier is the focal firm"),
    Column("active_accounts", "int64", "accounts", "accounts served at the end of the month (with share of wallet: "
           "every account it sells to, as main supplier or another)"),
    Column("market_share", "float64", "share", "share of the market's active accounts"),
    Column("revenue_share", "float64", "share", "share of the market's revenue this month"),
    Column("acquisitions", "int64", "accounts", "accounts won this month (switched in or newly entered)"),
    Column("departures", "int64", "accounts", "accounts lost this month (switched away or exited)"),
    Column("departures_controllable", "int64", "accounts", "departures to a competitor"),
    Column("departures_uncontrollable", "int64", "accounts", "exits for reasons outside the supplier's control"),
    Column("revenue", "float64", "k€", "revenue this month"),
    Column("cogs", "float64", "k€", "cost of goods sold: unit cost × volume delivered (discounts do not lower it)"),
    Column("cost_to_serve", "float64", "k€", "cost to serve active accounts, by tier"),
    Column("strategy_cost", "float64", "k€", "cost of the retention strategy this month: its spending and the "
           "revenue it conceded in discounts"),
    Column("concessions", "float64", "k€", "of strategy_cost, the revenue the strategy conceded in discounts "
           "(discounts, matched offers and prices, contract and bundle discounts)"),
    Column("acquisition_cost", "float64", "k€", "cost of the accounts won this month"),
    Column("profit", "float64", "k€", "revenue − cogs − cost_to_serve − (strategy_cost − concessions) − "
           "acquisition_cost: a concession counts once, in revenue"),
    Column("share_of_wallet", "float64", "share", "its volume this month ÷ the whole volume its accounts buy "
           "from every supplier (1 when every account buys from one)"),
    Column("revenue_lost_departures", "float64", "k€/month", "monthly revenue, at list price, of the shares of "
           "wallet that reached zero this month (accounts that left it, for a rival or the market)"),
    Column("revenue_lost_exits", "float64", "k€/month", "of revenue_lost_departures, the accounts that left the "
           "market"),
    Column("revenue_lost_wallet_shifts", "float64", "k€/month", "monthly revenue, at list price, lost this month to "
           "falling shares of wallet in accounts it keeps"),
    Column("satisfaction_mean", "float64", "satisfaction", "mean true satisfaction of the accounts it is the main "
           "supplier of (0 = as expected)"),
    *[Column(f"satisfaction_level_{k}", "float64", "share",
             f"share of its accounts whose reported level is {k} (1 very dissatisfied … 5 very satisfied)")
      for k in range(1, 6)],
    Column("reps", "int64", "salespeople", "salespeople employed"),
    Column("rep_quits", "int64", "salespeople", "salespeople who quit this month"),
]

_EVENTS = [
    *_RUN,
    Column("month", "int64", "month", "month of the event"),
    Column("event", "category", "", "switch | exit | entry | rep_move | shift (an account ranks to_supplier "
           "first over its main supplier from_supplier: its share of the wallet grows; market.wallet)"),
    Column("account", "int64", "", "account id (−1 for rep_move)"),
    Column("rep", "int64", "", "salesperson id (rep_move; else the account's salesperson before the event)"),
    Column("from_supplier", "category", "", "supplier left (empty for entry)"),
    Column("to_supplier", "category", "", "supplier joined (empty for exit, or a rep leaving the market)"),
    Column("reason", "category", "",
           "main reason: uncontrollable (closure, acquisition, upstream_integration, contraction) or "
           "controllable (quality, service, logistics, price, competitor_offer, brand, salesperson_left); "
           "entry: entry; rep_move: quit or poached"),
    Column("controllable", "bool", "", "whether a departure was within the supplier's control"),
]

_ACCOUNTS = [
    *_RUN,
    Column("account", "int64", "", "account id"),
    Column("account_ref", "str", "", "pseudonym of an account from accounts_file: 16 hex digits of SHA-256 of "
           "privacy_salt and its account_id (empty for generated accounts)"),
    Column("tier", "category", "", "key | regular | small"),
    Column("region", "int64", "", "region"),
    Column("size", "float64", "k€/month", "monthly volume at entry, at reference price"),
    Column("propensity", "float64", "", "latent propensity to leave, Beta distributed"),
    Column("entry_month", "int64", "month", "month it entered the market (negative: before reporting began)"),
    Column("first_supplier", "category", "", "supplier at month 0 or at entry"),
    Column("rep_owned", "bool", "", "at month 0, more of its relationship capital was its salesperson's than the "
           "firm's (false for an account entering later)"),
    Column("last_supplier", "category", "", "(main) supplier at the end, or when it exited"),
    Column("share_of_wallet_focal", "float64", "share", "share of its wallet the focal firm has at the end (0 when "
           "exited)"),
    Column("suppliers_used", "int64", "suppliers", "suppliers it buys from at the end (0 when exited)"),
    Column("tenure_months", "int64", "months", "months with its last supplier"),
    Column("n_switches", "int64", "switches", "switches during the reported months"),
    Column("revenue_focal", "float64", "k€", "revenue it brought the focal firm during the reported months"),
    Column("value_focal", "float64", "k€", "its value to the focal firm in present value: its margin over the "
           "reported months (revenue − cost of goods − cost to serve) and, if still held at the end, its terminal "
           "value; before the strategy's spending and acquisition costs"),
    Column("revenue_total", "float64", "k€", "revenue it brought any supplier during the reported months"),
    Column("status", "category", "", "active | exited"),
    Column("end_reason", "category", "", "exit reason, or empty while active"),
    Column("end_month", "int64", "month", "month it exited, or −1 while active"),
]

# The export for customer-lifetime-value tools (churnsim.clv): a focal customer is an account that buys from the
# focal firm in a reported month; its id is the account id of the tables above.
_CUSTOMER = Column("customer_id", "int64", "", "account id of a focal customer")
_DATE = Column("date", "datetime64[ns]", "", "first day of the month (month 0 is output.start_date's month)")

_CLV_ORDERS = [
    *_RUN, _CUSTOMER,
    Column("month", "int64", "month", "month of the purchase"),
    _DATE,
    Column("monetary_value", "float64", "k€", "revenue the focal firm booked from it that month"),
]

_CLV_COHORTS = [
    *_RUN,
    Column("cohort_month", "int64", "month", "month its members' first observed focal spell began"),
    Column("acquired", "bool", "", "false for the customers already focal at month 0 (joined before reporting)"),
    Column("period", "int64", "months", "months since the cohort month"),
    Column("n_alive", "int64", "customers", "members still in their first spell (a customer lost once stays lost)"),
    Column("pct_alive", "float64", "%", "n_alive as a share of the cohort"),
]

_CLV_CUSTOMERS = [
    *_RUN, _CUSTOMER,
    Column("cohort_month", "int64", "month", "month its first observed focal spell began"),
    Column("acquired", "bool", "", "false if already focal at month 0"),
    Column("propensity", "float64", "", "true latent propensity to leave"),
    Column("churn_month", "int64", "month", "first month after its first spell, −1 while it lasts"),
    Column("n_orders", "int64", "months", "months it bought from the focal firm (any spell)"),
]

_CLV_ALIVE = [
    *_RUN, _CUSTOMER,
    Column("month", "int64", "month", "month, from its cohort month on"),
    _DATE,
    Column("period", "int64", "months", "months since its cohort month"),
    Column("alive", "bool", "", "a focal customer that month (in any spell: a won-back customer is alive again)"),
]

SCHEMAS: dict[str, list[Column]] = {"monthly": _MONTHLY, "events": _EVENTS, "accounts": _ACCOUNTS,
                                    "clv_orders": _CLV_ORDERS, "clv_cohorts": _CLV_COHORTS,
                                    "clv_customers": _CLV_CUSTOMERS, "clv_alive": _CLV_ALIVE}


def check_table(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with its declared columns in order and dtypes, or raise :class:`SchemaError`."""
    schema = SCHEMAS[name]
    expected = [c.name for c in schema]
    if list(table.columns) != expected:
        missing = sorted(set(expected) - set(table.columns))
        extra = sorted(set(table.columns) - set(expected))
        raise SchemaError(f"table {name}: missing columns {missing}, unexpected {extra}, or wrong order")
    for col in schema:
        actual = str(table[col.name].dtype)
        if actual != col.dtype:
            raise SchemaError(f"table {name}: column {col.name} has dtype {actual}, declared {col.dtype}")
    return table
