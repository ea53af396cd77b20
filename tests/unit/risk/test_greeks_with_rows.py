"""The assessment's Greeks in one kernel call (``greeks_with_rows``) against the two it
replaced (``book_greeks``, then ``position_rows_kernel`` of its table), bit for bit."""

from __future__ import annotations

from hypothesis import given, settings

from agent.risk.book import Book
from agent.risk.portfolio import book_greeks, greeks_with_rows
from agent.risk.valuation import position_rows_kernel

from .books import example_book
from .test_liquidation_walk import books


def _check(book: Book) -> None:
    greeks, rows, options = greeks_with_rows(book)
    expected = book_greeks(book)
    expected_rows, expected_options = position_rows_kernel(
        expected.table, expected.spot, book.arrays.codes
    )
    assert greeks.underlyings == expected.underlyings
    assert greeks.table.tobytes() == expected.table.tobytes()
    assert greeks.table.shape == expected.table.shape
    assert greeks.spot.tobytes() == expected.spot.tobytes()
    assert rows.tobytes() == expected_rows.tobytes()
    assert options.tolist() == expected_options.tolist()


def test_the_example_books_greeks_and_rows() -> None:
    _check(example_book())


@settings(max_examples=30, deadline=None)
@given(books())
def test_random_books_greeks_and_rows(book: Book) -> None:
    _check(book)
