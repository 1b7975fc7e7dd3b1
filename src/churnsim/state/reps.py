"""The salesperson table: one row per territory (salesperson slot), one numpy array per attribute.

A slot belongs to one supplier for the whole run; the person in it changes when one quits and is replaced, so
``person`` ids are new for every hire. Accounts are assigned to slots by :func:`rep_slot`, a fixed territory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RepTable", "rep_slot"]


@dataclass
class RepTable:
    """Salesperson slots (territories): the person in a slot changes when one quits and is replaced."""

    employer: np.ndarray  # int8, supplier owning the slot
    person: np.ndarray  # int64, id of the person now in the slot
    morale: np.ndarray  # float32, 0 = neutral
    tenure_months: np.ndarray  # int32
    courted_by: np.ndarray  # int8, supplier courting them this month (-1 none)
    offset: np.ndarray  # (K,) int64, first slot of each supplier
    n_per_supplier: np.ndarray  # (K,) int64, slots of each supplier
    book_departures: np.ndarray  # float64, accounts that left each book this month (lower morale next month)
    hired: int  # people hired so far, the first ones included: the next person's id

    @classmethod
    def for_suppliers(cls, n_per_supplier: list[int]) -> RepTable:
        counts = np.asarray(n_per_supplier, dtype=np.int64)
        employer = np.repeat(np.arange(len(counts)), counts).astype(np.int8)
        n = len(employer)
        return cls(employer, np.arange(n, dtype=np.int64), np.zeros(n, np.float32), np.zeros(n, np.int32),
                   np.full(n, -1, np.int8), np.concatenate([[0], np.cumsum(counts)[:-1]]), counts, np.zeros(n), n)

    def __len__(self) -> int:
        return len(self.employer)

    def note_departures(self, rep_slots: np.ndarray) -> None:
        """Count accounts leaving the books of salesperson slots ``rep_slots`` (one entry per account)."""
        self.book_departures += np.bincount(rep_slots, minlength=len(self.book_departures)).astype(
            self.book_departures.dtype)

    def replace(self, slots: np.ndarray, morale: np.ndarray) -> None:
        """New people, hired into salesperson ``slots``, start with ``morale`` and no tenure."""
        self.person[slots] = self.hired + np.arange(len(slots))
        self.hired += len(slots)
        self.morale[slots] = morale
        self.tenure_months[slots] = 0

    def slot_of(self, accounts: np.ndarray, supplier: np.ndarray) -> np.ndarray:
        """The salesperson slot serving each of account slots ``accounts`` at ``supplier`` (see :func:`rep_slot`)."""
        return rep_slot(accounts, supplier, self.offset, self.n_per_supplier)


def rep_slot(slots: np.ndarray, supplier: np.ndarray, rep_offset: np.ndarray, n_reps: np.ndarray) -> np.ndarray:
    """Salesperson slot serving each account slot at a supplier: a fixed territory by slot number."""
    return (rep_offset[supplier] + slots % n_reps[supplier]).astype(np.int32)
