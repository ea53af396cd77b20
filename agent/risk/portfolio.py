"""Per-position and net Greeks of a book, by underlying, venue and protocol.

``book_greeks`` is the per-tick call: one kernel over the book's arrays. Units as in
``valuation``: USD value, delta in coins (``delta_usd`` = delta * spot), gamma per coin per
USD, vega per vol point, theta per calendar day, rho per rate point, all in USD and for
the whole signed position. Opposite positions net within an underlying; nothing nets
across underlyings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from agent.risk.book import INVERSE, UNDERLYING, Book, IntArray
from agent.risk.positions import Position
from agent.risk.validation import FloatArray
from agent.risk.valuation import (
    DELTA,
    GAMMA,
    RHO,
    THETA,
    VALUE,
    VEGA,
    book_greeks_kernel,
    greeks_and_rows_kernel,
)

GREEK_NAMES = ("value_usd", "delta", "gamma", "vega", "theta", "rho")


class BookGreeks(NamedTuple):
    """Greeks of every position (rows in book order) and their net per underlying.

    ``positions`` and ``net`` have the columns value, delta, gamma, vega, theta, rho
    (``agent.risk.valuation.VALUE`` ... ``RHO``); ``spot`` is per underlying, USD.
    An immutable named tuple over one table rather than a frozen dataclass: it is built
    on every tick inside a 5 microsecond budget, where a frozen dataclass's __init__
    and a second array would cost a microsecond more.
    """

    underlyings: tuple[str, ...]
    table: FloatArray  # (positions + underlyings, 6): positions first, then the nets
    spot: FloatArray

    @property
    def positions(self) -> FloatArray:
        """(positions, 6): each position's value and Greeks, in book order."""
        return self.table[: self.table.shape[0] - len(self.underlyings)]

    @property
    def net(self) -> FloatArray:
        """(underlyings, 6): the net value and Greeks of each underlying."""
        return self.table[self.table.shape[0] - len(self.underlyings) :]

    def net_for(self, underlying: str) -> dict[str, float]:
        """Net Greeks of one underlying as a dict (value_usd, delta, delta_usd, ...)."""
        index = self.underlyings.index(underlying)
        return _named(self.net[index], float(self.spot[index]))


def book_greeks(book: Book) -> BookGreeks:
    """Greeks of every position and net by underlying (one kernel call; see module doc)."""
    arrays = book.arrays
    table = book_greeks_kernel(
        arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds, arrays.option_terms
    )
    return BookGreeks(arrays.underlyings, table, arrays.spot)


def greeks_with_rows(book: Book) -> tuple[BookGreeks, FloatArray, IntArray]:
    """``book_greeks``, and the rows and options ``position_rows_kernel`` takes from it,
    in one kernel call."""
    arrays = book.arrays
    table, rows, options = greeks_and_rows_kernel(
        arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds, arrays.option_terms,
        arrays.spot,
    )  # fmt: skip
    return BookGreeks(arrays.underlyings, table, arrays.spot), rows, options


def premium_adjusted_deltas(book: Book, greeks: BookGreeks) -> FloatArray:
    """Coin-view delta of each position: delta - value / spot for inverse instruments.

    This is the delta Deribit reports for coin-settled options and futures (the Black
    delta minus the premium held in coin); NaN for linear instruments.
    """
    codes = book.arrays.codes
    spot = greeks.spot[codes[:, UNDERLYING]]
    adjusted = greeks.positions[:, DELTA] - greeks.positions[:, VALUE] / spot
    result: FloatArray = np.where(codes[:, INVERSE] == 1, adjusted, np.nan)
    return result


def position_greeks(book: Book, greeks: BookGreeks) -> list[dict[str, float]]:
    """One dict per position (book order): value_usd, delta, delta_usd, gamma, vega, ..."""
    spot = greeks.spot[book.arrays.codes[:, UNDERLYING]]
    return [_named(row, float(price)) for row, price in zip(greeks.positions, spot, strict=True)]


def greeks_by(
    book: Book, greeks: BookGreeks, key: Callable[[Position], str]
) -> dict[str, dict[str, dict[str, float]]]:
    """Net Greeks grouped by ``key`` (e.g. venue) and then by underlying."""
    groups: dict[str, dict[str, FloatArray]] = {}
    for position, row in zip(book.positions, greeks.positions, strict=True):
        by_underlying = groups.setdefault(key(position), {})
        total = by_underlying.get(position.underlying)
        by_underlying[position.underlying] = row.copy() if total is None else total + row
    return {
        group: {
            underlying: _named(total, float(greeks.spot[greeks.underlyings.index(underlying)]))
            for underlying, total in sorted(members.items())
        }
        for group, members in sorted(groups.items())
    }


def venue_of(position: Position) -> str:
    """Group key: the venue."""
    return position.venue


def protocol_of(position: Position) -> str:
    """Group key: the protocol, or the venue when none is given."""
    return position.protocol or position.venue


def _named(row: FloatArray, spot: float) -> dict[str, float]:
    # + 0.0 turns a -0.0 (e.g. the zero theta of a short perpetual) into 0.0.
    return {
        "value_usd": float(row[VALUE]) + 0.0,
        "delta": float(row[DELTA]) + 0.0,
        "delta_usd": float(row[DELTA]) * spot + 0.0,
        "gamma": float(row[GAMMA]) + 0.0,
        "vega": float(row[VEGA]) + 0.0,
        "theta": float(row[THETA]) + 0.0,
        "rho": float(row[RHO]) + 0.0,
    }
