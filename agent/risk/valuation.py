"""Value and Greeks of every kind of position in a book.

All numbers are for the whole signed position, in USD (delta in coins of the underlying,
gamma per coin per USD), with respect to the underlying's spot:

- option: Black-Scholes on spot, or Black-76 on a forward that keeps its ratio to spot
  (delta and gamma scaled by dF/dS = F/S);
- perpetual: linear q (S - entry); inverse (USD face N) N (S/entry - 1), delta N/entry;
- future: forward F = S * exp(c T), with c the rate, or the carry implied by a quoted
  mark (held constant as the future ages); linear q (F - entry), inverse N (S/entry -
  exp(-c T)); theta is the decay of the carry, rho only when c is the rate;
- spot and lending supply: q S; lending debt: -q S.

A position's margin requirement (for accounts) is a fraction of its notional: at the mark
for options and (mark basis) perpetuals and futures, at entry for GMX-style positions,
and of the USD face value for inverse contracts.
"""

from __future__ import annotations

import math

import numpy as np

from agent.risk.black import option_row
from agent.risk.book import (
    CARRY,
    ENTRY,
    ENTRY_BASIS,
    EXPIRY,
    INVERSE,
    KIND,
    MAINTENANCE,
    OPTION_IS_BLACK76,
    OPTION_IS_CALL,
    OPTION_POSITION,
    OPTION_QUANTITY,
    OPTION_RATE,
    OPTION_SCALE,
    OPTION_STRIKE,
    OPTION_UNDERLYING_PRICE,
    OPTION_VOL,
    OPTION_YEARS,
    QUANTITY,
    RATE,
    SPOT,
    UNDERLYING,
    IntArray,
)
from agent.risk.elementary import exp
from agent.risk.jit import inline_kernel, kernel
from agent.risk.terms import DAYS_PER_YEAR, RATE_POINT, SECONDS_PER_YEAR
from agent.risk.validation import FloatArray

_OPTION, _PERP, _FUTURE, _SPOT, _SUPPLY, _DEBT = 0, 1, 2, 3, 4, 5
Row = tuple[float, float, float, float, float, float]
# Columns of the per-position result of book_greeks.
VALUE, DELTA, GAMMA, VEGA, THETA, RHO = range(6)


@inline_kernel
def _basis(
    terms: FloatArray, kind: int, index: int, rate: float, now: float
) -> tuple[float, float, float, bool]:
    """(years, basis F/S, carry, basis-from-rate) of a perpetual or future."""
    if kind == _PERP:
        return 0.0, 1.0, 0.0, False
    years = max((terms[index, EXPIRY] - now) / SECONDS_PER_YEAR, 0.0)
    quoted = terms[index, CARRY]
    carry = rate if math.isnan(quoted) else quoted
    return years, exp(carry * years), carry, math.isnan(quoted)


@inline_kernel
def _linear_contract(
    terms: FloatArray, codes: IntArray, index: int, kind: int, spot: float, rate: float, now: float
) -> Row:
    quantity = terms[index, QUANTITY]
    entry = terms[index, ENTRY]
    years, basis, carry, from_rate = _basis(terms, kind, index, rate, now)
    if codes[index, INVERSE] == 1:
        value = quantity * (spot / entry - 1.0 / basis)
        theta = -quantity * carry / basis / DAYS_PER_YEAR
        rho = quantity * years / basis * RATE_POINT if from_rate else 0.0
        return value, quantity / entry, 0.0, 0.0, theta, rho
    forward = spot * basis
    theta = -quantity * carry * forward / DAYS_PER_YEAR
    rho = quantity * years * forward * RATE_POINT if from_rate else 0.0
    return quantity * (forward - entry), quantity * basis, 0.0, 0.0, theta, rho


@inline_kernel
def linear_position_row(
    terms: FloatArray,
    codes: IntArray,
    index: int,
    market: FloatArray,
    now: float,
    spot_multiplier: float,
) -> Row:
    """(value, delta, gamma, vega, theta, rho) of a position that is not an option.

    Options are priced by their own vectorised loops (``book_greeks_kernel`` here,
    ``scenario_kernels``) from ``black.option_row``.
    """
    kind = codes[index, KIND]
    underlying = codes[index, UNDERLYING]
    spot = market[underlying, SPOT] * spot_multiplier
    if kind in (_PERP, _FUTURE):
        return _linear_contract(terms, codes, index, kind, spot, market[underlying, RATE], now)
    quantity = -terms[index, QUANTITY] if kind == _DEBT else terms[index, QUANTITY]
    return quantity * spot, quantity, 0.0, 0.0, 0.0, 0.0


@inline_kernel
def plain_terms(
    terms: FloatArray, codes: IntArray, index: int, market: FloatArray
) -> tuple[float, float]:
    """(signed quantity, spot USD) of a spot or lending row, whose value at a spot
    multiplier m is ``quantity * (spot * m)`` (``linear_values``)."""
    kind = codes[index, KIND]
    quantity: float = -terms[index, QUANTITY] if kind == _DEBT else terms[index, QUANTITY]
    spot: float = market[codes[index, UNDERLYING], SPOT]
    return quantity, spot


@inline_kernel
def maintenance_terms(
    terms: FloatArray, codes: IntArray, index: int, market: FloatArray, now: float
) -> tuple[float, float, float]:
    """(fixed, per_spot, basis) of position ``index``'s USD maintenance margin, which is
    ``fixed + per_spot * spot * basis`` at the shocked spot: the parts that do not depend
    on the scenario, so a loop over scenarios is straight-line code (evaluated in this
    order it gives the same floats as the margin computed per scenario)."""
    kind = codes[index, KIND]
    rate_of_notional: float = terms[index, MAINTENANCE]
    quantity: float = abs(terms[index, QUANTITY])
    if kind == _OPTION:
        return 0.0, rate_of_notional * quantity, 1.0
    if kind not in (_PERP, _FUTURE):
        return 0.0, 0.0, 1.0
    if codes[index, INVERSE] == 1:
        return rate_of_notional * quantity, 0.0, 1.0
    if codes[index, ENTRY_BASIS] == 1:
        entry: float = terms[index, ENTRY]
        return rate_of_notional * quantity * entry, 0.0, 1.0
    underlying = codes[index, UNDERLYING]
    _, basis, _, _ = _basis(terms, kind, index, market[underlying, RATE], now)
    return 0.0, rate_of_notional * quantity, basis


@kernel
def book_greeks_kernel(
    terms: FloatArray, codes: IntArray, market: FloatArray, now: float, option_terms: FloatArray
) -> FloatArray:
    """Per-position rows (n, 6) then net per underlying (u, 6), columns VALUE..RHO, in one
    (n + u, 6) table (one allocation, one array handed back to Python).

    Options come from ``option_terms`` (``BookArrays.option_terms``), one contiguous row
    per input, so their loop is vectorised; the other positions go through
    ``linear_position_row``.
    """
    count = terms.shape[0]
    options = option_terms.shape[1]
    results = np.empty((6, options))
    for column in range(options):
        quantity = option_terms[OPTION_QUANTITY, column]
        scale = option_terms[OPTION_SCALE, column]
        value, delta, gamma, vega, theta, rho = option_row(
            option_terms[OPTION_IS_CALL, column] == 1.0,
            option_terms[OPTION_IS_BLACK76, column] == 1.0,
            option_terms[OPTION_UNDERLYING_PRICE, column],
            option_terms[OPTION_STRIKE, column],
            option_terms[OPTION_YEARS, column],
            option_terms[OPTION_RATE, column],
            option_terms[OPTION_VOL, column],
        )
        results[VALUE, column] = quantity * value
        results[DELTA, column] = quantity * delta * scale
        results[GAMMA, column] = quantity * gamma * scale * scale
        results[VEGA, column] = quantity * vega
        results[THETA, column] = quantity * theta
        results[RHO, column] = quantity * rho
    rows = np.zeros((count + market.shape[0], 6))
    for column in range(options):
        position = int(option_terms[OPTION_POSITION, column])
        for greek in range(6):
            rows[position, greek] = results[greek, column]
    for index in range(count):
        kind = codes[index, KIND]
        if kind in (_SPOT, _SUPPLY, _DEBT):
            # ``linear_position_row``'s floats at a multiplier of 1, without its branches:
            # through it, each of a thousand loans' rows cost ten times this.
            quantity, spot = plain_terms(terms, codes, index, market)
            rows[index, VALUE] = quantity * spot
            rows[index, DELTA] = quantity
        elif kind != _OPTION:
            row = linear_position_row(terms, codes, index, market, now, 1.0)
            for greek in range(6):
                rows[index, greek] = row[greek]
        net = count + codes[index, UNDERLYING]
        for greek in range(6):
            rows[net, greek] += rows[index, greek]
    return rows


@kernel
def position_rows_kernel(
    table: FloatArray, spot: FloatArray, codes: IntArray
) -> tuple[FloatArray, IntArray]:
    """(rows, options) from ``book_greeks_kernel``'s table: per position, its Greeks in
    the fields' order of ``agent.model.Greeks`` (delta, delta_usd = delta * spot,
    gamma, vega, theta, rho; each + 0.0, which turns -0.0 into 0.0), and the rows of
    the options, in book order. One pass where numpy took six, each with a temporary."""
    count = codes.shape[0]
    rows = np.empty((count, 6))
    options = np.empty(count, dtype=np.int64)
    found = 0
    for index in range(count):
        delta = table[index, DELTA]
        rows[index, 0] = delta + 0.0
        rows[index, 1] = delta * spot[codes[index, UNDERLYING]] + 0.0
        rows[index, 2] = table[index, GAMMA] + 0.0
        rows[index, 3] = table[index, VEGA] + 0.0
        rows[index, 4] = table[index, THETA] + 0.0
        rows[index, 5] = table[index, RHO] + 0.0
        if codes[index, KIND] == _OPTION:
            options[found] = index
            found += 1
    return rows, options[:found]


@kernel
def greeks_and_rows_kernel(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    option_terms: FloatArray,
    spot: FloatArray,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """``book_greeks_kernel``'s table, then ``position_rows_kernel``'s rows and options of
    it, in one call (the assessment's: two calls paid numba's dispatch twice)."""
    table = book_greeks_kernel(terms, codes, market, now, option_terms)
    rows, options = position_rows_kernel(table, spot, codes)
    return table, rows, options
