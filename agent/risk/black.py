"""Prices and Greeks of European options: Black-Scholes and Black-76, linear and inverse.

Units, per one option on one coin of underlying:

- ``value``: USD.
- ``delta``: dV/dx in coin, where x is the underlying price the model takes (spot for
  Black-Scholes, the forward for Black-76).
- ``gamma``: d2V/dx2, per coin per USD.
- ``vega``: dV/dsigma * 0.01, USD per vol point.
- ``theta``: dV/dt / 365, USD per calendar day (t is calendar time, so theta is
  -dV/dT / 365); Black-76 holds the forward fixed, Black-Scholes the spot.
- ``rho``: dV/dr * 0.01, USD per rate point (Black-76 at a fixed forward).

Edges: an option with T <= 0 is expired and worth its intrinsic value with all Greeks 0;
as T or sigma go to 0 the formulas tend to the intrinsic value of the forward without
NaN (total volatility is floored at 1e-150). Invalid input raises ``RiskInputError``.

Inverse (coin-settled) options pay (S_T - K)+ / S_T coin, worth (S_T - K)+ USD, so their
USD value and USD Greeks are those above. ``inverse_greeks`` gives the coin view:
V_coin = V / x and its derivatives, including Deribit's premium-adjusted delta
x * dV_coin/dx = delta - V_coin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike

from agent.risk.elementary import exp, log, norm_cdf, norm_cdf_and_pdf
from agent.risk.jit import inline_kernel, kernel, parallel_kernel
from agent.risk.terms import DAYS_PER_YEAR, RATE_POINT, VOL_POINT, PricingModel
from agent.risk.validation import (
    BoolArray,
    FloatArray,
    RiskInputError,
    as_float_arrays,
    finite,
    first_violation,
    positive_finite,
)

GreekArrays = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]

# Below this many options a single thread is faster than waking the pool.
_PARALLEL_THRESHOLD = 20_000
_MINIMUM_TOTAL_VOL = 1e-150
_MINIMUM_YEARS = 1e-300
_PER_DAY = 1.0 / DAYS_PER_YEAR


@dataclass(frozen=True, slots=True)
class OptionGreeks:
    """Value and Greeks of options per unit of underlying; arrays of one shape (USD)."""

    value: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    rho: FloatArray


@dataclass(frozen=True, slots=True)
class InverseGreeks:
    """Coin view of inverse options per unit: V_coin = V_usd / x, x the underlying price.

    ``value`` in coin; ``delta`` dV_coin/dx in coin per USD; ``delta_premium_adjusted``
    x * dV_coin/dx in coin (Deribit's delta: Black delta minus the coin premium);
    ``gamma`` coin per USD squared; ``vega`` coin per vol point; ``theta`` coin per
    calendar day; ``rho`` coin per rate point.
    """

    value: FloatArray
    delta: FloatArray
    delta_premium_adjusted: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    rho: FloatArray


@inline_kernel
def option_row(
    is_call: bool,
    is_black76: bool,
    underlying: float,
    strike: float,
    years: float,
    rate: float,
    vol: float,
) -> tuple[float, float, float, float, float, float]:
    """Return (value, delta, gamma, vega, theta, rho) of one option; units as the module."""
    sign = 1.0 if is_call else -1.0
    time = max(years, _MINIMUM_YEARS)
    root_time = math.sqrt(time)
    total_vol = max(vol * root_time, _MINIMUM_TOTAL_VOL)
    inverse_total_vol = 1.0 / total_vol
    discount = exp(-rate * time)
    carry = 0.0 if is_black76 else rate * time
    d1 = (log(underlying / strike) + carry) * inverse_total_vol + 0.5 * total_vol
    d2 = d1 - total_vol
    probability_1, density = norm_cdf_and_pdf(sign * d1)  # phi is even: phi(sign d1) = phi(d1)
    probability_2 = norm_cdf(sign * d2)
    delta_scale = discount if is_black76 else 1.0  # dF/dx * discount
    discounted_forward = delta_scale * underlying
    discounted_strike = discount * strike
    value = max(
        sign * (discounted_forward * probability_1 - discounted_strike * probability_2), 0.0
    )
    delta = sign * delta_scale * probability_1
    # Divisions are the slowest vector instructions here: one reciprocal serves d1, gamma
    # and theta (vol / sqrt(T) = vol * (vol / total_vol)), and 1/365 is a constant.
    forward_density = discounted_forward * density
    gamma = delta_scale * density * inverse_total_vol / underlying
    vega = forward_density * root_time
    decay = -0.5 * forward_density * (vol * inverse_total_vol) * vol
    if is_black76:
        theta = rate * value + decay
        rho = -time * value
    else:
        theta = decay - sign * rate * discounted_strike * probability_2
        rho = sign * discounted_strike * time * probability_2
    if years <= 0.0:
        return max(sign * (underlying - strike), 0.0), 0.0, 0.0, 0.0, 0.0, 0.0
    return value, delta, gamma, vega * VOL_POINT, theta * _PER_DAY, rho * RATE_POINT


@inline_kernel
def option_inputs_valid(
    underlying: float, strike: float, years: float, rate: float, vol: float
) -> bool:
    """Whether one option's inputs are inside the pricing domain."""
    prices = 0.0 < underlying < math.inf and 0.0 < strike < math.inf
    return prices and 0.0 < vol < math.inf and abs(years) < math.inf and abs(rate) < math.inf


@kernel
def _greeks_serial(
    is_call: BoolArray,
    is_black76: bool,
    underlying: FloatArray,
    strike: FloatArray,
    years: FloatArray,
    rate: FloatArray,
    vol: FloatArray,
    out: GreekArrays,
) -> int:
    invalid = 0
    for index in range(underlying.shape[0]):
        x, k, t, r, v = underlying[index], strike[index], years[index], rate[index], vol[index]
        invalid += 0 if option_inputs_valid(x, k, t, r, v) else 1
        result = option_row(is_call[index], is_black76, x, k, t, r, v)
        out[0][index] = result[0]
        out[1][index] = result[1]
        out[2][index] = result[2]
        out[3][index] = result[3]
        out[4][index] = result[4]
        out[5][index] = result[5]
    return invalid


@parallel_kernel
def _greeks_parallel(
    is_call: BoolArray,
    is_black76: bool,
    underlying: FloatArray,
    strike: FloatArray,
    years: FloatArray,
    rate: FloatArray,
    vol: FloatArray,
    out: GreekArrays,
) -> int:
    invalid = 0
    for index in numba.prange(underlying.shape[0]):
        x, k, t, r, v = underlying[index], strike[index], years[index], rate[index], vol[index]
        invalid += 0 if option_inputs_valid(x, k, t, r, v) else 1
        result = option_row(is_call[index], is_black76, x, k, t, r, v)
        out[0][index] = result[0]
        out[1][index] = result[1]
        out[2][index] = result[2]
        out[3][index] = result[3]
        out[4][index] = result[4]
        out[5][index] = result[5]
    return invalid


def _input_error(
    underlying: FloatArray, strike: FloatArray, years: FloatArray, rate: FloatArray, vol: FloatArray
) -> RiskInputError:
    checks = (
        ("underlying_price", underlying, positive_finite(underlying)),
        ("strike", strike, positive_finite(strike)),
        ("years", years, finite(years)),
        ("rate", rate, finite(rate)),
        ("vol", vol, positive_finite(vol)),
    )
    for name, values, valid in checks:
        error = first_violation(name, values, valid)
        if error is not None:
            return error
    return RiskInputError("invalid option input")  # pragma: no cover - kernel and checks agree


def option_greeks(
    is_call: ArrayLike,
    underlying_price: ArrayLike,
    strike: ArrayLike,
    years: ArrayLike,
    rate: ArrayLike,
    vol: ArrayLike,
    *,
    model: PricingModel = PricingModel.BLACK_SCHOLES,
) -> OptionGreeks:
    """Value and Greeks per option, broadcasting the inputs; units as the module docstring.

    ``underlying_price`` is the spot (Black-Scholes) or the forward (Black-76) in USD,
    ``strike`` USD, ``years`` time to expiry in years of 365 days (<= 0: expired),
    ``rate`` continuous annual rate, ``vol`` annual volatility (0.6 = 60%).
    Raises ``RiskInputError`` naming the first bad element.
    """
    shape, calls, (underlying, strike_, years_, rate_, vol_) = as_float_arrays(
        is_call, underlying_price, strike, years, rate, vol
    )
    black76 = PricingModel(model) is PricingModel.BLACK76
    out = (
        np.empty(calls.shape),
        np.empty(calls.shape),
        np.empty(calls.shape),
        np.empty(calls.shape),
        np.empty(calls.shape),
        np.empty(calls.shape),
    )
    compute = _greeks_parallel if calls.shape[0] >= _PARALLEL_THRESHOLD else _greeks_serial
    if compute(calls, black76, underlying, strike_, years_, rate_, vol_, out):
        raise _input_error(underlying, strike_, years_, rate_, vol_)
    return OptionGreeks(*(array.reshape(shape) for array in out))


def inverse_greeks(greeks: OptionGreeks, underlying_price: ArrayLike) -> InverseGreeks:
    """Coin view of inverse options from their USD Greeks and the underlying price x (USD).

    V_coin = V / x; dV_coin/dx = (delta - V_coin) / x; d2V_coin/dx2 = (gamma - 2 dV_coin/dx)
    / x; vega, theta and rho are divided by x (x does not move with sigma, t or r).
    """
    price = np.asarray(underlying_price, dtype=np.float64)
    value = greeks.value / price
    adjusted = greeks.delta - value
    delta = adjusted / price
    return InverseGreeks(
        value=value,
        delta=delta,
        delta_premium_adjusted=adjusted,
        gamma=(greeks.gamma - 2.0 * delta) / price,
        vega=greeks.vega / price,
        theta=greeks.theta / price,
        rho=greeks.rho / price,
    )
