"""The risk book: positions, market and accounts, checked together and laid out as arrays.

``Book.from_records`` is how the agent builds a book from live venue snapshots (typed
records from ``agent.risk.positions``); ``Book.from_json`` parses a book file. Either way
the book checks the records against each other (unique ids, known underlyings, a vol for
every option, accounts that exist) and compiles them once into ``BookArrays``, the flat
numeric layout every kernel reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

import numpy as np

from agent.risk.positions import (
    FuturePosition,
    Kind,
    LendingSupplyPosition,
    MarginAccount,
    MarginBasis,
    MarketState,
    OptionPosition,
    PerpetualPosition,
    Position,
)
from agent.risk.terms import OptionType, Settlement
from agent.risk.validation import FloatArray, RiskInputError

IntArray = np.ndarray[tuple[int, ...], np.dtype[np.int64]]

# Columns of BookArrays.terms (float64) and BookArrays.codes (int64).
QUANTITY, STRIKE, EXPIRY, VOL, FORWARD_RATIO, ENTRY, CARRY, THRESHOLD, MAINTENANCE, FEES = range(10)
TERM_COLUMNS = 10
KIND, UNDERLYING, IS_CALL, INVERSE, ENTRY_BASIS, LENDING_ACCOUNT, MARGIN_ACCOUNT = range(7)
CODE_COLUMNS = 7
# Kind codes in BookArrays.codes[:, KIND].
KIND_CODES = {
    Kind.OPTION: 0,
    Kind.PERP: 1,
    Kind.FUTURE: 2,
    Kind.SPOT: 3,
    Kind.LENDING_SUPPLY: 4,
    Kind.LENDING_DEBT: 5,
}
# Columns of BookArrays.market.
SPOT, RATE, MARKET_VOL = range(3)


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
    """The book as arrays (see the column constants above). Read-only."""

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


# Rows of BookArrays.option_terms: one column per option, so a kernel reads each input
# contiguously (and LLVM vectorises across options). Market-dependent, like the book.
(
    OPTION_POSITION,
    OPTION_QUANTITY,
    OPTION_UNDERLYING_PRICE,
    OPTION_STRIKE,
    OPTION_YEARS,
    OPTION_RATE,
    OPTION_VOL,
    OPTION_SCALE,
    OPTION_IS_CALL,
    OPTION_IS_BLACK76,
) = range(10)
OPTION_ROWS = 10


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
        _check(self)
        object.__setattr__(self, "arrays", _compile(self))

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


def _check(book: Book) -> None:
    time = book.valuation_time
    if time.tzinfo is None or time.utcoffset() is None:
        raise RiskInputError("must carry a time zone", field="valuation_time")
    for name, account in book.margin_accounts.items():
        if name != account.id:
            raise RiskInputError(
                f"is keyed {name!r} but has id {account.id!r}", field=f"accounts.{name}"
            )
    seen: set[str] = set()
    lending_names = {_lending_account(p) for p in book.positions if _is_lending(p)}
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
    # The records' class attribute: cheaper than isinstance of a union, once per record
    # per tick.
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


def _compile(book: Book) -> BookArrays:
    underlyings = tuple(book.market)
    underlying_index = {name: index for index, name in enumerate(underlyings)}
    market = np.array(
        [
            [state.spot, state.rate, math.nan if state.vol is None else state.vol]
            for state in book.market.values()
        ],
        dtype=np.float64,
    ).reshape(len(underlyings), 3)
    pegged = np.array([state.pegged for state in book.market.values()], dtype=np.bool_)
    now = book.valuation_time.timestamp()
    lending, margin, cash, owners = _accounts(book)
    term_rows, code_rows = [], []  # one array from rows: cheaper than filling row by row
    options: list[int] = []
    for index, (position, (lending_owner, margin_owner)) in enumerate(
        zip(book.positions, owners, strict=True)
    ):
        kind = position.kind
        if kind is Kind.OPTION:
            options.append(index)
        state = book.market[position.underlying]
        row, is_call, inverse, entry_basis = _ROWS[kind](position, state.spot, state.rate, now)
        term_rows.append(row)
        code_rows.append(
            (
                KIND_CODES[kind],
                underlying_index[position.underlying],
                is_call,
                inverse,
                entry_basis,
                lending_owner,
                margin_owner,
            )
        )
    count = len(book.positions)
    terms = np.array(term_rows, dtype=np.float64).reshape(count, TERM_COLUMNS)
    codes = np.array(code_rows, dtype=np.int64).reshape(count, CODE_COLUMNS)
    option_terms = _option_terms(book, now, options)
    spots = np.ascontiguousarray(market[:, SPOT])
    for array in (market, pegged, terms, codes, cash, spots, option_terms):
        array.setflags(write=False)
    return BookArrays(
        underlyings, market, pegged, terms, codes, lending, margin, cash, now, spots, option_terms
    )


def _option_terms(book: Book, now: float, options: list[int]) -> FloatArray:
    columns = []
    for index in options:
        position = book.positions[index]
        assert isinstance(position, OptionPosition)
        state = book.market[position.underlying]
        scale = 1.0 if position.forward is None else position.forward / state.spot
        vol = position.vol if position.vol is not None else state.vol
        columns.append(
            (
                index,
                position.quantity,
                state.spot * scale,
                position.strike,
                (position.expiry.timestamp() - now) / (365.0 * 86400.0),
                state.rate,
                vol,
                scale,
                position.option_type is OptionType.CALL,
                position.forward is not None,
            )
        )
    return np.ascontiguousarray(np.array(columns, dtype=np.float64).reshape(-1, OPTION_ROWS).T)


# Each kind's terms row (TERM_COLUMNS floats, NaN where a column does not apply) and its
# (is call, inverse, entry basis) codes, as literal rows: the records' kind picks one.
Row = tuple[list[float], int, int, int]
_NAN = math.nan


def _option_row(position: Position, spot: float, rate: float, now: float) -> Row:
    assert isinstance(position, OptionPosition)
    nan = _NAN
    forward = nan if position.forward is None else position.forward / spot
    vol = nan if position.vol is None else position.vol
    row = [position.quantity, position.strike, position.expiry.timestamp(), vol, forward]
    row += [nan, nan, nan, position.maintenance_margin_rate, 0.0]
    is_call = int(position.option_type is OptionType.CALL)
    return row, is_call, int(position.settlement is Settlement.INVERSE), 0


def _margined_row(position: Position, spot: float, rate: float, now: float) -> Row:
    assert isinstance(position, PerpetualPosition | FuturePosition)
    nan = _NAN
    expiry = carry = nan
    mark = spot
    if isinstance(position, FuturePosition):
        expiry = position.expiry.timestamp()
        years = max(expiry - now, 0.0) / (365.0 * 86400.0)
        quoted = position.mark_price
        mark = spot * math.exp(rate * years) if quoted is None else quoted
        # A quoted mark implies a carry rate, held constant as the future ages.
        carry = math.log(mark / spot) / years if quoted and years > 0.0 else nan
    entry = mark if position.entry_price is None else position.entry_price
    row = [position.quantity, nan, expiry, nan, nan, entry, carry, nan]
    row += [position.maintenance_margin_rate or 0.0, position.fees_usd]
    inverse = int(position.settlement is Settlement.INVERSE)
    return row, 0, inverse, int(position.margin_basis is MarginBasis.ENTRY)


def _supply_row(position: Position, spot: float, rate: float, now: float) -> Row:
    assert isinstance(position, LendingSupplyPosition)
    nan = _NAN
    threshold = position.liquidation_threshold
    return [position.quantity, nan, nan, nan, nan, nan, nan, threshold, 0.0, 0.0], 0, 0, 0


def _plain_row(position: Position, spot: float, rate: float, now: float) -> Row:
    """Spot and lending debt: a quantity only."""
    nan = _NAN
    return [position.quantity, nan, nan, nan, nan, nan, nan, nan, 0.0, 0.0], 0, 0, 0


_ROWS = {
    Kind.OPTION: _option_row,
    Kind.PERP: _margined_row,
    Kind.FUTURE: _margined_row,
    Kind.SPOT: _plain_row,
    Kind.LENDING_SUPPLY: _supply_row,
    Kind.LENDING_DEBT: _plain_row,
}


def _accounts(
    book: Book,
) -> tuple[tuple[Account, ...], tuple[Account, ...], FloatArray, list[tuple[int, int]]]:
    """Lending and margin accounts, the margin accounts' cash, and per position the index
    of its (lending, margin) account (-1 for none), in one pass over the positions."""
    lending: dict[str, tuple[str, list[int]]] = {}
    margin: dict[str, tuple[str, AccountKind, list[int]]] = {
        name: (account.venue, AccountKind.CROSS_MARGIN, [])
        for name, account in book.margin_accounts.items()
    }
    cash = {name: account.cash_usd for name, account in book.margin_accounts.items()}
    lending_index: dict[str, int] = {}
    margin_index = {name: index for index, name in enumerate(margin)}
    owners: list[tuple[int, int]] = []
    for index, position in enumerate(book.positions):
        if _is_lending(position):
            name = _lending_account(position)
            lending.setdefault(name, (position.venue, []))[1].append(index)
            owners.append((lending_index.setdefault(name, len(lending_index)), -1))
            continue
        held_in = _margin_account(position)
        if held_in is None:
            owners.append((-1, -1))
            continue
        if held_in not in margin:  # isolated: its own account with its own collateral
            margin[held_in] = (position.venue, AccountKind.ISOLATED_MARGIN, [])
            cash[held_in] = getattr(position, "collateral_usd", 0.0) or 0.0
            margin_index[held_in] = len(margin_index)
        margin[held_in][2].append(index)
        owners.append((-1, margin_index[held_in]))
    lending_accounts = tuple(
        Account(name, venue, AccountKind.LENDING, tuple(members))
        for name, (venue, members) in lending.items()
    )
    margin_accounts = tuple(
        Account(name, venue, kind, tuple(members))
        for name, (venue, kind, members) in margin.items()
    )
    margin_cash = np.array([cash[account.name] for account in margin_accounts], dtype=np.float64)
    return lending_accounts, margin_accounts, margin_cash, owners
