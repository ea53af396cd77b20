"""Net Greeks of a 50-position book, including the call: median of many calls.

The figure is the best of 10 medians of 1000 calls each (3 of 100 for the peer), so
that a burst of other work on a shared machine does not decide it.

Ours: ``agent.risk.portfolio.book_greeks(book)`` on a book of 30 options (linear and
inverse, Black-Scholes and Black-76), 10 perpetuals and futures, 4 spot and 6 lending
positions over two underlyings; the book is built once, as the agent does when a
snapshot arrives, and each call computes every position's Greeks and the net per
underlying. Peer: py_vollib_vectorized's ``get_all_greeks`` on the same 30 options plus
a numpy sum (no linear instruments, so it does strictly less work). Target: <= 5 us.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from agent.risk.book import Book

from bench import Result, best_median

BATCHES = 10
CALLS = 1_000
PEER_CALLS = 100


def build_book() -> Book:
    from agent.risk.book import Book
    from agent.risk.positions import (
        FuturePosition,
        LendingDebtPosition,
        LendingSupplyPosition,
        MarketState,
        OptionPosition,
        PerpetualPosition,
        SpotPosition,
    )
    from agent.risk.terms import OptionType, Settlement

    generator = np.random.default_rng(50)
    now = datetime(2026, 11, 21, 8, tzinfo=UTC)
    market = {
        "ETH": MarketState(3000.0, 0.03, 0.6),
        "BTC": MarketState(90_000.0, 0.03, 0.5),
        "USDC": MarketState(1.0, pegged=True),
    }
    positions: list[object] = []
    for index in range(30):
        underlying = "ETH" if index % 2 else "BTC"
        spot = market[underlying].spot
        expiry = now + timedelta(days=float(generator.uniform(2, 200)))
        positions.append(
            OptionPosition(
                f"o{index}",
                "deribit" if index % 3 else "premia",
                underlying,
                OptionType.CALL if index % 4 < 2 else OptionType.PUT,
                float(spot * np.exp(generator.normal(0, 0.2))),
                expiry,
                float(generator.uniform(-20, 20)),
                Settlement.INVERSE if index % 3 else Settlement.LINEAR,
                forward=float(spot * 1.004) if index % 5 == 0 else None,
            )
        )
    for index in range(5):
        positions.append(
            PerpetualPosition(f"p{index}", "hyperliquid", "ETH", float(generator.uniform(-9, 9)))
        )
        positions.append(
            FuturePosition(
                f"f{index}",
                "deribit",
                "BTC",
                10_000.0 * (index + 1),
                now + timedelta(days=35),
                entry_price=88_000.0,
                settlement=Settlement.INVERSE,
            )
        )
    for index in range(4):
        positions.append(SpotPosition(f"s{index}", "uniswap", "ETH", float(index + 1)))
    for index in range(3):
        positions.append(LendingSupplyPosition(f"l{index}", "aave", "ETH", 10.0 + index, 0.83))
        positions.append(LendingDebtPosition(f"d{index}", "aave", "USDC", 5_000.0 * (index + 1)))
    book = Book.from_records(now, market, positions)  # type: ignore[arg-type]
    assert len(book.positions) == 50
    return book


def run() -> list[Result]:
    import py_vollib_vectorized as pvv

    from agent.risk.portfolio import book_greeks
    from agent.risk.positions import OptionPosition

    book = build_book()
    book_greeks(book)  # compile
    ours = best_median(lambda: book_greeks(book), BATCHES, CALLS)
    options = [p for p in book.positions if isinstance(p, OptionPosition)]
    flags = np.array(["c" if p.option_type == "call" else "p" for p in options])
    spot = np.array([book.market[p.underlying].spot for p in options])
    strike = np.array([p.strike for p in options])
    years = np.array(
        [(p.expiry - book.valuation_time).total_seconds() / (365 * 86400) for p in options]
    )
    rate = np.full(len(options), 0.03)
    vol = np.array([book.market[p.underlying].vol for p in options])
    quantity = np.array([p.quantity for p in options])

    def peer() -> object:
        greeks = pvv.get_all_greeks(
            flags, spot, strike, years, rate, vol, model="black_scholes", return_as="dict"
        )
        return {name: float(np.sum(values * quantity)) for name, values in greeks.items()}

    peer()
    theirs = best_median(peer, 3, PEER_CALLS)
    microseconds = 1e6
    return [
        Result(
            "net greeks, 50-position book (median)",
            ours * microseconds,
            theirs * microseconds,
            "py_vollib_vectorized",
            "us/call",
            "<= 5 us",
            ours * microseconds <= 5.0,
        )
    ]
