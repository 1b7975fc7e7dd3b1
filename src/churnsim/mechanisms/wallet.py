"""Share of wallet (issue 18): accounts that buy from several suppliers at once and move their purchases gradually.

Rules (``market.wallet``; nothing here runs at ``max_suppliers = 1``, where every account buys all it needs from one
supplier):

- **Who multi-sources.** A share of each tier's accounts (``multi_source_share``: key, regular, small) buys from up
  to ``max_suppliers`` suppliers (``AccountTable.sources``), the rest from one (:func:`allocate`). The accounts
  present at the start that multi-source already carry their other suppliers, drawn among those in the market in
  proportion to their shares; an entrant starts with the supplier it chose and adds others as it reconsiders.
- **The main supplier** (``AccountTable.supplier``) holds the largest share of the account's wallet, and the
  relationship: contract, salesperson, terms, rewards, experience and satisfaction are the main supplier's (every
  other mechanism reads them as before). An account's other suppliers are judged by their reputation and paid
  their list price.
- **Shares follow rank, with inertia.** The ``n`` suppliers an account uses are ranked in its eyes (``rank``: 0
  first); the Wallet Allocation Rule (Keiningham, Gupta, Aksoy & Buoye 2014, "The high price of customer
  satisfaction"; Keiningham et al. 2015, "Perceptual mapping of the Wallet Allocation Rule") gives the share of
  rank ``r`` (1 first) as ``(1 − r/(n+1)) · 2/n`` (:func:`war_share`). Each month every share closes
  ``share_adjust_per_month`` of its gap to that target (:func:`adjust`). When another supplier's share overtakes
  the main supplier's, it becomes the main supplier (the relationship moves; the old one keeps its share).
- **Shifts.** Every move that makes an account reconsider its supplier (a rival's offer, a contract ending,
  dissatisfaction, its salesperson leaving, contacts defecting, a refused threat; price and experience weigh in the
  choice, :mod:`~.choice`) ranks the supplier it chooses first (:func:`reconsider`), with the choice's reason: a
  supplier it already uses is promoted, a new one is added with no share yet. An account that already bought from
  as many suppliers as it will (its ``sources``) **delists** the one it now ranks last: that supplier's target share
  is zero, and its share falls month by month. With no room left for a new supplier at all (three in use), the
  one ranked last is dropped at once and the new one takes its share. An account that ranks another supplier
  first and, reconsidering, chooses its main supplier ranks it first again (a share won back). An account that
  buys from one supplier switches as it always did.
- **Departures.** A supplier **loses the account when its share reaches zero**: a delisted supplier's share falling
  below ``delist_share`` (the departure carries the reason of the delisting), a drop, or the account leaving the
  market. So most of the revenue a multi-sourcing account takes away leaves before the account is lost.
- **Revenue lost** (k€ a month, at list price): to *departures*, the revenue of each share as it reaches zero; to
  *share shifts*, the fall of each share that stays (:func:`adjust`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from churnsim.core.codes import REASONS
from churnsim.core.config import WalletConfig
from churnsim.core.jit import kernel, rule
from churnsim.core.rng import RandomStreams
from churnsim.state.accounts import AccountTable

__all__ = ["LEAVING", "Shifts", "adjust", "allocate", "is_on", "main_share", "main_share_of", "reconsider", "served_by",
           "war_share"]

LEAVING = 3
"""The rank of a supplier an account has delisted: its target share is zero."""


def is_on(w: WalletConfig) -> bool:
    return w.max_suppliers > 1


@rule
def war_share(rank, n):
    """The Wallet Allocation Rule: the share of the supplier ranked ``rank`` (0 first) of ``n`` an account uses."""
    return (1.0 - (rank + 1.0) / (n + 1.0)) * 2.0 / n


@rule
def main_share_of(i, other_share):
    """The main supplier's share of account slot ``i``'s wallet: what the others do not have (1 exactly for an
    account with one supplier)."""
    return 1.0 - np.float64(other_share[i, 0]) - np.float64(other_share[i, 1])


def main_share(acc: AccountTable, slots: np.ndarray) -> np.ndarray:
    """The main supplier's share of the wallet of ``slots`` (float64): what the others do not have."""
    return 1.0 - acc.other_share[slots, 0].astype(np.float64) - acc.other_share[slots, 1].astype(np.float64)


def served_by(acc: AccountTable, slots: np.ndarray, supplier: int) -> np.ndarray:
    """The share of the wallet of each of ``slots`` that ``supplier`` has (0: it sells the account nothing)."""
    share = np.where(acc.supplier[slots] == supplier, main_share(acc, slots), 0.0)
    for j in range(2):
        share += np.where(acc.others[slots, j] == supplier, acc.other_share[slots, j].astype(np.float64), 0.0)
    return share


def allocate(acc: AccountTable, n_initial: int, present: np.ndarray, weight: np.ndarray, streams: RandomStreams,
             w: WalletConfig, single: int = 0) -> None:
    """Who multi-sources, and the other suppliers of the accounts present at the start (module docstring).

    Args:
        n_initial: the accounts present at the start are slots ``0 .. n_initial-1``, their main supplier set.
        present, weight: (K,) the suppliers in the market and their share weights.
        single: slots ``0 .. single-1`` (the firm's own account list) start with their main supplier alone.
    """
    if not is_on(w):
        return
    multi = streams.uniform("init.wallet.sources", 0, acc.capacity) < np.asarray(w.multi_source_share)[acc.tier]
    acc.sources[:] = np.where(multi, w.max_suppliers, 1)
    k = len(present)
    rng = streams.generator("init.wallet.others")
    score = np.log(np.where(present, np.maximum(weight, 1e-300), 1.0))[None, :] + rng.gumbel(size=(n_initial, k))
    score[:, ~present] = -np.inf
    score[np.arange(n_initial), acc.supplier[:n_initial]] = -np.inf  # Gumbel top-k: drawn without replacement
    order = np.argsort(-score, axis=1, kind="stable")[:, : w.max_suppliers - 1]
    wanted = np.minimum(acc.sources[:n_initial].astype(np.int64) - 1, int(present.sum()) - 1)
    wanted[:single] = 0
    for j in range(w.max_suppliers - 1):
        take = wanted > j
        acc.others[:n_initial, j] = np.where(take, order[:, j], -1)
    used = 1 + (acc.others[:n_initial] >= 0).sum(axis=1)
    for j in range(2):
        acc.rank[:n_initial, j + 1] = j + 1
        acc.other_share[:n_initial, j] = np.where(acc.others[:n_initial, j] >= 0, war_share(j + 1.0, used), 0.0)


@dataclass(frozen=True)
class Shifts:
    """What :func:`reconsider` did to the accounts that chose a supplier other than their main one.

    Attributes:
        switched, to: the slots whose main supplier is replaced now (one-supplier accounts, and those that drop
            their main supplier at once), and the new one; the model joins them to it.
        dropped, dropped_from, dropped_to, dropped_reason: the slots that dropped another supplier at once, that
            supplier, the one it was dropped for, and the reason (departures of that supplier).
        added, added_to: the slots that took on a supplier (an acquisition of it), and that supplier.
        lost: (K,) revenue (k€ a month, at list price) the suppliers dropped lost.
    """

    switched: np.ndarray
    to: np.ndarray
    dropped: np.ndarray
    dropped_from: np.ndarray
    dropped_to: np.ndarray
    dropped_reason: np.ndarray
    added: np.ndarray
    added_to: np.ndarray
    lost: np.ndarray


def reconsider(slots: np.ndarray, chosen: np.ndarray, reason: np.ndarray, acc: AccountTable,
               list_price: np.ndarray) -> Shifts:
    """Accounts ``slots`` chose ``chosen`` for ``reason``: rank it first, delist or drop the last (module docstring);
    an account that chose its main supplier (which it ranked below another) ranks it first again, and nothing else
    changes. The shares move at the month's :func:`adjust`; here only a dropped supplier's share passes to the new
    one."""
    slots = np.asarray(slots, dtype=np.int64)
    chosen = np.asarray(chosen, dtype=np.int64)
    reason = np.asarray(reason, dtype=np.int8)
    m = len(slots)
    kind, gone = np.zeros(m, np.int8), np.full(m, -1, np.int64)
    lost = np.zeros(len(list_price))
    _reconsider(slots, chosen, reason, acc.supplier, acc.sources, acc.others, acc.other_share, acc.rank,
                acc.shift_reason, acc.volume, list_price, kind, gone, lost)
    # kind: 0 promoted, 1 added, 2 dropped another for it, 3 dropped the main supplier for it (or buys from one)
    switched, added = kind == 3, (kind == 1) | (kind == 2)
    dropped = (kind == 2) & (gone >= 0)
    return Shifts(slots[switched], chosen[switched], slots[dropped], gone[dropped], chosen[dropped], reason[dropped],
                  slots[added], chosen[added], lost)


@rule
def _in_use(others, i, p):
    """Whether position ``p`` of account slot ``i`` (0: its main supplier, 1-2: its others) holds a supplier."""
    return p == 0 or others[i, p - 1] >= 0


@rule
def _ranked(others, rank, i):
    """How many suppliers account slot ``i`` ranks (in use and not delisted), and the position it ranks last."""
    n, last = 0, -1
    for p in range(3):
        if _in_use(others, i, p) and rank[i, p] != LEAVING:
            n += 1
            if last < 0 or rank[i, p] > rank[i, last]:
                last = p
    return n, last


@rule
def _promote(others, rank, i, pos):
    """Rank position ``pos`` of account slot ``i`` first: those ranked above it move down one."""
    top = rank[i, pos]
    for p in range(3):
        if _in_use(others, i, p) and rank[i, p] != LEAVING and (rank[i, p] < top or top == LEAVING):
            rank[i, p] += 1
    rank[i, pos] = 0


@kernel
def _reconsider(slots, chosen, reason, supplier, sources, others, other_share, rank, shift_reason, volume, list_price,
                kind, gone, lost):
    for j in range(len(slots)):
        i, c = slots[j], chosen[j]
        if c == supplier[i]:  # its main supplier, which it ranked below another: first again
            _promote(others, rank, i, 0)
            continue
        if sources[i] <= 1:  # buys from one supplier: switches
            kind[j] = 3
            continue
        n, last = _ranked(others, rank, i)
        full = n >= sources[i]
        pos = -1  # position of c: 1, 2 for others[0], others[1]
        for p in range(2):
            if others[i, p] == c:
                pos = p + 1
        if pos < 0:
            for p in range(2):  # a free position: add it, ranked last, with no share yet
                if pos < 0 and others[i, p] < 0:
                    pos = p + 1
                    others[i, p] = c
                    other_share[i, p] = 0
                    rank[i, pos] = LEAVING  # promoted below like a delisted supplier taken back
                    kind[j] = 1
        if pos < 0:  # no room at all: the one delisted, else the one ranked last, is dropped; c takes its share
            out = last
            for p in range(3):
                if rank[i, p] == LEAVING:
                    out = p
            share = main_share_of(i, other_share)
            if out > 0:
                share = np.float64(other_share[i, out - 1])
                gone[j] = others[i, out - 1]
                others[i, out - 1] = c
                kind[j] = 2
            else:
                gone[j] = supplier[i]
                kind[j] = 3
            lost[gone[j]] += share * np.float64(volume[i]) * list_price[gone[j]]
            pos = out
            full = False  # the drop made the room
        shift_reason[i] = reason[j]
        _promote(others, rank, i, pos)
        if full:  # it already bought from as many as it will: it delists the one it now ranks last
            _, last = _ranked(others, rank, i)
            rank[i, last] = LEAVING


Moves = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray, np.ndarray]


def adjust(live: np.ndarray, acc: AccountTable, list_price: np.ndarray, rate: float, delist_share: float,
           delight_threshold: float = np.inf) -> Moves:
    """Every share of the active slots ``live`` closes ``rate`` of its gap to its Wallet-Allocation-Rule share (a
    delisted supplier's: zero); an account delighted with its main supplier (true satisfaction above
    ``delight_threshold``) ranks it first.

    Returns:
        ((the slots whose main supplier is overtaken, the supplier that overtook it), (the slots that stopped buying
        from a delisted supplier, that supplier, the reason it was delisted for), (2, K) revenue lost (k€ a month at
        list price: each supplier's fall of share × volume × its list price) to share shifts, and with the shares
        that reached zero), and the focal firm's (supplier 0) revenue lost to share shifts by the reason of the
        account's last shift (``len(REASONS) + 1``: the last, none recorded: a rival ranked first by an account
        delighted with it). For an overtaken account the positions are swapped here; the model joins it to its new
        main supplier.
    """
    overtaken, left = np.full(len(live), -1, np.int64), np.full(len(live), -1, np.int64)
    lost, focal = np.zeros((2, len(list_price))), np.zeros(len(REASONS) + 1)
    _adjust(live, acc.supplier, acc.sources, acc.others, acc.other_share, acc.rank, acc.shift_reason, acc.volume,
            acc.satisfaction, list_price, rate, delist_share, delight_threshold, overtaken, left, lost, focal)
    moved, gone = overtaken >= 0, left >= 0
    return ((live[moved], overtaken[moved]), (live[gone], left[gone], acc.shift_reason[live[gone]]), lost, focal)


@rule
def _fall(lost, focal, s, amount, reason):
    """Book revenue ``amount`` supplier ``s`` lost to a falling share; the focal firm's (0) by ``reason`` too (the
    last entry of ``focal``: none recorded)."""
    lost[0, s] += amount
    if s == 0:
        focal[reason if reason >= 0 else len(focal) - 1] += amount


@kernel
def _adjust(live, supplier, sources, others, other_share, rank, shift_reason, volume, satisfaction, list_price, rate,
            delist_share, delight_threshold, overtaken, left, lost, focal):
    for j in range(len(live)):
        i = live[j]
        if sources[i] <= 1 or (others[i, 0] < 0 and others[i, 1] < 0):
            continue
        top = rank[i, 0]
        if satisfaction[i] > delight_threshold and top != 0 and top != LEAVING:  # delighted: its main one first
            for p in range(1, 3):
                if others[i, p - 1] >= 0 and rank[i, p] < top:
                    rank[i, p] += 1
            rank[i, 0] = 0
        n = np.float64(_ranked(others, rank, i)[0])
        main = main_share_of(i, other_share)
        for p in range(2):
            s = others[i, p]
            if s < 0:
                continue
            old = np.float64(other_share[i, p])
            target = 0.0 if rank[i, p + 1] == LEAVING else war_share(np.float64(rank[i, p + 1]), n)
            new = old + rate * (target - old)
            if new < old:
                _fall(lost, focal, s, (old - new) * np.float64(volume[i]) * list_price[s], shift_reason[i])
            if rank[i, p + 1] == LEAVING and new < delist_share:  # its share reaches zero: it has lost the account
                lost[1, s] += new * np.float64(volume[i]) * list_price[s]
                left[j] = s
                others[i, p] = -1
                rank[i, p + 1] = 0
                new = 0.0
            other_share[i, p] = new
        new_main = main_share_of(i, other_share)
        if new_main < main:
            _fall(lost, focal, supplier[i], (main - new_main) * np.float64(volume[i]) * list_price[supplier[i]],
                  shift_reason[i])
        best, best_share = -1, new_main
        for p in range(2):
            if others[i, p] >= 0 and np.float64(other_share[i, p]) > best_share:
                best, best_share = p, np.float64(other_share[i, p])
        if best >= 0:  # overtaken: swap the positions (the main supplier's share is the rest)
            overtaken[j] = others[i, best]
            others[i, best] = supplier[i]
            other_share[i, best] = new_main
            r = rank[i, 0]
            rank[i, 0] = rank[i, best + 1]
            rank[i, best + 1] = r
