"""A book laid out before its cross accounts' cash is known, its records valued from it.

A tick sets each cross account's cash to the venue's equity less what the risk engine
values the account's positions at (``agent.tick.account_cash``); an account margined in a
coin holds that cash as a spot holding of the coin, a record of the book. The cash needs
the values and the values need the records laid out: here the book is checked and laid
out once with the cash unknown (each account's 0, each coin holding of 0 coins), its
records are valued from those arrays by the kernel of the book's Greeks, and the cash is
then written into the same arrays. Nothing else the layout decides looks at an account's
cash or at a spot record's quantity (the checks, the accounts, the other rows), so the
book is the one ``Book.from_records`` builds of the records with their cash: the same
records, arrays and values.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from agent.risk.book import QUANTITY, Book, check, freeze, laid
from agent.risk.positions import Kind, MarginAccount, MarketState, Position, SpotPosition
from agent.risk.valuation import VALUE, book_greeks_kernel


class _Records(NamedTuple):
    valuation_time: datetime
    market: Mapping[str, MarketState]
    positions: tuple[Position, ...]
    margin_accounts: Mapping[str, MarginAccount]


class UnfundedBook:
    """The book of ``positions``, then ``pending`` spot holdings, in ``margin_accounts``,
    whose accounts' cash and holdings' quantities are still to be set (``funded``);
    raises RiskInputError as ``Book.from_records`` of them would."""

    def __init__(
        self,
        valuation_time: datetime,
        market: Mapping[str, MarketState],
        positions: Sequence[Position],
        pending: Sequence[SpotPosition],
        margin_accounts: Iterable[MarginAccount],
    ) -> None:
        accounts = {account.id: account for account in margin_accounts}
        self._settled = len(positions)
        self._records = _Records(valuation_time, market, (*positions, *pending), accounts)
        self._checked = check(self._records)
        self._arrays = laid(self._records, self._checked)

    def held_values(self) -> tuple[Sequence[int], list[float]]:
        """The positions (not pending) that name an account, by index in book order, and
        the value (USD) of each: the float the book with its cash values it at, as a
        position's value needs no other position, nor its account's cash."""
        named = self._checked.named  # the pending holdings, last, name theirs too
        held = named[: bisect_left(named, self._settled)]
        arrays = self._arrays
        terms = arrays.terms.view()
        terms.setflags(write=False)  # as a book's: the kernel is compiled for read-only arrays
        table = book_greeks_kernel(
            terms, arrays.codes, arrays.market, arrays.valuation_seconds, arrays.option_terms
        )
        values: list[float] = table[held, VALUE].tolist()
        return held, values

    def funded(
        self, holdings: Sequence[SpotPosition], margin_accounts: Iterable[MarginAccount]
    ) -> Book:
        """The book with its cash (once): ``holdings`` in place of the pending ones (spot
        records of the same ids, venues, underlyings and accounts, in order) and
        ``margin_accounts`` in place of its accounts (the same ids, in order)."""
        records, settled = self._records, self._settled
        accounts = {account.id: account for account in margin_accounts}
        pending = records.positions[settled:]
        if list(accounts) != list(records.margin_accounts) or not (
            len(holdings) == len(pending) and all(map(_same_holding, pending, holdings))
        ):
            raise ValueError("the cash must go where the book was laid out for it")
        arrays = self._arrays
        arrays.terms[settled:, QUANTITY] = [holding.quantity for holding in holdings]
        arrays.margin_cash[: len(accounts)] = [account.cash_usd for account in accounts.values()]
        positions = records.positions[:settled] + tuple(holdings)
        funded = _Records(records.valuation_time, records.market, positions, accounts)
        return Book.laid_out(funded, freeze(arrays))


def _same_holding(laid_out: Position, holding: SpotPosition) -> bool:
    """Whether ``holding`` is a spot record that lays out as ``laid_out`` did."""
    return (
        holding.kind is Kind.SPOT
        and laid_out.kind is Kind.SPOT
        and (holding.id, holding.venue, holding.underlying, holding.account)
        == (laid_out.id, laid_out.venue, laid_out.underlying, laid_out.account)
    )
