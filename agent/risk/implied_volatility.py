"""Implied volatility from option prices, to machine precision (Jaeckel's Let's Be Rational).

Each price is normalised (``normalised_black``: the undiscounted price over sqrt(F K) at
x = ln(F/K)) and inverted by ``implied_volatility_solver``. The work is laid out for the
CPU, in blocks of options. Scalar code that branches per option runs at the latency of
its longest chain of dependent operations, so whatever can be written without a loop of
varying length runs as loops over the block that LLVM vectorises (branches become
selects; 8 options per AVX-512 instruction): the normalisation, b and its vega at the
inflexion point, and, for the lowest segment (where most far out-of-the-money quotes
fall), the guess and the first Householder step. They are computed for every option and
used by those they apply to. The segment search, the other guesses and the remaining
steps run per option. Results are the same floats as solving one option at a time.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import ArrayLike

from agent.risk import elementary
from agent.risk.elementary import log
from agent.risk.implied_volatility_guess import lowest_guess
from agent.risk.implied_volatility_solver import (
    ITERATIONS,
    LOWER,
    RefineState,
    Segment,
    after_evaluation,
    before_evaluation,
    bracket,
    finish,
)
from agent.risk.jit import inline_kernel, kernel, parallel_kernel
from agent.risk.normalised_black import black_call_and_vega, black_call_and_vega_unless_miller
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
_SMALLEST = 2.2250738585072014e-308
_LARGEST = 1.7976931348623157e308


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
    for j in range(count):  # vectorised: s_c = sqrt(2|x|), b and vega there
        s_c = math.sqrt(2.0 * abs(x[j]))
        b_c, v_c, _ = black_call_and_vega_unless_miller(-abs(x[j]), s_c)  # complete at s_c
        inflexion[0, j], inflexion[1, j], inflexion[2, j] = s_c, b_c, v_c
    open_ = np.empty(count, dtype=np.bool_)
    segments = np.empty((9, count))
    for j in range(count):
        at_inflexion = (inflexion[0, j], inflexion[1, j], inflexion[2, j])
        open_[j], out[start + j], segment = bracket(beta[j], x[j], is_call[start + j], at_inflexion)
        for k in range(9):
            segments[k, j] = segment[k]
    lowest = _lowest_segment_vols(segments, open_, count)
    for j in range(count):
        if open_[j]:
            segment = _segment_at(segments, j)
            out[start + j] = finish(segment, lowest[j]) / math.sqrt(years[start + j])


@inline_kernel
def _segment_at(segments: FloatArray, j: int) -> Segment:
    """Column j of a block's (9, count) table of ``bracket`` segments, as a tuple."""
    return (
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


@kernel
def _lowest_segment_vols(segments: FloatArray, open_: BoolArray, count: int) -> FloatArray:
    """Total vol per option of a block as if its beta lay in the lowest segment: the guess
    and ``ITERATIONS`` passes of ``_refine``'s loop (bisections and all) run as vectorised
    loops over the block, all options in step; only b where Miller's recursion is needed
    is computed one option at a time. Meaningless for options in other segments."""
    state = np.empty((6, count))
    log_beta = np.empty(count)
    reversals = np.zeros(count, dtype=np.int64)
    done = np.zeros(count, dtype=np.bool_)
    for j in range(count):  # vectorised: the guess at (x, beta, s_2, b_2)
        x, beta, s_2 = segments[0, j], segments[1, j], segments[6, j]
        guess = lowest_guess(x, beta, s_2, segments[7, j])
        log_beta[j] = log(beta)
        state[0, j], state[1, j], state[2, j] = guess, _SMALLEST, s_2
        state[3, j], state[4, j], state[5, j] = -_LARGEST, 0.0, 0.0
    b = np.empty(count)
    vega = np.empty(count)
    complete = np.empty(count, dtype=np.bool_)
    for _ in range(ITERATIONS):
        for j in range(count):  # vectorised
            go, (s, left, right, step, previous_step, iteration), reversals[j] = before_evaluation(
                _state_at(state, j), reversals[j]
            )
            done[j] = done[j] or not go
            if not done[j]:
                state[0, j], state[1, j], state[2, j] = s, left, right
                state[3, j], state[4, j], state[5, j] = step, previous_step, iteration
            else:
                state[0, j] = s
            b[j], vega[j], complete[j] = black_call_and_vega_unless_miller(segments[0, j], s)
        for j in range(count):
            if open_[j] and not done[j] and not complete[j]:
                b[j], vega[j] = black_call_and_vega(segments[0, j], state[0, j])
        for j in range(count):  # vectorised
            if not done[j]:
                segment = _segment_at(segments, j)
                s, left, right, step, previous_step, iteration = after_evaluation(
                    LOWER, segment, log_beta[j], _state_at(state, j), b[j], vega[j]
                )
                state[0, j], state[1, j], state[2, j] = s, left, right
                state[3, j], state[4, j], state[5, j] = step, previous_step, iteration
    vols: FloatArray = state[0].copy()
    return vols


@inline_kernel
def _state_at(state: FloatArray, j: int) -> RefineState:
    """Column j of a block's (6, count) table of refine states, as a tuple."""
    return state[0, j], state[1, j], state[2, j], state[3, j], state[4, j], int(state[5, j])


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
