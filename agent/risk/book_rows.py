"""The book's rows (``lay_rows``: every record's terms and codes, the market, the options'
pricing columns), laid into ``BookArrays`` by ``agent.risk.book``.

Only the richer records, options, perpetuals and futures, have a row laid of their own;
spot and lending records' quantity (and a supply's liquidation threshold) is laid in by
column. The options (~90 a tick) are laid by column too: every number is the one the
plain per-option arithmetic gives (IEEE +, -, *, / are the same in numpy), only taken in
one go.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import numpy as np

from agent.risk.book_checks import Records
from agent.risk.book_columns import (
    CODE_COLUMNS,
    ENTRY_BASIS,
    EXPIRY,
    FEES,
    FORWARD_RATIO,
    INVERSE,
    IS_CALL,
    KIND,
    LENDING_ACCOUNT,
    MAINTENANCE,
    MARGIN_ACCOUNT,
    MARKET_VOL,
    OPTION_ROWS,
    QUANTITY,
    RATE,
    SPOT,
    STRIKE,
    TERM_COLUMNS,
    THRESHOLD,
    UNDERLYING,
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

if TYPE_CHECKING:
    from agent.risk.book import Checked

_NAN = math.nan
_T = TypeVar("_T")
_YEAR_SECONDS = 365.0 * 86400.0


class Rows(NamedTuple):
    """The records as arrays, all but their accounts (see BookArrays; made read-only by
    ``agent.risk.book``)."""

    market: FloatArray
    pegged: np.ndarray[tuple[int, ...], np.dtype[np.bool_]]
    terms: FloatArray
    codes: IntArray  # LENDING_ACCOUNT and MARGIN_ACCOUNT -1: for the caller to fill
    option_terms: FloatArray


def lay_rows(records: Records, checked: Checked, now: float) -> Rows:
    """Each record's terms and codes, the market and the options' pricing columns."""
    states = records.market
    market = np.array(
        [
            [state.spot, state.rate, math.nan if state.vol is None else state.vol]
            for state in states.values()
        ],
        dtype=np.float64,
    ).reshape(len(states), 3)
    pegged = np.array([state.pegged for state in states.values()], dtype=np.bool_)
    positions, kinds = records.positions, checked.kinds
    codes = np.zeros((len(positions), CODE_COLUMNS), dtype=np.int64)
    codes[:, KIND] = kinds
    codes[:, UNDERLYING] = checked.underlyings
    codes[:, LENDING_ACCOUNT] = codes[:, MARGIN_ACCOUNT] = -1
    # A spot or lending row: its quantity (a supply's threshold too), no maintenance, no
    # fees, NaN elsewhere; options, perpetuals and futures fill their own.
    terms = np.full((len(positions), TERM_COLUMNS), math.nan)
    terms[:, QUANTITY] = [p.quantity for p in positions]
    terms[:, MAINTENANCE] = terms[:, FEES] = 0.0
    supplies = picked(positions, checked.supplies)
    terms[checked.supply_rows, THRESHOLD] = [p.liquidation_threshold for p in supplies]  # type: ignore[union-attr]
    lay_margined(positions, checked.margined, states, now, terms, codes)
    option_terms = lay_options(positions, checked.options, market, now, terms, codes)
    return Rows(market, pegged, terms, codes, option_terms)


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


def picked(items: Sequence[_T], indices: Sequence[int]) -> Sequence[_T]:
    """``[items[i] for i in indices]``, gathered in one C call where there are several."""
    if len(indices) > 1:
        found: tuple[_T, ...] = itemgetter(*indices)(items)
        return found
    return [items[i] for i in indices]


# An option's fields the layout reads, each once.
_OPTION_FIELDS = attrgetter(
    "quantity", "strike", "expiry", "vol", "forward", "option_type", "settlement",
    "maintenance_margin_rate",
)  # fmt: skip


def lay_options(
    positions: Sequence[Position],
    indices: Sequence[int],
    market: FloatArray,
    now: float,
    terms: FloatArray,
    codes: IntArray,
) -> FloatArray:
    """The options' rows at ``indices`` (quantity, strike, expiry, own vol, forward /
    spot, maintenance rate; call and inverse codes), and their pricing inputs, one column
    per option (the rows of ``BookArrays.option_terms``). ``market``: the book's market
    array, each option's row of it found by its ``UNDERLYING`` code (already laid)."""
    if not indices:
        return np.empty((OPTION_ROWS, 0), dtype=np.float64)
    options: Sequence[OptionPosition] = picked(positions, indices)  # type: ignore[arg-type]
    fields = zip(*map(_OPTION_FIELDS, options), strict=True)
    quantities, strikes, expiries, vols, forwards, types, settlements, maintenance = fields
    at = np.array(indices, dtype=np.intp)
    states = market[codes[at, UNDERLYING]]  # each option's spot, rate and market vol
    spot = states[:, SPOT]
    quantity = np.array(quantities, dtype=np.float64)
    strike = np.array(strikes, dtype=np.float64)
    expiry = np.array([moment.timestamp() for moment in expiries], dtype=np.float64)
    # numpy takes None as NaN (the same NaN as ``math.nan``): no vol, no forward.
    vol = np.array(vols, dtype=np.float64)
    forward = np.array(forwards, dtype=np.float64)
    call, inverse = OptionType.CALL, Settlement.INVERSE  # (a class attribute of an enum: slow)
    is_call = np.array([kind is call for kind in types], dtype=np.int64)
    ratio = forward / spot  # NaN without a forward (a forward is never NaN)
    black76 = ~np.isnan(forward)
    scale = np.where(black76, ratio, 1.0)
    rows = terms[at]
    rows[:, QUANTITY], rows[:, STRIKE], rows[:, EXPIRY] = quantity, strike, expiry
    rows[:, VOL], rows[:, FORWARD_RATIO] = vol, ratio
    rows[:, MAINTENANCE] = maintenance
    terms[at] = rows
    codes[at, IS_CALL] = is_call
    codes[at, INVERSE] = [settlement is inverse for settlement in settlements]
    columns = (
        at.astype(np.float64),
        quantity,
        spot * scale,
        strike,
        (expiry - now) / _YEAR_SECONDS,
        states[:, RATE],
        np.where(np.isnan(vol), states[:, MARKET_VOL], vol),
        scale,
        is_call,
        black76,
    )
    option_terms = np.empty((OPTION_ROWS, len(options)), dtype=np.float64)
    for row, values in enumerate(columns):
        option_terms[row] = values
    return option_terms
