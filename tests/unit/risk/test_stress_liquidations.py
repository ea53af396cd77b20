"""The stress grid's cells of failing accounts, laid out from flat lists, are those of
the per-cell lookup they replaced, on random failures of random books' accounts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.risk.book import Book
from agent.risk.liquidation import member_ids
from agent.risk.stress import _liquidations

from .test_liquidation_walk import books


def _per_cell(book: Book, failing: np.ndarray, names: tuple, accounts: tuple) -> tuple:
    """The replaced layout: a lookup per cell, nested generators per row."""
    _, spot_count, vol_count = failing.shape
    cells: dict = {}
    for flat in np.flatnonzero(failing).tolist():
        account, cell = divmod(flat, spot_count * vol_count)
        failed, positions = cells.setdefault(cell, ([], []))
        failed.append(names[account])
        positions.extend(member_ids(book, accounts[account]))
    found = {cell: (tuple(failed), tuple(ids)) for cell, (failed, ids) in cells.items()}
    rows = [[found.get(spot * vol_count + vol, ((), ())) for vol in range(vol_count)]
            for spot in range(spot_count)]  # fmt: skip
    return (
        tuple(tuple(cell[0] for cell in row) for row in rows),
        tuple(tuple(cell[1] for cell in row) for row in rows),
    )


@settings(max_examples=100, deadline=None)
@given(books(), st.integers(1, 5), st.integers(1, 4), st.data())
def test_the_cells_are_the_per_cell_lookups(
    book: Book, spot_count: int, vol_count: int, data: st.DataObject
) -> None:
    arrays = book.arrays
    accounts = arrays.lending_accounts + arrays.margin_accounts
    names = tuple(account.name for account in accounts)
    size = len(accounts) * spot_count * vol_count
    bits = data.draw(st.lists(st.booleans(), min_size=size, max_size=size))
    failing = np.array(bits, dtype=bool).reshape(len(accounts), spot_count, vol_count)
    expected = _per_cell(book, failing, names, accounts)
    assert _liquidations(book, failing, names, accounts) == expected
