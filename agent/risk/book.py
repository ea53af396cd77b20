"""The risk book: positions, market and accounts, checked together and laid out as arrays.

``Book.from_records`` is how the agent builds a book from live venue snapshots (typed
records from ``agent.risk.positions``); ``Book.from_json`` parses a book file. Either way
the book checks the records against each other (unique ids, known underlyings, a vol for
every option, accounts that exist) and compiles them once into ``BookArrays``, the flat
numeric layout every kernel reads (its columns: ``agent.risk.book_columns``).

Both steps run on every tick over ~1,000 records, so they work by column: the checks
first ask whether the records are plainly consistent (sets of ids and underlyings, the
few records that name an account or price with a vol) and only when they are not walk
the records one by one, which finds and reports the first bad one; the arrays take each
column whole, and only options, perpetuals and futures build a row of their own. What
the records' identities alone decide (kinds, underlyings, lending accounts, unique ids)
is checked and laid once per set of records and found again while the positions stay
the same (``agent.risk.book_structure``); the values are read and checked every time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from agent.risk.book_checks import (
    Records,
    account_of,
    check_records,
    check_time_and_accounts,
    margin_account,
)
from agent.risk.book_columns import (
    CARRY,
    CODE_COLUMNS,
    ENTRY,
    ENTRY_BASIS,
    EXPIRY,
    FEES,
    FORWARD_RATIO,
    INVERSE,
    IS_CALL,
    KIND,
    KIND_CODES,
    LENDING_ACCOUNT,
    MAINTENANCE,
    MARGIN_ACCOUNT,
    MARKET_VOL,
    OPTION_IS_BLACK76,
    OPTION_IS_CALL,
    OPTION_POSITION,
    OPTION_QUANTITY,
    OPTION_RATE,
    OPTION_ROWS,
    OPTION_SCALE,
    OPTION_STRIKE,
    OPTION_UNDERLYING_PRICE,
    OPTION_VOL,
    OPTION_YEARS,
    QUANTITY,
    RATE,
    SPOT,
    STRIKE,
    TERM_COLUMNS,
    THRESHOLD,
    UNDERLYING,
    VOL,
    IntArray,
)
from agent.risk.book_lending import lay_lending, lending_runs
from agent.risk.book_rows import Rows, lay_rows
from agent.risk.book_structure import Identity, Recent, identity
from agent.risk.positions import (
    Kind,
    MarginAccount,
    MarketState,
    Position,
)
from agent.risk.validation import FloatArray
from agent.slots import draft_class

__all__ = [
    "CARRY",
    "CODE_COLUMNS",
    "ENTRY",
    "ENTRY_BASIS",
    "EXPIRY",
    "FEES",
    "FORWARD_RATIO",
    "INVERSE",
    "IS_CALL",
    "KIND",
    "KIND_CODES",
    "LENDING_ACCOUNT",
    "MAINTENANCE",
    "MARGIN_ACCOUNT",
    "MARKET_VOL",
    "OPTION_IS_BLACK76",
    "OPTION_IS_CALL",
    "OPTION_POSITION",
    "OPTION_QUANTITY",
    "OPTION_RATE",
    "OPTION_ROWS",
    "OPTION_SCALE",
    "OPTION_STRIKE",
    "OPTION_UNDERLYING_PRICE",
    "OPTION_VOL",
    "OPTION_YEARS",
    "QUANTITY",
    "RATE",
    "SPOT",
    "STRIKE",
    "TERM_COLUMNS",
    "THRESHOLD",
    "UNDERLYING",
    "VOL",
    "Account",
    "AccountKind",
    "Book",
    "BookArrays",
    "Checked",
    "IntArray",
    "Rows",
    "account_of",
    "check",
    "freeze",
    "laid",
    "lay_rows",
]


class AccountKind(StrEnum):
    """How an account can be liquidated."""

    LENDING = "lending"  # Aave-style: health factor = sum(collateral * LT) / debt
    CROSS_MARGIN = "cross_margin"  # equity of several positions vs their maintenance
    ISOLATED_MARGIN = "isolated_margin"  # one position and its own collateral


@dataclass(frozen=True, slots=True)
class Account:
    """An account whose health the book tracks, and the positions in it (by index)."""

    name: str
    venue: str
    kind: AccountKind
    positions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BookArrays:
    """The book as arrays (see the column constants in ``book_columns``). Read-only."""

    underlyings: tuple[str, ...]
    market: FloatArray  # (underlyings, 3): spot USD, rate, vol (NaN if none)
    pegged: np.ndarray[tuple[int, ...], np.dtype[np.bool_]]
    terms: FloatArray  # (positions, TERM_COLUMNS)
    codes: IntArray  # (positions, CODE_COLUMNS)
    lending_accounts: tuple[Account, ...]
    margin_accounts: tuple[Account, ...]
    margin_cash: FloatArray  # (margin accounts,) USD
    valuation_seconds: float  # POSIX seconds
    spot: FloatArray  # (underlyings,) USD, market[:, SPOT]
    option_terms: FloatArray  # (OPTION_ROWS, options): the options' pricing inputs, by row


@dataclass(frozen=True)
class Book:
    """A consistent snapshot: what is held where, and the market it is valued in."""

    valuation_time: datetime
    market: Mapping[str, MarketState]
    positions: tuple[Position, ...]
    margin_accounts: Mapping[str, MarginAccount] = field(default_factory=dict)
    arrays: BookArrays = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _settle(self)
        object.__setattr__(self, "arrays", _lay_out(self))

    @classmethod
    def laid_out(cls, records: Records, arrays: BookArrays) -> Book:
        """The book of ``records`` whose arrays were laid out already (read-only, by
        ``laid`` and ``freeze``): the book ``Book(...)`` of them builds, without laying it
        out again (``agent.risk.book_cash``)."""
        book = cls.__new__(cls)
        set_field = object.__setattr__  # in the order ``__init__`` sets them
        set_field(book, "valuation_time", records.valuation_time)
        set_field(book, "market", records.market)
        set_field(book, "positions", records.positions)
        set_field(book, "margin_accounts", records.margin_accounts)
        _settle(book)
        set_field(book, "arrays", arrays)
        return book

    @classmethod
    def from_records(
        cls,
        valuation_time: datetime,
        market: Mapping[str, MarketState],
        positions: Iterable[Position],
        margin_accounts: Iterable[MarginAccount] = (),
    ) -> Book:
        """Build a book from typed records (e.g. venue snapshots); raises RiskInputError."""
        accounts = {account.id: account for account in margin_accounts}
        return cls(valuation_time, market, tuple(positions), accounts)

    @classmethod
    def from_json(cls, document: str | bytes, *, source: str) -> Book:
        """Parse a book file's text; raises ConfigError naming ``source`` and the JSON path."""
        from agent.risk.book_file import parse_book

        return parse_book(document, source=source)

    def position_index(self, identifier: str) -> int:
        """Index of the position with this id."""
        for index, position in enumerate(self.positions):
            if position.id == identifier:
                return index
        raise KeyError(identifier)


def _settle(book: Book) -> None:
    """A new book's fields as it keeps them: read-only views of its own copies."""
    object.__setattr__(book, "market", MappingProxyType(dict(book.market)))
    object.__setattr__(book, "margin_accounts", MappingProxyType(dict(book.margin_accounts)))
    object.__setattr__(book, "positions", tuple(book.positions))


# Filled by attribute, then made the Account (``agent.slots.draft_class``): a book has
# one per Aave account, ~230 a tick.
_AccountDraft = draft_class(Account)
_new_object = object.__new__


def _accounts(
    fields: Iterable[tuple[str, str, AccountKind, tuple[int, ...]]],
) -> tuple[Account, ...]:
    """``Account(name, venue, kind, positions)`` for each of ``fields``, each laid into
    its slots directly (what its ``__init__`` does through ``object.__setattr__``, which
    checks nothing)."""
    made = []
    for name, venue, kind, positions in fields:
        account = _new_object(_AccountDraft)
        account.name, account.venue, account.kind, account.positions = name, venue, kind, positions
        account.__class__ = Account
        made.append(account)
    return tuple(made)


# Per kind code (KIND_CODES): in a lending account; laid by a row of its own.
_LENDING = np.array([False, False, False, False, True, True])
_MARGINED = np.array([False, True, True, False, False, False])
_OPTION, _SUPPLY = KIND_CODES[Kind.OPTION], KIND_CODES[Kind.LENDING_SUPPLY]


class Checked(NamedTuple):
    """What the checks of a book's records found on the way, all decided by the records'
    identities (``agent.risk.book_structure``), for the layout to reuse: each record's
    kind code, its underlying's row of the market and its lending account's number (-1
    for none); the lending accounts (by name: their number); the records in no lending
    account; the supplies (and as an index array), the perpetuals and futures, the
    options; the records that name an account (lending or margin). Shared by books of
    the same identities: every array read-only."""

    kinds: IntArray
    underlyings: IntArray
    lending_owners: IntArray
    lending_names: dict[str, int]
    lending_accounts: tuple[Account, ...]
    outside: tuple[int, ...]
    supplies: tuple[int, ...]
    supply_rows: IntArray
    margined: tuple[int, ...]
    options: tuple[int, ...]
    named: tuple[int, ...]


# The last few books' identities, and what they decided.
_RECENT: Recent[Identity, Checked] = Recent(4)


def check(records: Records) -> Checked:
    """Check the records against each other; raises RiskInputError naming the first that
    does not fit (``agent.risk.book_checks``)."""
    check_time_and_accounts(records)
    key = identity(records)
    checked = _RECENT.get(key)
    if checked is None:
        checked = _check_identities(records, key)
        _RECENT.put(key, checked)
    else:  # the identities were checked: the values and the margin accounts still are
        check_records(records, checked.outside, checked.lending_names, None)
    return checked


def _check_identities(records: Records, key: Identity) -> Checked:
    """Check records of identities not seen lately, in full."""
    market, ids, kinds, venues, accounts, underlyings = key
    codes: IntArray = np.array([KIND_CODES[kind] for kind in kinds], dtype=np.int64)
    lending = _LENDING[codes]
    runs = lending_runs(venues, accounts, np.flatnonzero(lending))
    outside = tuple(np.flatnonzero(~lending).tolist())
    check_records(records, outside, runs.numbers, (ids, underlyings))
    row = {name: index for index, name in enumerate(market)}
    rows = np.array([row[name] for name in underlyings], dtype=np.int64)
    owners = np.full(len(ids), -1, dtype=np.int64)
    members = lay_lending(runs, owners)
    kind = [AccountKind.LENDING] * len(members)
    lent = _accounts(zip(runs.numbers, runs.venues, kind, members, strict=True))
    supply_rows = np.flatnonzero(codes == _SUPPLY)
    for array in (codes, rows, owners, supply_rows):
        array.setflags(write=False)
    supplies = tuple(supply_rows.tolist())
    margined, options = (
        tuple(np.flatnonzero(of).tolist()) for of in (_MARGINED[codes], codes == _OPTION)
    )
    named = tuple(index for index, account in enumerate(accounts) if account is not None)
    return Checked(
        codes, rows, owners, runs.numbers, lent, outside, supplies, supply_rows, margined,
        options, named,
    )  # fmt: skip


def _lay_out(book: Book) -> BookArrays:
    """Check the records against each other (raises RiskInputError), then lay them out."""
    return freeze(laid(book, check(book)))


def _margin_accounts(
    book: Records, outside: Sequence[int]
) -> tuple[tuple[Account, ...], FloatArray, tuple[list[int], list[int]]]:
    """The margin accounts (the book's cross accounts, then each isolated position's own),
    their cash, and the positions in one (by index) with the number of each's account."""
    margin: dict[str, tuple[str, AccountKind, list[int]]] = {
        name: (account.venue, AccountKind.CROSS_MARGIN, [])
        for name, account in book.margin_accounts.items()
    }
    cash = {name: account.cash_usd for name, account in book.margin_accounts.items()}
    number = {name: index for index, name in enumerate(margin)}
    positions = book.positions
    held: list[int] = []
    owners: list[int] = []
    for index in outside:
        position = positions[index]
        held_in = position.account if position.account is not None else margin_account(position)
        if held_in is None:
            continue
        if held_in not in margin:  # isolated: its own account with its own collateral
            margin[held_in] = (position.venue, AccountKind.ISOLATED_MARGIN, [])
            cash[held_in] = getattr(position, "collateral_usd", 0.0) or 0.0
            number[held_in] = len(number)
        margin[held_in][2].append(index)
        held.append(index)
        owners.append(number[held_in])
    accounts = _accounts(
        (name, venue, kind, tuple(members)) for name, (venue, kind, members) in margin.items()
    )
    margin_cash = np.array([cash[account.name] for account in accounts], dtype=np.float64)
    return accounts, margin_cash, (held, owners)


def laid(records: Records, checked: Checked) -> BookArrays:
    """The arrays of ``records`` (``checked``: what ``check`` found of them), every one
    read-only but the two that hold amounts nothing else in the layout depends on: the
    ``terms`` (spot records' quantities) and the ``margin_cash``; ``freeze`` makes them
    the book's (``agent.risk.book_cash`` sets the cash in between)."""
    now = records.valuation_time.timestamp()
    rows = lay_rows(records, checked, now)
    margin, cash, (held, owners) = _margin_accounts(records, checked.outside)
    codes = rows.codes  # LENDING_ACCOUNT and MARGIN_ACCOUNT -1 throughout
    codes[:, LENDING_ACCOUNT] = checked.lending_owners
    codes[held, MARGIN_ACCOUNT] = owners
    spots = np.ascontiguousarray(rows.market[:, SPOT])
    for array in (rows.market, rows.pegged, codes, spots, rows.option_terms):
        array.setflags(write=False)
    return BookArrays(
        tuple(records.market),
        rows.market,
        rows.pegged,
        rows.terms,
        codes,
        checked.lending_accounts,
        margin,
        cash,
        now,
        spots,
        rows.option_terms,
    )


def freeze(arrays: BookArrays) -> BookArrays:
    """``arrays`` (from ``laid``) made read-only throughout, as a book holds them."""
    arrays.terms.setflags(write=False)
    arrays.margin_cash.setflags(write=False)
    return arrays
