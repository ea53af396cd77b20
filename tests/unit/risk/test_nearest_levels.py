"""``liquidation_distance``'s walk in one kernel call (``nearest_levels_kernel``) against
the three calls it replaced (``layout_kernel``, ``levels_kernel``, ``nearest_kernel``),
bit for bit on random books: per underlying and side, the same account and shock."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings

from agent.risk import liquidation
from agent.risk.book import Book
from agent.risk.liquidation_walk import nearest_kernel, nearest_levels_kernel

from .test_liquidation_walk import books


@settings(max_examples=40, deadline=None)
@given(books())
def test_the_nearest_levels_are_the_three_calls(book: Book) -> None:
    arrays = book.arrays
    layout = liquidation._Layout.of(arrays)
    found = liquidation._walk(layout)
    nearest = nearest_kernel(found, layout.queries, len(arrays.underlyings))
    accounts, shocks = nearest_levels_kernel(
        layout.book(), arrays.pegged, liquidation._DOWN_SHOCKS, liquidation._UP_SHOCKS,
        liquidation._WALK,
    )  # fmt: skip
    for underlying in range(len(arrays.underlyings)):
        for side in range(2):
            row = nearest[underlying, side]
            if row < 0:
                assert accounts[underlying, side] == -1
                assert math.isnan(shocks[underlying, side])
            else:
                assert accounts[underlying, side] == layout.queries[row, 1]
                expected = np.float64(found[row, side]).tobytes()
                assert np.float64(shocks[underlying, side]).tobytes() == expected
