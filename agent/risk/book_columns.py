"""The columns of the book's arrays (``agent.risk.book.BookArrays``), by name.

Every kernel indexes ``terms``, ``codes``, ``market`` and ``option_terms`` with these
constants; ``agent.risk.book`` re-exports them.
"""

from __future__ import annotations

import numpy as np

from agent.risk.positions import Kind

IntArray = np.ndarray[tuple[int, ...], np.dtype[np.int64]]

# Columns of BookArrays.terms (float64) and BookArrays.codes (int64).
QUANTITY, STRIKE, EXPIRY, VOL, FORWARD_RATIO, ENTRY, CARRY, THRESHOLD, MAINTENANCE, FEES = range(10)
TERM_COLUMNS = 10
KIND, UNDERLYING, IS_CALL, INVERSE, ENTRY_BASIS, LENDING_ACCOUNT, MARGIN_ACCOUNT = range(7)
CODE_COLUMNS = 7
# Kind codes in BookArrays.codes[:, KIND].
KIND_CODES = {
    Kind.OPTION: 0,
    Kind.PERP: 1,
    Kind.FUTURE: 2,
    Kind.SPOT: 3,
    Kind.LENDING_SUPPLY: 4,
    Kind.LENDING_DEBT: 5,
}
# Columns of BookArrays.market.
SPOT, RATE, MARKET_VOL = range(3)

# Rows of BookArrays.option_terms: one column per option, so a kernel reads each input
# contiguously (and LLVM vectorises across options). Market-dependent, like the book.
(
    OPTION_POSITION,
    OPTION_QUANTITY,
    OPTION_UNDERLYING_PRICE,
    OPTION_STRIKE,
    OPTION_YEARS,
    OPTION_RATE,
    OPTION_VOL,
    OPTION_SCALE,
    OPTION_IS_CALL,
    OPTION_IS_BLACK76,
) = range(10)
OPTION_ROWS = 10
