"""Which lending account each of a book's lending records is in, found a run at a time.

A lending record's account is its ``account``, else its venue; the accounts are numbered
in order of first appearance. A tick's book holds ~900 lending records in ~230 accounts,
and the records of one account come one after another (the builder appends an Aave
account's supplies and debts together): the records are read once, each compared with the
one before, and an account is looked up once a run of its records, not once a record.
Records of one account in several runs (any order is allowed) join up the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from agent.risk.book_columns import IntArray


class LendingRuns(NamedTuple):
    """A book's lending records (``indices``, ascending) in runs of one account each:
    each run's first record (a book index) and its account's number; the accounts'
    numbers by name, and each account's venue (its first record's)."""

    indices: IntArray
    starts: list[int]
    owners: list[int]
    numbers: dict[str, int]
    venues: list[str]


def lending_runs(
    venues: Sequence[str], accounts: Sequence[str | None], indices: IntArray
) -> LendingRuns:
    """The runs of the lending records at ``indices`` (ascending book indices), given
    every record's venue and account."""
    numbers: dict[str, int] = {}
    first_venues: list[str] = []
    starts: list[int] = []
    owners: list[int] = []
    last = None
    for index in indices.tolist():
        account = accounts[index]
        name = venues[index] if account is None else account
        if name != last:
            last = name
            number = numbers.get(name)
            if number is None:
                number = numbers[name] = len(first_venues)
                first_venues.append(venues[index])
            starts.append(index)
            owners.append(number)
    return LendingRuns(indices, starts, owners, numbers, first_venues)


def lay_lending(runs: LendingRuns, column: IntArray) -> list[tuple[int, ...]]:
    """Set each lending record's entry of ``column`` (one per book record) to its
    account's number; return each account's records (book indices, ascending), by
    number."""
    indices = runs.indices
    if not runs.starts:
        return []
    firsts = np.searchsorted(indices, runs.starts)  # where each run starts in ``indices``
    column[indices] = np.repeat(runs.owners, np.diff(firsts, append=len(indices)))
    held = tuple(indices.tolist())
    members: list[tuple[int, ...]] = [()] * len(runs.venues)
    starts = firsts.tolist()
    for start, end, number in zip(starts, [*starts[1:], len(held)], runs.owners, strict=True):
        members[number] += held[start:end]
    return members
