"""Books for the risk tests, built from records the way a connector would."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent.risk.book import Book
from agent.risk.positions import MarketState

EXAMPLE_PATH = Path(__file__).resolve().parents[3] / "config" / "books" / "example.json"
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
EXPIRY = datetime(2026, 12, 25, 8, 0, tzinfo=UTC)


def example_book() -> Book:
    return Book.from_json(EXAMPLE_PATH.read_text(), source=str(EXAMPLE_PATH))


def with_market(book: Book, underlying: str, **changes: float) -> Book:
    """The same positions in a market where one underlying's state changed."""
    market = dict(book.market)
    market[underlying] = replace(market[underlying], **changes)
    return Book.from_records(
        book.valuation_time, market, book.positions, book.margin_accounts.values()
    )


def later(book: Book, seconds: float) -> Book:
    return Book.from_records(
        book.valuation_time + timedelta(seconds=seconds),
        book.market,
        book.positions,
        book.margin_accounts.values(),
    )


def market(spot: float = 3000.0, rate: float = 0.03, vol: float = 0.6) -> dict[str, MarketState]:
    return {
        "ETH": MarketState(spot=spot, rate=rate, vol=vol),
        "USDC": MarketState(spot=1.0, pegged=True),
    }
