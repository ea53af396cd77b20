"""The terms rows of the book's richer records (options, perpetuals, futures) and the
options' pricing columns: what ``agent.risk.book`` lays into ``BookArrays``.

Spot and lending records need no row of their own: their quantity (and a supply's
liquidation threshold) is laid in by column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from agent.risk.book_columns import OPTION_ROWS
from agent.risk.positions import (
    FuturePosition,
    Kind,
    MarginBasis,
    MarketState,
    OptionPosition,
    PerpetualPosition,
    Position,
)
from agent.risk.terms import OptionType, Settlement
from agent.risk.validation import FloatArray

# A record's terms row (TERM_COLUMNS floats, NaN where a column does not apply) and its
# (is call, inverse, entry basis) codes.
Row = tuple[list[float], int, int, int]
_NAN = math.nan
_YEAR_SECONDS = 365.0 * 86400.0


def option_row(position: Position, spot: float, rate: float, now: float) -> Row:
    """An option's terms: quantity, strike, expiry, its own vol, forward / spot, margin."""
    assert isinstance(position, OptionPosition)
    nan = _NAN
    forward = nan if position.forward is None else position.forward / spot
    vol = nan if position.vol is None else position.vol
    row = [position.quantity, position.strike, position.expiry.timestamp(), vol, forward]
    row += [nan, nan, nan, position.maintenance_margin_rate, 0.0]
    is_call = int(position.option_type is OptionType.CALL)
    return row, is_call, int(position.settlement is Settlement.INVERSE), 0


def margined_row(position: Position, spot: float, rate: float, now: float) -> Row:
    """A perpetual's or future's terms: quantity, expiry, entry, carry, margin, fees."""
    assert isinstance(position, PerpetualPosition | FuturePosition)
    nan = _NAN
    expiry = carry = nan
    mark = spot
    if isinstance(position, FuturePosition):
        expiry = position.expiry.timestamp()
        years = max(expiry - now, 0.0) / _YEAR_SECONDS
        quoted = position.mark_price
        mark = spot * math.exp(rate * years) if quoted is None else quoted
        # A quoted mark implies a carry rate, held constant as the future ages.
        carry = math.log(mark / spot) / years if quoted and years > 0.0 else nan
    entry = mark if position.entry_price is None else position.entry_price
    row = [position.quantity, nan, expiry, nan, nan, entry, carry, nan]
    row += [position.maintenance_margin_rate or 0.0, position.fees_usd]
    inverse = int(position.settlement is Settlement.INVERSE)
    return row, 0, inverse, int(position.margin_basis is MarginBasis.ENTRY)


RICH_ROWS = {Kind.OPTION: option_row, Kind.PERP: margined_row, Kind.FUTURE: margined_row}


def option_terms(
    positions: Sequence[Position],
    market: Mapping[str, MarketState],
    now: float,
    options: Sequence[int],
) -> FloatArray:
    """(OPTION_ROWS, options): the pricing inputs of the options at ``options``."""
    columns = []
    for index in options:
        position = positions[index]
        assert isinstance(position, OptionPosition)
        state = market[position.underlying]
        scale = 1.0 if position.forward is None else position.forward / state.spot
        vol = position.vol if position.vol is not None else state.vol
        columns.append(
            (
                index,
                position.quantity,
                state.spot * scale,
                position.strike,
                (position.expiry.timestamp() - now) / _YEAR_SECONDS,
                state.rate,
                vol,
                scale,
                position.option_type is OptionType.CALL,
                position.forward is not None,
            )
        )
    return np.ascontiguousarray(np.array(columns, dtype=np.float64).reshape(-1, OPTION_ROWS).T)
