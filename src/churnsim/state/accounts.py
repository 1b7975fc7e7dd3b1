"""The account table: one numpy array per attribute (structure of arrays), and the heterogeneity at the start.

Slots ``0 .. n_accounts-1`` hold the accounts present when the simulation starts; later slots hold the accounts
that enter the market, one after another on a fixed schedule, so that the table never grows and slot ``i`` keeps
its draws in every month (common random numbers).

Heterogeneity (DESIGN §3.2): log-normal sizes (σ = 1.6 puts ~78 % of volume in the top 20 %); tiers by size rank;
Dirichlet taste weights around a per-tier mean (key accounts weigh service over price); a Beta latent propensity
to leave, which makes a cohort's retention rate rise with tenure (Fader & Hardie 2007); regions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy.special import ndtri

from churnsim.core.codes import ACTIVE, NO_CONTRACT, NOT_YET
from churnsim.core.config import AccountsConfig

__all__ = ["AccountTable", "entry_schedule", "new_accounts", "slot_bytes"]


@dataclass
class AccountTable:
    """Every attribute of every account slot; the model owns one and mechanisms update it in place."""

    # fixed at creation
    size0: np.ndarray  # float32, k€/month at reference price
    tier: np.ndarray  # int8, index into TIERS
    taste: np.ndarray  # float32 (n, 4): weights of quality, service, logistics, price
    propensity: np.ndarray  # float32, latent propensity to leave
    region: np.ndarray  # int16
    entry_month: np.ndarray  # int32
    # state
    status: np.ndarray  # int8: NOT_YET, ACTIVE, EXITED
    volume: np.ndarray  # float32, current monthly volume, k€ at reference price
    development: np.ndarray  # float32, growth of volume since it joined its supplier, share (0: none; economics)
    supplier: np.ndarray  # int8, -1 when not active; its main supplier when it buys from several (wallet)
    # share of wallet (mechanisms/wallet.py): the other suppliers it buys from, their shares (the main supplier's is
    # the rest), and the rank in the account's eyes of [main, others[0], others[1]] (0: first)
    sources: np.ndarray  # int8, most suppliers it buys from at once (1: one)
    others: np.ndarray  # int8 (n, 2), -1 none
    other_share: np.ndarray  # float32 (n, 2), share of its wallet each of ``others`` has
    rank: np.ndarray  # int8 (n, 3); LEAVING: delisted, its share falling to zero
    shift_reason: np.ndarray  # int8, reason code of its last shift: ranking another supplier first (-1 none)
    rep: np.ndarray  # int32, salesperson slot serving it
    since_month: np.ndarray  # int32, month it joined its current supplier
    contract_end: np.ndarray  # int32, last month of its contract (NO_CONTRACT when none)
    exit_penalty_months: np.ndarray  # float32, penalty owed if it leaves in term, months of revenue
    discount: np.ndarray  # float32, share off its supplier's list price won with an offer, for good
    contract_discount: np.ndarray  # float32, share off list price while its contract is in force
    # who granted each discount: the index of the focal strategy's component, or -1 (none, or the market: a rival's
    # offer, a conceded threat), so that what a strategy concedes is counted as its cost (mechanisms/money.py)
    discount_by: np.ndarray  # int8
    contract_by: np.ndarray  # int8
    promo_by: np.ndarray  # int8
    match_by: np.ndarray  # int8
    offer_by: np.ndarray  # int8, of the offer on the table
    points_months: np.ndarray  # float32, loyalty rewards forfeited on switching, months of revenue
    mem: np.ndarray  # float32 (n, 3): remembered quality, service, logistics experience, 0..1
    satisfaction: np.ndarray  # float32, true satisfaction (0 = as expected)
    reported: np.ndarray  # int8, last five-level answer a survey would see (1..5)
    complaint_weight: np.ndarray  # float32, open complaints weighted by age
    rc_firm: np.ndarray  # float32, firm-owned relationship capital, 0..1
    rc_rep: np.ndarray  # float32, salesperson-owned relationship capital, 0..1
    pull_supplier: np.ndarray  # int8, supplier a former salesperson now works for (-1 none)
    pull: np.ndarray  # float32, relationship capital that salesperson still holds with it
    exposure: np.ndarray  # float32, recently defected contacts (decaying count)
    offer_from: np.ndarray  # int8, supplier with an offer on the table this month (-1 none)
    offer_discount: np.ndarray  # float32
    rep_left: np.ndarray  # bool, its salesperson left this month
    threat_refused: np.ndarray  # bool, it threatened to leave this month and its supplier refused
    margin_hit: np.ndarray  # float32, margin lost this month to parallel trading and channel conflict, share of price
    at_risk: np.ndarray  # bool, its supplier believes it is at risk
    sales_reference: np.ndarray  # float32, its supplier's reference of its sales to it, k€ a month (sales watch)
    # terms its supplier's strategy grants (reset each month before strategies act; read by next month's delivery)
    incident_factor: np.ndarray  # float32, × the supplier's quality-incident chance
    service_boost: np.ndarray  # float32, + the supplier's chance of resolving complaints
    logistics_boost: np.ndarray  # float32, + the supplier's on-time-in-full chance
    quality_bonus: np.ndarray  # float32, + experienced quality (fit to the account's needs)
    wake_hazard: np.ndarray  # float32, extra consideration hazard this month from being contacted
    match_discount: np.ndarray  # float32, share off list price this month matching rivals' price cuts
    promo_discount: np.ndarray  # float32, share off list price until promo_end (a matched offer, a bundle, a threat)
    promo_end: np.ndarray  # int32, last month of promo_discount
    bundle_months: np.ndarray  # float32, bundle discounts lost on switching, months of revenue
    left_supplier: np.ndarray  # int8, supplier it last left (-1 none)
    left_month: np.ndarray  # int32, month it last left a supplier
    # outcomes
    first_supplier: np.ndarray  # int8
    n_switches: np.ndarray  # int32
    revenue_focal: np.ndarray  # float64
    margin_focal_npv: np.ndarray  # float64, present value of its margin to the focal firm (reported months, k€)
    revenue_total: np.ndarray  # float64
    exit_month: np.ndarray  # int32
    exit_reason: np.ndarray  # int8, index into reasons.REASONS (-1 none)

    @property
    def capacity(self) -> int:
        return len(self.size0)

    def active(self) -> np.ndarray:
        return self.status == ACTIVE

    def join(self, slots: np.ndarray, to: np.ndarray, month: int, rep: np.ndarray, memory: np.ndarray) -> None:
        """Start a relationship of accounts ``slots`` with suppliers ``to`` in ``month``, served by salesperson
        slots ``rep``, remembering ``memory`` (what they expect of the new supplier: its reputation).

        Everything the old relationship held ends: contract, rewards, bundle, promotions, complaints, relationship
        capital. What the new supplier or a former salesperson brought along stays: the offer's discount when the
        account took that supplier's offer, and the pull of a former salesperson who now works there.
        """
        self.supplier[slots] = to
        self.since_month[slots] = month
        self.volume[slots] /= 1 + self.development[slots]  # what it buys grows again from its base (economics)
        self.development[slots] = 0
        self.rep[slots] = rep
        self.mem[slots] = memory
        self.contract_end[slots] = NO_CONTRACT
        self.exit_penalty_months[slots] = 0
        self.contract_discount[slots] = 0
        self.contract_by[slots] = -1
        self.promo_end[slots] = NO_CONTRACT
        self.promo_by[slots] = -1
        self.match_discount[slots] = 0
        self.match_by[slots] = -1
        self.margin_hit[slots] = 0
        self.bundle_months[slots] = 0
        self.points_months[slots] = 0
        took_offer = self.offer_from[slots] == to
        self.discount[slots] = np.where(took_offer, self.offer_discount[slots], 0)
        self.discount_by[slots] = np.where(took_offer, self.offer_by[slots], -1)
        self.complaint_weight[slots] = 0
        self.rc_firm[slots] = 0
        self.rc_rep[slots] = np.where(self.pull_supplier[slots] == to, self.pull[slots], 0)
        self.pull_supplier[slots] = -1
        self.pull[slots] = 0
        self.exposure[slots] = 0
        self.at_risk[slots] = False
        self.sales_reference[slots] = 0

    def reset_terms(self) -> None:
        """Clear the monthly terms strategies grant; strategies set them again for the accounts they cover."""
        self.incident_factor[:] = 1
        self.service_boost[:] = 0
        self.logistics_boost[:] = 0
        self.quality_bonus[:] = 0
        self.wake_hazard[:] = 0
        self.match_discount[:] = 0
        self.match_by[:] = -1

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))


# Initial value, dtype and trailing shape of every state and outcome column (all but the fixed attributes).
_STATE: dict[str, tuple] = {
    "status": (NOT_YET, np.int8, ()), "supplier": (-1, np.int8, ()), "rep": (-1, np.int32, ()),
    "sources": (1, np.int8, ()), "others": (-1, np.int8, (2,)), "other_share": (0, np.float32, (2,)),
    "rank": (0, np.int8, (3,)), "shift_reason": (-1, np.int8, ()),
    "since_month": (0, np.int32, ()), "development": (0, np.float32, ()), "contract_end": (NO_CONTRACT, np.int32, ()),
    "exit_penalty_months": (0, np.float32, ()), "discount": (0, np.float32, ()),
    "contract_discount": (0, np.float32, ()), "points_months": (0, np.float32, ()), "mem": (0, np.float32, (3,)),
    "satisfaction": (0, np.float32, ()), "reported": (3, np.int8, ()), "complaint_weight": (0, np.float32, ()),
    "rc_firm": (0, np.float32, ()), "rc_rep": (0, np.float32, ()), "pull_supplier": (-1, np.int8, ()),
    "pull": (0, np.float32, ()), "exposure": (0, np.float32, ()), "offer_from": (-1, np.int8, ()),
    "offer_discount": (0, np.float32, ()), "rep_left": (False, bool, ()), "at_risk": (False, bool, ()),
    "sales_reference": (0, np.float32, ()),
    "threat_refused": (False, bool, ()), "margin_hit": (0, np.float32, ()),
    "incident_factor": (1, np.float32, ()), "service_boost": (0, np.float32, ()),
    "logistics_boost": (0, np.float32, ()), "quality_bonus": (0, np.float32, ()), "wake_hazard": (0, np.float32, ()),
    "promo_discount": (0, np.float32, ()), "promo_end": (NO_CONTRACT, np.int32, ()),
    "match_discount": (0, np.float32, ()), "discount_by": (-1, np.int8, ()), "contract_by": (-1, np.int8, ()),
    "promo_by": (-1, np.int8, ()), "match_by": (-1, np.int8, ()), "offer_by": (-1, np.int8, ()),
    "bundle_months": (0, np.float32, ()), "left_supplier": (-1, np.int8, ()), "left_month": (NO_CONTRACT, np.int32, ()),
    "first_supplier": (-1, np.int8, ()), "n_switches": (0, np.int32, ()), "revenue_focal": (0, np.float64, ()),
    "margin_focal_npv": (0, np.float64, ()),
    "revenue_total": (0, np.float64, ()), "exit_month": (-1, np.int32, ()), "exit_reason": (-1, np.int8, ()),
}


def slot_bytes() -> int:
    """Bytes one slot of the account table holds, over every column."""
    fixed = 4 + 1 + 4 * 4 + 4 + 2 + 4  # size0, tier, taste (4), propensity, region, entry_month; volume below
    return fixed + 4 + sum(np.dtype(dtype).itemsize * int(np.prod(shape)) for _, dtype, shape in _STATE.values())


def entry_schedule(n_accounts: int, rate_per_month: float, first_month: int, last_month: int) -> np.ndarray:
    """Entry months of the entrants: ``rate_per_month × n_accounts`` a month, in slot order."""
    per_month = rate_per_month * n_accounts
    n = int(np.floor(per_month * (last_month - first_month + 1)))
    return first_month + np.floor(np.arange(n) / per_month).astype(np.int32) if n else np.zeros(0, np.int32)


def _tier_of(size: np.ndarray, cfg: AccountsConfig) -> np.ndarray:
    """Tier by size rank, using the quantiles of the size distribution (the same for initial and new accounts)."""
    key_share, regular_share, _ = cfg.tier_shares
    z_key, z_reg = ndtri(1.0 - key_share), ndtri(1.0 - key_share - regular_share)
    log_size = (np.log(size) - np.log(cfg.size_median)) / max(cfg.size_sigma, 1e-12)
    return np.where(log_size >= z_key, 0, np.where(log_size >= z_reg, 1, 2)).astype(np.int8)


def new_accounts(cfg: AccountsConfig, entry_month: np.ndarray, rng: np.random.Generator) -> AccountTable:
    """Draw the fixed attributes of every slot; all state starts empty (no supplier, not yet entered)."""
    n = len(entry_month)
    size = np.exp(np.log(cfg.size_median) + cfg.size_sigma * rng.standard_normal(n)).astype(np.float32)
    tier = _tier_of(size, cfg)
    alpha = np.asarray(cfg.tastes, dtype=np.float64)[tier]
    alpha = cfg.taste_concentration * alpha / alpha.sum(axis=1, keepdims=True)
    taste = rng.gamma(np.maximum(alpha, 1e-9))
    taste = (taste / taste.sum(axis=1, keepdims=True)).astype(np.float32)
    propensity = rng.beta(cfg.propensity_alpha, cfg.propensity_beta, n).astype(np.float32)
    region = rng.integers(0, cfg.n_regions, n).astype(np.int16)

    # zeros come from calloc: their pages are touched only when written (most slots of entrants wait months)
    state = {name: np.zeros((n, *shape), dtype) if value == 0 else np.full((n, *shape), value, dtype=dtype)
             for name, (value, dtype, shape) in _STATE.items()}
    return AccountTable(size0=size, tier=tier, taste=taste, propensity=propensity, region=region,
                        entry_month=entry_month.astype(np.int32), volume=size.copy(), **state)
