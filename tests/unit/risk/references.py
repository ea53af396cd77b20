"""Independent reference implementations for the risk tests: QuantLib and mpmath."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import QuantLib as ql

mpmath.mp.dps = 40


def quantlib_black_scholes(
    is_call: bool, spot: float, strike: float, years: float, rate: float, vol: float
):
    """(value, delta, gamma, vega/pt, theta/day, rho/pt) from QuantLib's BlackCalculator."""
    forward = spot * math.exp(rate * years)
    discount = math.exp(-rate * years)
    option_type = ql.Option.Call if is_call else ql.Option.Put
    calculator = ql.BlackCalculator(
        ql.PlainVanillaPayoff(option_type, strike), forward, vol * math.sqrt(years), discount
    )
    return (
        calculator.value(),
        calculator.delta(spot),
        calculator.gamma(spot),
        calculator.vega(years) * 0.01,
        calculator.theta(spot, years) / 365.0,
        calculator.rho(years) * 0.01,
    )


def mpmath_black76_value(is_call, forward, strike, years, rate, vol):
    """Black-76 value at 40 digits (all arguments may be mpf)."""
    total = vol * mpmath.sqrt(years)
    d1 = (mpmath.log(forward / strike) + total * total / 2) / total
    d2 = d1 - total
    sign = 1 if is_call else -1
    undiscounted = sign * (forward * mpmath.ncdf(sign * d1) - strike * mpmath.ncdf(sign * d2))
    return mpmath.exp(-rate * years) * undiscounted


def mpmath_black76_greeks(
    is_call: bool, forward: float, strike: float, years: float, rate: float, vol: float
):
    """(value, delta, gamma, vega/pt, theta/day, rho/pt) of Black-76 by 40-digit differentiation."""
    f, k, t, r, v = (mpmath.mpf(value) for value in (forward, strike, years, rate, vol))

    def value(f_=f, t_=t, r_=r, v_=v):
        return mpmath_black76_value(is_call, f_, k, t_, r_, v_)

    return tuple(
        float(result)
        for result in (
            value(),
            mpmath.diff(lambda x: value(f_=x), f),
            mpmath.diff(lambda x: value(f_=x), f, 2),
            mpmath.diff(lambda x: value(v_=x), v) / 100,
            -mpmath.diff(lambda x: value(t_=x), t) / 365,
            mpmath.diff(lambda x: value(r_=x), r) / 100,
        )
    )


def random_options(generator: np.random.Generator, count: int):
    """Arrays (is_call, underlying, strike, years, rate, vol) spanning crypto-like ranges."""
    underlying = np.exp(generator.uniform(np.log(0.5), np.log(2e5), count))
    strike = underlying * np.exp(generator.normal(0.0, 0.6, count))
    years = np.exp(generator.uniform(np.log(1 / 8760), np.log(5.0), count))
    rate = generator.uniform(-0.05, 0.15, count)
    vol = generator.uniform(0.02, 3.0, count)
    is_call = generator.random(count) < 0.5
    return is_call, underlying, strike, years, rate, vol
