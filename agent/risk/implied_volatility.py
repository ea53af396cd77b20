"""Implied volatility from option prices, to machine precision (Jaeckel's Let's Be Rational).

The price is normalised (see ``normalised_black``) and reduced to an out-of-the-money
call b(x, s) = beta with x <= 0. Two points, s_c = sqrt(2|x|) (the inflexion point of b)
and its tangent intercepts s_l < s_c < s_h, cut the price axis into four segments. On
each, a rational cubic in a transformed price (the lower and upper maps, which are exact
in the limits beta -> 0 and beta -> b_max) gives an initial guess already accurate to a
few digits, and at most two third-order Householder steps on an objective suited to the
segment finish the job:

- lowest segment: g(s) = 1/ln b(s) - 1/ln beta (nearly linear as beta -> 0);
- middle segments: g(s) = b(s) - beta;
- highest segment: g(s) = ln(b_max - beta) - ln(b_max - b(s)).

A bracket is kept throughout; a step leaving it, or oscillating, falls back to bisection.
Jaeckel, "Let's Be Rational", Wilmott (2015) 40-53.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import ArrayLike

from agent.risk import elementary
from agent.risk.implied_volatility_guess import highest_guess, lowest_guess, middle_guess
from agent.risk.jit import inline_kernel, kernel, parallel_kernel
from agent.risk.normalised_black import (
    black_call_and_vega,
    normalised_intrinsic_call,
)
from agent.risk.scalar_math import exp, log
from agent.risk.terms import PricingModel, Settlement
from agent.risk.validation import (
    BoolArray,
    FloatArray,
    as_float_arrays,
    finite,
    first_violation,
    positive_finite,
)

_EPSILON = 2.220446049250313e-16
_SMALLEST = 2.2250738585072014e-308
_LARGEST = 1.7976931348623157e308
_ITERATIONS = 2
# A second step only if the first moved s by more than this (relative): the first step of
# a third-order method from a guess off by d leaves an error of order d**4 (< 1e-13 here).
_SECOND_STEP = 1e-4
_LOWER, _MIDDLE, _UPPER = 0, 1, 2
_PARALLEL_THRESHOLD = 2_000


@kernel
def _householder_step(
    mode: int,
    x: float,
    s: float,
    beta: float,
    log_beta: float,
    b: float,
    vega: float,
    b_max: float,
) -> float:
    """One Householder(3) step for the segment's objective; NaN if b or vega underflowed.

    ``log_beta`` is ln(beta), needed by the lowest segment's objective. Divisions are
    few on purpose: this runs on a latency-bound path.
    """
    inverse_s = 1.0 / s
    square_ratio = x * x * inverse_s * inverse_s  # (x/s)**2
    halley_b = square_ratio * inverse_s - 0.25 * s  # b'' / b'
    hh3_b = halley_b * halley_b - 3.0 * square_ratio * inverse_s * inverse_s - 0.25  # b''' / b'
    if mode == _LOWER:
        if b <= 0.0 or vega <= 0.0:
            return math.nan
        log_b = log(b)
        ratio = vega / b
        newton = (log_beta - log_b) * log_b / (log_beta * ratio)
        inverse_log = 1.0 / log_b
        halley = halley_b - ratio * (1.0 + 2.0 * inverse_log)
        hh3 = (
            hh3_b
            + 2.0 * ratio * ratio * (1.0 + 3.0 * inverse_log * (1.0 + inverse_log))
            - 3.0 * halley_b * ratio * (1.0 + 2.0 * inverse_log)
        )
    elif mode == _UPPER:
        if b >= b_max or vega <= _SMALLEST:
            return math.nan
        gap = b_max - b
        gradient = vega / gap
        newton = -log((b_max - beta) / gap) / gradient
        halley = halley_b + gradient
        hh3 = hh3_b + gradient * (2.0 * gradient + 3.0 * halley_b)
    else:
        newton = (beta - b) / vega
        halley = halley_b
        hh3 = hh3_b
    factor = (1.0 + 0.5 * halley * newton) / (1.0 + newton * (halley + hh3 * newton / 6.0))
    return newton * factor


@kernel
def _refine(
    mode: int, x: float, beta: float, b_max: float, s: float, left: float, right: float
) -> float:
    """Householder iterations from guess s inside the bracket (left, right)."""
    log_beta = log(beta) if mode == _LOWER else 0.0
    step = -_LARGEST
    previous_step = 0.0
    reversals = 0
    iteration = 0
    while (
        iteration < _ITERATIONS and abs(step) > (_EPSILON if iteration == 0 else _SECOND_STEP) * s
    ):
        reversals += 1 if step * previous_step < 0.0 else 0
        if iteration > 0 and (reversals == 3 or not left < s < right):
            s = 0.5 * (left + right)  # oscillating or outside the bracket: bisect
            if right - left <= _EPSILON * s:
                break
            reversals = 0
            step = 0.0
        previous_step = step
        b, vega = black_call_and_vega(x, s)
        if b > beta and s < right:
            right = s
        elif b < beta and s > left:
            left = s
        step = _householder_step(mode, x, s, beta, log_beta, b, vega, b_max)
        if math.isnan(step):
            step = 0.5 * (left + right) - s
        step = max(-0.5 * s, step)
        s += step
        iteration += 1
    return s


@kernel
def _solve_below_inflexion(
    x: float, beta: float, b_max: float, s_c: float, b_c: float, v_c: float
) -> float:
    s_l = s_c - b_c / v_c
    b_l, v_l = black_call_and_vega(x, s_l)
    if beta < b_l:
        guess = lowest_guess(x, beta, s_l, b_l)
        return _refine(_LOWER, x, beta, b_max, guess, _SMALLEST, s_l)
    guess = middle_guess(beta, b_l, b_c, s_l, s_c, v_l, v_c, False)
    return _refine(_MIDDLE, x, beta, b_max, guess, s_l, s_c)


@kernel
def _solve_above_inflexion(
    x: float, beta: float, b_max: float, s_c: float, b_c: float, v_c: float
) -> float:
    s_h = s_c + (b_max - b_c) / v_c if v_c > _SMALLEST else s_c
    b_h, v_h = black_call_and_vega(x, s_h)
    if beta <= b_h:
        guess = middle_guess(beta, b_c, b_h, s_c, s_h, v_c, v_h, True)
        return _refine(_MIDDLE, x, beta, b_max, guess, s_c, s_h)
    guess = highest_guess(x, beta, s_h, b_h, b_max)
    mode = _UPPER if beta > 0.5 * b_max else _MIDDLE
    return _refine(mode, x, beta, b_max, guess, s_h, _LARGEST)


@kernel
def normalised_implied_vol(beta: float, x: float, is_call: bool) -> float:
    """Total volatility s with normalised Black price beta at x = ln(F/K); NaN if no s exists.

    beta is the undiscounted price over sqrt(F K). Below intrinsic or at/above the maximum
    (exp(x/2) for a call) there is no solution: NaN. At intrinsic exactly: 0.
    """
    b_max = exp(-0.5 * abs(x))  # the maximum of the out-of-the-money call below
    in_the_money = x > 0.0 if is_call else x < 0.0
    intrinsic = 1.0 / b_max - b_max if in_the_money else 0.0  # exp(|x|/2) - exp(-|x|/2)
    if in_the_money and abs(x) < 1e-3:
        intrinsic = normalised_intrinsic_call(abs(x))  # series: no cancellation
    total = beta
    beta -= intrinsic  # time value
    x = -abs(x)  # now an out-of-the-money call
    if not -16.0 * _EPSILON * max(total, intrinsic) <= beta < b_max:  # ulps below: round-off
        return math.nan
    if beta < _SMALLEST:  # at intrinsic, or too small to invert to full precision
        return 0.0
    s_c = math.sqrt(2.0 * abs(x))
    b_c, v_c = black_call_and_vega(x, s_c)
    if beta < b_c:
        return _solve_below_inflexion(x, beta, b_max, s_c, b_c, v_c)
    return _solve_above_inflexion(x, beta, b_max, s_c, b_c, v_c)


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
    beta = np.empty(price.shape[0])
    x = np.empty(price.shape[0])
    for i in range(price.shape[0]):  # vectorised
        beta[i], x[i] = _normalise(
            price[i], underlying[i], strike[i], years[i], rate[i], is_call[i], is_black76
        )
    for i in range(price.shape[0]):
        out[i] = normalised_implied_vol(beta[i], x[i], is_call[i])
    for i in range(price.shape[0]):  # vectorised
        out[i] /= math.sqrt(years[i])


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
    beta = np.empty(price.shape[0])
    x = np.empty(price.shape[0])
    for i in numba.prange(price.shape[0]):
        beta[i], x[i] = _normalise(
            price[i], underlying[i], strike[i], years[i], rate[i], is_call[i], is_black76
        )
    for i in numba.prange(price.shape[0]):
        out[i] = normalised_implied_vol(beta[i], x[i], is_call[i]) / math.sqrt(years[i])


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
