"""What a book's records' identities decide, kept for the next book of the same records.

A record's identity: its id, kind, venue, account and underlying; a book's, its records'
in order and the names of its market, in order. They alone decide each record's kind
and underlying codes, its lending account (and the accounts' numbers, venues and
records), which records are in no lending account, and whether the ids are unique and
the underlyings known. A live book keeps the same positions for many ticks while every
amount moves: those are checked and laid once per set of records, here, and found again
by comparing identities (the same strings come back each tick: mostly a pointer compare).
Everything else, the values, is read and checked on every book: quantities, thresholds,
options' terms, margin accounts and their cash, whether an option has a vol, whether a
margin account exists. A position opened or closed changes the identities: that book is
checked and laid in full. Keyed on identities, never on amounts.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from agent.risk.book_checks import Records
from agent.risk.positions import Kind

# The market's names, and per record: id, kind, venue, account, underlying.
Identity = tuple[tuple[str, ...], list[str], list[Kind], list[str], list[str | None], list[str]]
_K = TypeVar("_K")
_T = TypeVar("_T")


def identity(records: Records) -> Identity:
    """The identity of ``records`` (see the module's doc)."""
    positions = records.positions
    return (
        tuple(records.market),
        [p.id for p in positions],
        [p.kind for p in positions],
        [p.venue for p in positions],
        [p.account for p in positions],
        [p.underlying for p in positions],
    )


class Recent(Generic[_K, _T]):
    """What was found for the last few keys, newest first, a key found again by ``==``
    (the same objects come back each tick: mostly pointer compares). Here a book's
    identity (a tick's book is laid out once, cash and all: ``agent.risk.book_cash``)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: list[tuple[_K, _T]] = []

    def get(self, key: _K) -> _T | None:
        """What was found for an equal key, None if none kept."""
        for known, found in self._entries:
            if known == key:
                return found
        return None

    def put(self, key: _K, found: _T) -> None:
        """Keep ``found`` for ``key``, dropping the oldest beyond the size."""
        self._entries.insert(0, (key, found))
        del self._entries[self._size :]
