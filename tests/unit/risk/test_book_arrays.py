"""The book's arrays as its column constants describe them, read off the example book's
records by hand: every kind, defaults (no vol, no maintenance rate, no quoted mark),
a forward, a quoted future, an isolated perp, a cross account and a lending account."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from agent.risk.book import CODE_COLUMNS, TERM_COLUMNS
from tests.unit.risk.books import example_book

NAN = math.nan
YEAR_S = 365.0 * 86400.0
DECEMBER = datetime(2026, 12, 25, 8, 0, tzinfo=UTC).timestamp()
MARCH = datetime(2027, 3, 26, 8, 0, tzinfo=UTC).timestamp()


def test_terms_codes_and_option_columns_follow_the_layout() -> None:
    book = example_book()
    arrays = book.arrays
    now = book.valuation_time.timestamp()
    years = (DECEMBER - now) / YEAR_S
    assert arrays.underlyings == ("ETH", "BTC", "USDC")
    # quantity, strike, expiry, vol, forward / spot, entry, carry, threshold, maintenance, fees
    terms = [
        [-10, 3200, DECEMBER, 0.7, NAN, NAN, NAN, NAN, 0.0, 0.0],  # o1
        [10, 2600, DECEMBER, NAN, NAN, NAN, NAN, NAN, 0.0, 0.0],  # o2: the market's vol
        [-5, 3500, MARCH, NAN, NAN, NAN, NAN, NAN, 0.0, 0.0],  # o3
        [1, 80000, DECEMBER, NAN, 90300 / 90000.0, NAN, NAN, NAN, 0.0, 0.0],  # o4
        [5, NAN, NAN, NAN, NAN, 2900, NAN, NAN, 0.02, 0.0],  # p1 (cross)
        [-8, NAN, NAN, NAN, NAN, 3050, NAN, NAN, 0.01, 25.0],  # p2 (isolated)
        [45000, NAN, NAN, NAN, NAN, 88000, NAN, NAN, 0.0, 0.0],  # p3
        [-30000, NAN, DECEMBER, NAN, NAN, 3020, math.log(3010 / 3000.0) / years, NAN, 0.0, 0.0],
        [0.5, NAN, MARCH, NAN, NAN, 89500, NAN, NAN, 0.0, 0.0],  # f2: no quoted mark
        [2, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0.0, 0.0],  # s1
        [20, NAN, NAN, NAN, NAN, NAN, NAN, 0.83, 0.0, 0.0],  # l1
        [30000, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0.0, 0.0],  # l2
    ]
    assert arrays.terms.shape == (12, TERM_COLUMNS)
    np.testing.assert_array_equal(arrays.terms, np.array(terms))
    # kind, underlying, call, inverse, entry basis, lending account, margin account
    codes = [
        [0, 0, 1, 1, 0, -1, -1],
        [0, 0, 0, 1, 0, -1, -1],
        [0, 0, 1, 0, 0, -1, -1],
        [0, 1, 0, 1, 0, -1, -1],
        [1, 0, 0, 0, 0, -1, 0],  # hl-cross, the book's margin account
        [1, 0, 0, 0, 1, -1, 1],  # its own isolated account, after the cross ones
        [1, 1, 0, 1, 0, -1, -1],
        [2, 0, 0, 1, 0, -1, -1],
        [2, 1, 0, 0, 0, -1, -1],
        [3, 0, 0, 0, 0, -1, -1],
        [4, 0, 0, 0, 0, 0, -1],
        [5, 2, 0, 0, 0, 0, -1],
    ]
    assert arrays.codes.shape == (12, CODE_COLUMNS)
    np.testing.assert_array_equal(arrays.codes, np.array(codes))
    assert [a.name for a in arrays.margin_accounts] == ["hl-cross", "p2 (isolated)"]
    np.testing.assert_array_equal(arrays.margin_cash, [6000.0, 4000.0])
    assert [(a.name, a.positions) for a in arrays.lending_accounts] == [("aave-main", (10, 11))]
    # One column per option: position, quantity, price, strike, years, rate, vol, scale,
    # call, Black-76.
    scale = 90300 / 90000.0
    options = [
        [0, -10, 3000.0, 3200, years, 0.03, 0.7, 1.0, 1, 0],
        [1, 10, 3000.0, 2600, years, 0.03, 0.6, 1.0, 0, 0],
        [2, -5, 3000.0, 3500, (MARCH - now) / YEAR_S, 0.03, 0.6, 1.0, 1, 0],
        [3, 1, 90000.0 * scale, 80000, years, 0.03, 0.5, scale, 0, 1],
    ]
    np.testing.assert_array_equal(arrays.option_terms, np.array(options).T)
    assert arrays.option_terms.flags.c_contiguous
    for array in (arrays.terms, arrays.codes, arrays.option_terms, arrays.margin_cash):
        assert not array.flags.writeable
