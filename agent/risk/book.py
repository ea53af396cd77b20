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
column whole, and only options, perpetuals and futures build a row of their own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

import numpy as np

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
from agent.risk.book_rows import RICH_ROWS, option_terms
from agent.risk.positions import (
    FuturePosition,
    Kind,
    MarginAccount,
    MarketState,
    OptionPosition,
    PerpetualPosition,
    Position,
)
from agent.risk.validation import FloatArray, RiskInputError

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
    "IntArray",
    "account_of",
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
        object.__setattr__(self, "market", MappingProxyType(dict(self.market)))
        object.__setattr__(self, "margin_accounts", MappingProxyType(dict(self.margin_accounts)))
        object.__setattr__(self, "positions", tuple(self.positions))
        object.__setattr__(self, "arrays", _lay_out(self))

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


_OPTION, _SUPPLY = KIND_CODES[Kind.OPTION], KIND_CODES[Kind.LENDING_SUPPLY]
_LENDING = (KIND_CODES[Kind.LENDING_SUPPLY], KIND_CODES[Kind.LENDING_DEBT])
_RICH = (KIND_CODES[Kind.OPTION], KIND_CODES[Kind.PERP], KIND_CODES[Kind.FUTURE])


def _lay_out(book: Book) -> BookArrays:
    """Check the records against each other (raises RiskInputError), then compile them."""
    _check_time_and_accounts(book)
    positions = book.positions
    kinds: IntArray = np.array([KIND_CODES[p.kind] for p in positions], dtype=np.int64)
    lending, lending_owners = _lending_accounts(positions, kinds)
    outside = np.flatnonzero(~np.isin(kinds, _LENDING)).tolist()  # not in a lending account
    if not _plainly_consistent(book, kinds, outside, lending):
        _check_each(book, set(lending))
    return _compile(book, kinds, lending, lending_owners, outside)


def _check_time_and_accounts(book: Book) -> None:
    time = book.valuation_time
    if time.tzinfo is None or time.utcoffset() is None:
        raise RiskInputError("must carry a time zone", field="valuation_time")
    for name, account in book.margin_accounts.items():
        if name != account.id:
            raise RiskInputError(
                f"is keyed {name!r} but has id {account.id!r}", field=f"accounts.{name}"
            )


def _plainly_consistent(
    book: Book, kinds: IntArray, outside: list[int], lending: Mapping[str, object]
) -> bool:
    """Whether ``_check_each`` would find nothing, asked of whole columns: true only if
    it would pass (a False just sends the records through ``_check_each``)."""
    positions, market, accounts = book.positions, book.market, book.margin_accounts
    if len({p.id for p in positions}) != len(positions):
        return False
    if not {p.underlying for p in positions} <= market.keys():
        return False
    for index in outside:
        position = positions[index]
        if (
            isinstance(position, OptionPosition)
            and position.vol is None
            and market[position.underlying].vol is None
        ):
            return False
        account = position.account
        if account is not None and (account not in accounts or account in lending):
            return False
    return True


def _check_each(book: Book, lending_names: set[str]) -> None:
    """Every record in turn: raises for the first that does not fit the others."""
    seen: set[str] = set()
    for index, position in enumerate(book.positions):
        try:
            _check_position(book, position, seen, lending_names)
        except RiskInputError as error:
            raise error.under(f"positions[{index}]") from None
        seen.add(position.id)


def _check_position(
    book: Book, position: Position, seen: set[str], lending_names: set[str]
) -> None:
    if position.id in seen:
        raise RiskInputError(f"duplicate position id {position.id!r}", field="id")
    market = book.market.get(position.underlying)
    if market is None:
        known = ", ".join(sorted(book.market)) or "none"
        raise RiskInputError(
            f"unknown underlying {position.underlying!r} (market has {known})", field="underlying"
        )
    if isinstance(position, OptionPosition) and position.vol is None and market.vol is None:
        raise RiskInputError(
            f"no volatility: give one here or in market.{position.underlying}.vol", field="vol"
        )
    if not _is_lending(position) and position.account is not None:
        if position.account not in book.margin_accounts:
            raise RiskInputError(f"unknown margin account {position.account!r}", field="account")
        if position.account in lending_names:
            raise RiskInputError(f"{position.account!r} is also a lending account", field="account")


def account_of(position: Position) -> str | None:
    """The name of the account ``position`` belongs to (lending or margin), None if it
    belongs to none."""
    return _lending_account(position) if _is_lending(position) else _margin_account(position)


_LENDING_KINDS = frozenset({Kind.LENDING_SUPPLY, Kind.LENDING_DEBT})


def _is_lending(position: Position) -> bool:
    # The records' class attribute: cheaper than isinstance of a union.
    return position.kind in _LENDING_KINDS


def _lending_account(position: Position) -> str:
    return position.account if position.account is not None else position.venue


def _margin_account(position: Position) -> str | None:
    """Name of the margin account a position belongs to (its id when isolated)."""
    if _is_lending(position):
        return None
    if position.account is not None:
        return position.account
    if (
        isinstance(position, PerpetualPosition | FuturePosition)
        and position.collateral_usd is not None
    ):
        return f"{position.id} (isolated)"
    return None


def _lending_accounts(
    positions: Sequence[Position], kinds: IntArray
) -> tuple[dict[str, tuple[int, str, list[int]]], list[int]]:
    """The lending accounts by name, in order of first appearance (their number, venue
    and positions), and per position the number of its lending account (-1 for none)."""
    accounts: dict[str, tuple[int, str, list[int]]] = {}
    owners = [-1] * len(positions)
    for index in np.flatnonzero(np.isin(kinds, _LENDING)).tolist():
        position = positions[index]
        name = position.venue if position.account is None else position.account
        account = accounts.get(name)
        if account is None:
            account = accounts[name] = (len(accounts), position.venue, [])
        account[2].append(index)
        owners[index] = account[0]
    return accounts, owners


def _margin_accounts(
    book: Book, outside: list[int]
) -> tuple[tuple[Account, ...], FloatArray, list[int]]:
    """The margin accounts (the book's cross accounts, then each isolated position's own),
    their cash, and per position the number of its margin account (-1 for none)."""
    margin: dict[str, tuple[str, AccountKind, list[int]]] = {
        name: (account.venue, AccountKind.CROSS_MARGIN, [])
        for name, account in book.margin_accounts.items()
    }
    cash = {name: account.cash_usd for name, account in book.margin_accounts.items()}
    number = {name: index for index, name in enumerate(margin)}
    positions = book.positions
    owners = [-1] * len(positions)
    for index in outside:
        position = positions[index]
        held_in = _margin_account(position)
        if held_in is None:
            continue
        if held_in not in margin:  # isolated: its own account with its own collateral
            margin[held_in] = (position.venue, AccountKind.ISOLATED_MARGIN, [])
            cash[held_in] = getattr(position, "collateral_usd", 0.0) or 0.0
            number[held_in] = len(number)
        margin[held_in][2].append(index)
        owners[index] = number[held_in]
    accounts = tuple(
        Account(name, venue, kind, tuple(members))
        for name, (venue, kind, members) in margin.items()
    )
    margin_cash = np.array([cash[account.name] for account in accounts], dtype=np.float64)
    return accounts, margin_cash, owners


def _compile(
    book: Book,
    kinds: IntArray,
    lending: Mapping[str, tuple[int, str, list[int]]],
    lending_owners: list[int],
    outside: list[int],
) -> BookArrays:
    states = book.market
    underlyings = tuple(states)
    underlying_index = {name: index for index, name in enumerate(underlyings)}
    market = np.array(
        [
            [state.spot, state.rate, math.nan if state.vol is None else state.vol]
            for state in states.values()
        ],
        dtype=np.float64,
    ).reshape(len(underlyings), 3)
    pegged = np.array([state.pegged for state in states.values()], dtype=np.bool_)
    now = book.valuation_time.timestamp()
    positions = book.positions
    margin, cash, margin_owners = _margin_accounts(book, outside)
    codes = np.zeros((len(positions), CODE_COLUMNS), dtype=np.int64)
    codes[:, KIND] = kinds
    codes[:, UNDERLYING] = [underlying_index[p.underlying] for p in positions]
    codes[:, LENDING_ACCOUNT] = lending_owners
    codes[:, MARGIN_ACCOUNT] = margin_owners
    # Spot and lending rows: the quantity (a supply's threshold too), no maintenance, no
    # fees, NaN elsewhere.
    terms = np.full((len(positions), TERM_COLUMNS), math.nan)
    terms[:, QUANTITY] = [p.quantity for p in positions]
    terms[:, MAINTENANCE] = terms[:, FEES] = 0.0
    supplies = np.flatnonzero(kinds == _SUPPLY).tolist()
    terms[supplies, THRESHOLD] = [positions[i].liquidation_threshold for i in supplies]  # type: ignore[union-attr]
    _lay_rich_rows(book, np.flatnonzero(np.isin(kinds, _RICH)).tolist(), now, terms, codes)
    options = np.flatnonzero(kinds == _OPTION).tolist()
    option_columns = option_terms(positions, states, now, options)
    spots = np.ascontiguousarray(market[:, SPOT])
    for array in (market, pegged, terms, codes, cash, spots, option_columns):
        array.setflags(write=False)
    lending_accounts = tuple(
        Account(name, venue, AccountKind.LENDING, tuple(members))
        for name, (_, venue, members) in lending.items()
    )
    return BookArrays(
        underlyings,
        market,
        pegged,
        terms,
        codes,
        lending_accounts,
        margin,
        cash,
        now,
        spots,
        option_columns,
    )


def _lay_rich_rows(
    book: Book, rich: list[int], now: float, terms: FloatArray, codes: IntArray
) -> None:
    """Each option's, perpetual's and future's own row into ``terms`` and ``codes``."""
    positions, states = book.positions, book.market
    rows = []
    for index in rich:
        position = positions[index]
        state = states[position.underlying]
        rows.append(RICH_ROWS[position.kind](position, state.spot, state.rate, now))
    terms[rich] = np.array([row for row, *_ in rows], dtype=np.float64).reshape(-1, TERM_COLUMNS)
    flags = np.array([flags for _, *flags in rows], dtype=np.int64).reshape(-1, 3)
    codes[rich, IS_CALL : ENTRY_BASIS + 1] = flags
