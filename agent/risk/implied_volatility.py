"""Implied volatility from option prices, to machine precision (Jaeckel's Let's Be Rational).

Each price is normalised (``normalised_black``: the undiscounted price over sqrt(F K) at
x = ln(F/K)) and inverted by ``implied_volatility_solver``. The work is laid out for the
CPU, in blocks of options: the normalisation and the lowest segment's guess run as
vectorised loops over a block (both branch-free once inlined; the guess is computed for
every option and used by those in the lowest segment, most of them when many options are
far out of the money), the segment search and the Householder steps as scalar code per
option. Results are the same floats as inverting one option at a time.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import ArrayLike

from agent.risk import elementary
from agent.risk.implied_volatility_guess import lowest_guess
from agent.risk.implied_volatility_solver import bracket, finish
from agent.risk.jit import inline_kernel, kernel, parallel_kernel
from agent.risk.normalised_black import black_call_and_vega_at_inflexion
from agent.risk.terms import PricingModel, Settlement
from agent.risk.validation import (
    BoolArray,
    FloatArray,
    as_float_arrays,
    finite,
    first_violation,
    positive_finite,
)

_PARALLEL_THRESHOLD = 2_000
# Options per block: the block's scratch arrays (a dozen doubles per option) stay in L1/L2.
_BLOCK = 512


@inline_kernel
def _normalise(
    price: float,
    underlying: float,
    strike: float,
    years: float,
    rate: float,
    is_call: bool,
    is_black76: bool,
) -> tuple[float, float]:
    """(beta, x) of a USD price: undiscounted price / sqrt(F K) and ln(F/K); beta is NaN at
    or above the option's maximum (F for a call, K for a put). Branch-free: vectorised."""
    growth = elementary.exp(rate * years)
    forward = underlying if is_black76 else underlying * growth
    undiscounted = price * growth
    beta = undiscounted / (math.sqrt(forward) * math.sqrt(strike))
    below_maximum = undiscounted < (forward if is_call else strike)
    return (beta if below_maximum else math.nan), elementary.log(forward / strike)


@kernel
def _solve_block(
    price: FloatArray,
    underlying: FloatArray,
    strike: FloatArray,
    years: FloatArray,
    rate: FloatArray,
    is_call: BoolArray,
    is_black76: bool,
    out: FloatArray,
    start: int,
) -> None:
    """Implied vols of options start .. start + _BLOCK (or the end) into ``out``."""
    stop = min(start + _BLOCK, price.shape[0])
    count = stop - start
    beta = np.empty(count)
    x = np.empty(count)
    for j in range(count):  # vectorised
        i = start + j
        beta[j], x[j] = _normalise(
            price[i], underlying[i], strike[i], years[i], rate[i], is_call[i], is_black76
        )
    inflexion = np.empty((3, count))
    for j in range(count):  # vectorised
        inflexion[0, j], inflexion[1, j], inflexion[2, j] = black_call_and_vega_at_inflexion(
            -abs(x[j])
        )
    open_ = np.empty(count, dtype=np.bool_)
    segments = np.empty((9, count))
    for j in range(count):
        at_inflexion = (inflexion[0, j], inflexion[1, j], inflexion[2, j])
        open_[j], out[start + j], segment = bracket(beta[j], x[j], is_call[start + j], at_inflexion)
        for k in range(9):
            segments[k, j] = segment[k]
    low_guess = np.empty(count)
    for j in range(count):  # vectorised: (x, beta, s_2, b_2)
        low_guess[j] = lowest_guess(segments[0, j], segments[1, j], segments[6, j], segments[7, j])
    for j in range(count):
        if open_[j]:
            segment = (
                segments[0, j],
                segments[1, j],
                segments[2, j],
                segments[3, j],
                segments[4, j],
                segments[5, j],
                segments[6, j],
                segments[7, j],
                segments[8, j],
            )
            out[start + j] = finish(segment, low_guess[j]) / math.sqrt(years[start + j])


@kernel
def _implied_vol_serial(
    price: FloatArray,
    underlying: FloatArray,
    strike: FloatArray,
    years: FloatArray,
    rate: FloatArray,
    is_call: BoolArray,
    is_black76: bool,
    out: FloatArray,
) -> None:
    for start in range(0, price.shape[0], _BLOCK):
        _solve_block(price, underlying, strike, years, rate, is_call, is_black76, out, start)


@parallel_kernel
def _implied_vol_parallel(
    price: FloatArray,
    underlying: FloatArray,
    strike: FloatArray,
    years: FloatArray,
    rate: FloatArray,
    is_call: BoolArray,
    is_black76: bool,
    out: FloatArray,
) -> None:
    blocks = (price.shape[0] + _BLOCK - 1) // _BLOCK
    for block in numba.prange(blocks):
        _solve_block(
            price, underlying, strike, years, rate, is_call, is_black76, out, block * _BLOCK
        )


def _check_inputs(
    price: FloatArray,
    underlying: FloatArray,
    strike: FloatArray,
    years: FloatArray,
    rate: FloatArray,
) -> None:
    checks = (
        ("price", price, finite(price)),
        ("underlying_price", underlying, positive_finite(underlying)),
        ("strike", strike, positive_finite(strike)),
        ("years", years, positive_finite(years)),
        ("rate", rate, finite(rate)),
    )
    for name, values, valid in checks:
        error = first_violation(name, values, valid)
        if error is not None:
            raise error


def implied_vol(
    price: ArrayLike,
    is_call: ArrayLike,
    underlying_price: ArrayLike,
    strike: ArrayLike,
    years: ArrayLike,
    rate: ArrayLike = 0.0,
    *,
    model: PricingModel = PricingModel.BLACK_SCHOLES,
    settlement: Settlement = Settlement.LINEAR,
) -> FloatArray:
    """Annual implied volatility of European options, broadcasting the inputs.

    ``price`` is per option on one coin: USD for linear options, coin for inverse ones
    (converted at ``underlying_price``). ``underlying_price`` is the spot (Black-Scholes)
    or the forward (Black-76), USD; ``years`` > 0. A price outside the no-arbitrage
    bounds (below the discounted intrinsic value, or at or above the discounted forward
    for a call / strike for a put) has no implied volatility and gives NaN; exactly at
    intrinsic gives 0. Invalid parameters raise ``RiskInputError``.
    """
    shape, calls, (price_, underlying, strike_, years_, rate_) = as_float_arrays(
        is_call, price, underlying_price, strike, years, rate
    )
    _check_inputs(price_, underlying, strike_, years_, rate_)
    if Settlement(settlement) is Settlement.INVERSE:
        price_ = np.multiply(price_, underlying)
    out: FloatArray = np.empty(price_.shape)
    compute = _implied_vol_parallel if out.size >= _PARALLEL_THRESHOLD else _implied_vol_serial
    compute(
        price_,
        underlying,
        strike_,
        years_,
        rate_,
        calls,
        PricingModel(model) is PricingModel.BLACK76,
        out,
    )
    return out.reshape(shape)
