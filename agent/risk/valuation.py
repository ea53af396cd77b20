"""Value and Greeks of every kind of position, and their revaluation under scenarios.

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
    FORWARD_RATIO,
    INVERSE,
    IS_CALL,
    KIND,
    MAINTENANCE,
    MARKET_VOL,
    QUANTITY,
    RATE,
    SPOT,
    STRIKE,
    UNDERLYING,
    VOL,
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
def _option(
    terms: FloatArray,
    codes: IntArray,
    index: int,
    spot: float,
    rate: float,
    market_vol: float,
    now: float,
    vol_multiplier: float,
) -> Row:
    quantity = terms[index, QUANTITY]
    years = (terms[index, EXPIRY] - now) / SECONDS_PER_YEAR
    override = terms[index, VOL]
    vol = (market_vol if math.isnan(override) else override) * vol_multiplier
    ratio = terms[index, FORWARD_RATIO]
    black76 = not math.isnan(ratio)
    scale = ratio if black76 else 1.0
    value, delta, gamma, vega, theta, rho = option_row(
        codes[index, IS_CALL] == 1, black76, spot * scale, terms[index, STRIKE], years, rate, vol
    )
    return (
        quantity * value,
        quantity * delta * scale,
        quantity * gamma * scale * scale,
        quantity * vega,
        quantity * theta,
        quantity * rho,
    )


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
def position_row(
    terms: FloatArray,
    codes: IntArray,
    index: int,
    market: FloatArray,
    now: float,
    spot_multiplier: float,
    vol_multiplier: float,
) -> Row:
    """(value, delta, gamma, vega, theta, rho) of position ``index`` (see module docstring)."""
    kind = codes[index, KIND]
    underlying = codes[index, UNDERLYING]
    spot = market[underlying, SPOT] * spot_multiplier
    rate = market[underlying, RATE]
    if kind == _OPTION:
        market_vol = market[underlying, MARKET_VOL]
        return _option(terms, codes, index, spot, rate, market_vol, now, vol_multiplier)
    if kind in (_PERP, _FUTURE):
        return _linear_contract(terms, codes, index, kind, spot, rate, now)
    quantity = -terms[index, QUANTITY] if kind == _DEBT else terms[index, QUANTITY]
    return quantity * spot, quantity, 0.0, 0.0, 0.0, 0.0


@inline_kernel
def maintenance_margin(
    terms: FloatArray,
    codes: IntArray,
    index: int,
    market: FloatArray,
    now: float,
    spot_multiplier: float,
) -> float:
    """USD maintenance margin of position ``index`` at the shocked spot."""
    kind = codes[index, KIND]
    rate_of_notional: float = terms[index, MAINTENANCE]
    quantity: float = abs(terms[index, QUANTITY])
    underlying = codes[index, UNDERLYING]
    spot: float = market[underlying, SPOT] * spot_multiplier
    if kind == _OPTION:
        return rate_of_notional * quantity * spot
    if kind not in (_PERP, _FUTURE):
        return 0.0
    if codes[index, INVERSE] == 1:
        return rate_of_notional * quantity
    if codes[index, ENTRY_BASIS] == 1:
        entry: float = terms[index, ENTRY]
        return rate_of_notional * quantity * entry
    _, basis, _, _ = _basis(terms, kind, index, market[underlying, RATE], now)
    return rate_of_notional * quantity * spot * basis


@kernel
def book_greeks_kernel(
    terms: FloatArray, codes: IntArray, market: FloatArray, now: float
) -> tuple[FloatArray, FloatArray]:
    """Per-position rows (n, 6) and net per underlying (u, 6) in the VALUE..RHO columns."""
    count = terms.shape[0]
    rows = np.empty((count, 6))
    net = np.zeros((market.shape[0], 6))
    for index in range(count):
        row = position_row(terms, codes, index, market, now, 1.0, 1.0)
        underlying = codes[index, UNDERLYING]
        for column in range(6):
            rows[index, column] = row[column]
            net[underlying, column] += row[column]
    return rows, net
