"""What a book checks of its records together, and which account each record is in.

The records check their own numbers; the book checks that they fit together: unique ids,
known underlyings, a vol for every option, margin accounts that exist and are not also
lending accounts. On every tick the book asks that of whole columns first (a set of ids,
a set of underlyings, the few records outside lending accounts); only a book that fails
there is walked record by record, which names the first record that does not fit.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from agent.risk.positions import (
    FuturePosition,
    Kind,
    MarginAccount,
    MarketState,
    OptionPosition,
    PerpetualPosition,
    Position,
)
from agent.risk.validation import RiskInputError


class Records(Protocol):
    """What a book is made of (``Book`` is one)."""

    @property
    def valuation_time(self) -> datetime: ...
    @property
    def market(self) -> Mapping[str, MarketState]: ...
    @property
    def positions(self) -> Sequence[Position]: ...
    @property
    def margin_accounts(self) -> Mapping[str, MarginAccount]: ...


def check_time_and_accounts(book: Records) -> None:
    """Raise RiskInputError for a valuation time without a time zone, or a margin
    account keyed by another name than its id."""
    time = book.valuation_time
    if time.tzinfo is None or time.utcoffset() is None:
        raise RiskInputError("must carry a time zone", field="valuation_time")
    for name, account in book.margin_accounts.items():
        if name != account.id:
            raise RiskInputError(
                f"is keyed {name!r} but has id {account.id!r}", field=f"accounts.{name}"
            )


def check_records(
    book: Records,
    outside: Sequence[int],
    lending_names: Container[str],
    names: tuple[Collection[str], Iterable[str]] | None,
) -> None:
    """Raise RiskInputError naming the first record of ``book`` that does not fit the
    others. ``outside``: the indices of the records in no lending account;
    ``lending_names``: the lending accounts; ``names``: each record's id and each
    record's underlying (read once by the caller), or None where records of the same
    identities were found consistent before (``agent.risk.book_structure``): unique ids,
    known underlyings."""
    if not _plainly_consistent(book, outside, lending_names, names):
        _check_each(book, lending_names)


def _plainly_consistent(
    book: Records,
    outside: Sequence[int],
    lending: Container[str],
    names: tuple[Collection[str], Iterable[str]] | None,
) -> bool:
    """Whether ``_check_each`` would find nothing, asked of whole columns: true only if
    it would pass (a False just sends the records through ``_check_each``)."""
    positions, market, accounts = book.positions, book.market, book.margin_accounts
    if names is not None:
        ids, underlyings = names
        if len(set(ids)) != len(ids) or not set(underlyings) <= market.keys():
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


def _check_each(book: Records, lending_names: Container[str]) -> None:
    """Every record in turn: raises for the first that does not fit the others."""
    seen: set[str] = set()
    for index, position in enumerate(book.positions):
        try:
            _check_position(book, position, seen, lending_names)
        except RiskInputError as error:
            raise error.under(f"positions[{index}]") from None
        seen.add(position.id)


def _check_position(
    book: Records, position: Position, seen: set[str], lending_names: Container[str]
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
    if not is_lending(position) and position.account is not None:
        if position.account not in book.margin_accounts:
            raise RiskInputError(f"unknown margin account {position.account!r}", field="account")
        if position.account in lending_names:
            raise RiskInputError(f"{position.account!r} is also a lending account", field="account")


def account_of(position: Position) -> str | None:
    """The name of the account ``position`` belongs to (lending or margin), None if it
    belongs to none."""
    return lending_account(position) if is_lending(position) else margin_account(position)


_LENDING_KINDS = frozenset({Kind.LENDING_SUPPLY, Kind.LENDING_DEBT})


def is_lending(position: Position) -> bool:
    """Whether ``position`` is a lending supply or debt."""
    # The records' class attribute: cheaper than isinstance of a union.
    return position.kind in _LENDING_KINDS


def lending_account(position: Position) -> str:
    """The lending account of a lending record: its ``account``, else its venue."""
    return position.account if position.account is not None else position.venue


def margin_account(position: Position) -> str | None:
    """Name of the margin account a position belongs to (its id when isolated)."""
    if is_lending(position):
        return None
    if position.account is not None:
        return position.account
    if (
        isinstance(position, PerpetualPosition | FuturePosition)
        and position.collateral_usd is not None
    ):
        return f"{position.id} (isolated)"
    return None
