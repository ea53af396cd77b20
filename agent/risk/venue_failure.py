"""Venue failure as a stress row: what the book loses if one venue fails outright.

An exploit or an exchange that stops paying out takes the venue's equity and its
positions: the loss is what the book holds there net of what it owes there (supply
less debt on a lending market, positions' value plus cash on an exchange), never less
than zero (a venue that fails while we owe it more than it holds of ours costs us
nothing more). What it leaves of the rest: the net delta per underlying without the
venue's positions (its hedges gone), and every other account's health, which no
venue's failure changes (each account lives on one venue).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from agent.risk.book import UNDERLYING, Book
from agent.risk.portfolio import book_greeks
from agent.risk.positions import Position
from agent.risk.validation import FloatArray

_VALUE, _DELTA = 0, 1  # BookGreeks columns


@dataclass(frozen=True, slots=True)
class VenueFailure:
    """One venue's failure. ``equity_usd`` is what the book has there net (may be
    negative), ``loss_usd`` = max(equity, 0); ``delta_after`` is the net delta per non-pegged
    underlying (coin) of what is left; ``accounts`` are the accounts lost with it."""

    venue: str
    equity_usd: float
    loss_usd: float
    delta_after: Mapping[str, float]
    accounts: tuple[str, ...]


def isolated_collateral_usd(position: Position) -> float:
    """The collateral an isolated perp or future holds at its venue, less pending fees
    (its value in the book is only its P&L)."""
    collateral = getattr(position, "collateral_usd", None)
    if collateral is None:
        return 0.0
    return float(collateral) - float(getattr(position, "fees_usd", 0.0) or 0.0)


def venue_equity_usd(
    book: Book, values: FloatArray, cash_usd: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Per venue: the positions' values there (isolated collateral included) plus its
    margin accounts' cash (USD).

    ``values`` are the positions' values (book order); ``cash_usd`` overrides accounts'
    cash (by account name) when given.
    """
    equity: dict[str, float] = {}
    for position, value in zip(book.positions, values, strict=True):
        held = float(value) + isolated_collateral_usd(position)
        equity[position.venue] = equity.get(position.venue, 0.0) + held
    for name, account in book.margin_accounts.items():
        cash = account.cash_usd if cash_usd is None else cash_usd.get(name, account.cash_usd)
        equity[account.venue] = equity.get(account.venue, 0.0) + cash
    return equity


def venue_failures(book: Book) -> tuple[VenueFailure, ...]:
    """Every venue's failure row, the largest loss first (then by name)."""
    if not book.positions:
        return ()
    greeks = book_greeks(book)
    arrays = book.arrays
    table = greeks.positions
    equity = venue_equity_usd(book, table[:, _VALUE])
    net = {
        name: float(greeks.net[i, _DELTA])
        for i, name in enumerate(arrays.underlyings)
        if not arrays.pegged[i]
    }
    accounts = arrays.lending_accounts + arrays.margin_accounts
    rows = []
    for venue, held in equity.items():
        mine = np.array([p.venue == venue for p in book.positions], dtype=np.bool_)
        left = dict(net)
        for index in np.flatnonzero(mine):
            name = arrays.underlyings[int(arrays.codes[index, UNDERLYING])]
            if name in left:
                left[name] -= float(table[index, _DELTA])
        lost = tuple(sorted(a.name for a in accounts if a.venue == venue))
        loss = max(held, 0.0) if math.isfinite(held) else math.inf
        rows.append(VenueFailure(venue, held, loss, left, lost))
    return tuple(sorted(rows, key=lambda row: (-row.loss_usd, row.venue)))
