"""The rows of the book's richer records: options, perpetuals and futures, laid into
``BookArrays`` by ``agent.risk.book``.

Spot and lending records need no row of their own: their quantity (and a supply's
liquidation threshold) is laid in by column. The options (~90 a tick) are laid by column
too: every number is the one the plain per-option arithmetic gives (IEEE +, -, *, / are
the same in numpy), only taken in one go.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from agent.risk.book_columns import (
    ENTRY_BASIS,
    EXPIRY,
    FORWARD_RATIO,
    INVERSE,
    IS_CALL,
    MAINTENANCE,
    OPTION_ROWS,
    QUANTITY,
    STRIKE,
    VOL,
    IntArray,
)
from agent.risk.positions import (
    FuturePosition,
    MarginBasis,
    MarketState,
    OptionPosition,
    PerpetualPosition,
    Position,
)
from agent.risk.terms import OptionType, Settlement
from agent.risk.validation import FloatArray

_NAN = math.nan
_YEAR_SECONDS = 365.0 * 86400.0


def lay_margined(
    positions: Sequence[Position],
    indices: Sequence[int],
    market: Mapping[str, MarketState],
    now: float,
    terms: FloatArray,
    codes: IntArray,
) -> None:
    """Each perpetual's and future's row at ``indices``: quantity, expiry, entry, carry,
    maintenance rate, fees; inverse and entry-basis codes."""
    nan = _NAN
    for index in indices:
        position = positions[index]
        assert isinstance(position, PerpetualPosition | FuturePosition)
        state = market[position.underlying]
        expiry = carry = nan
        mark = state.spot
        if isinstance(position, FuturePosition):
            expiry = position.expiry.timestamp()
            years = max(expiry - now, 0.0) / _YEAR_SECONDS
            quoted = position.mark_price
            mark = state.spot * math.exp(state.rate * years) if quoted is None else quoted
            # A quoted mark implies a carry rate, held constant as the future ages.
            carry = math.log(mark / state.spot) / years if quoted and years > 0.0 else nan
        entry = mark if position.entry_price is None else position.entry_price
        row = [position.quantity, nan, expiry, nan, nan, entry, carry, nan]
        terms[index] = [*row, position.maintenance_margin_rate or 0.0, position.fees_usd]
        codes[index, INVERSE] = position.settlement is Settlement.INVERSE
        codes[index, ENTRY_BASIS] = position.margin_basis is MarginBasis.ENTRY


def lay_options(
    positions: Sequence[Position],
    indices: Sequence[int],
    market: Mapping[str, MarketState],
    now: float,
    terms: FloatArray,
    codes: IntArray,
) -> FloatArray:
    """The options' rows at ``indices`` (quantity, strike, expiry, own vol, forward /
    spot, maintenance rate; call and inverse codes), and their pricing inputs, one column
    per option (the rows of ``BookArrays.option_terms``)."""
    options: list[OptionPosition] = [positions[i] for i in indices]  # type: ignore[misc]
    states = [market[o.underlying] for o in options]
    spot = np.array([s.spot for s in states], dtype=np.float64)
    market_vol = np.array([_NAN if s.vol is None else s.vol for s in states], dtype=np.float64)
    quantity = np.array([o.quantity for o in options], dtype=np.float64)
    strike = np.array([o.strike for o in options], dtype=np.float64)
    expiry = np.array([o.expiry.timestamp() for o in options], dtype=np.float64)
    vol = np.array([_NAN if o.vol is None else o.vol for o in options], dtype=np.float64)
    forward = np.array([_NAN if o.forward is None else o.forward for o in options], np.float64)
    is_call = np.array([o.option_type is OptionType.CALL for o in options], dtype=np.int64)
    ratio = forward / spot  # NaN without a forward (a forward is never NaN)
    black76 = ~np.isnan(forward)
    scale = np.where(black76, ratio, 1.0)
    rows = terms[indices]
    rows[:, QUANTITY], rows[:, STRIKE], rows[:, EXPIRY] = quantity, strike, expiry
    rows[:, VOL], rows[:, FORWARD_RATIO] = vol, ratio
    rows[:, MAINTENANCE] = [o.maintenance_margin_rate for o in options]
    terms[indices] = rows
    codes[indices, IS_CALL] = is_call
    codes[indices, INVERSE] = [o.settlement is Settlement.INVERSE for o in options]
    columns = (
        np.array(indices, dtype=np.float64),
        quantity,
        spot * scale,
        strike,
        (expiry - now) / _YEAR_SECONDS,
        np.array([s.rate for s in states], dtype=np.float64),
        np.where(np.isnan(vol), market_vol, vol),
        scale,
        is_call,
        black76,
    )
    option_terms = np.empty((OPTION_ROWS, len(options)), dtype=np.float64)
    for row, values in enumerate(columns):
        option_terms[row] = values
    return option_terms
