"""Realized volatility from a price series: close-to-close, EWMA (RiskMetrics), Parkinson.

All estimates are annualised with ``periods_per_year`` (365 for daily crypto closes,
8760 for hourly): time is an input, never read from a clock. Prices must be positive.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from agent.risk.validation import FloatArray, RiskInputError, require_positive

RISKMETRICS_LAMBDA = 0.94


def _prices(values: ArrayLike, name: str, minimum: int) -> FloatArray:
    prices = np.asarray(values, dtype=np.float64)
    if prices.ndim != 1 or prices.shape[0] < minimum:
        raise RiskInputError(
            f"needs a one-dimensional series of at least {minimum} prices", field=name
        )
    bad = np.flatnonzero(~(np.isfinite(prices) & (prices > 0.0)))
    if bad.size:
        raise RiskInputError(
            f"must be finite and > 0, got {prices[bad[0]]!r}", field=f"{name}[{bad[0]}]"
        )
    return prices


def log_returns(prices: ArrayLike) -> FloatArray:
    """ln(p[i+1] / p[i]) for a series of positive prices."""
    series = _prices(prices, "prices", 2)
    returns: FloatArray = np.diff(np.log(series))
    return returns


def close_to_close_vol(prices: ArrayLike, periods_per_year: float, *, demean: bool = True) -> float:
    """Annualised standard deviation of log returns (sample, n - 1, when demeaned)."""
    returns = log_returns(prices)
    require_positive(periods_per_year, "periods_per_year")
    if demean:
        if returns.shape[0] < 2:
            raise RiskInputError("needs at least 3 prices to demean", field="prices")
        variance = float(np.var(returns, ddof=1))
    else:
        variance = float(np.mean(returns * returns))
    return math.sqrt(variance * periods_per_year)


def ewma_vol_series(
    prices: ArrayLike, periods_per_year: float, decay: float = RISKMETRICS_LAMBDA
) -> FloatArray:
    """RiskMetrics EWMA vol after each return: var_t = decay var_(t-1) + (1 - decay) r_t**2.

    Zero-mean returns; seeded with the first squared return. Annualised.
    """
    returns = log_returns(prices)
    require_positive(periods_per_year, "periods_per_year")
    if not 0.0 < decay < 1.0:
        raise RiskInputError(f"must be in (0, 1), got {decay!r}", field="decay")
    variance = np.empty_like(returns)
    current = returns[0] ** 2
    for index, value in enumerate(returns):
        current = decay * current + (1.0 - decay) * value * value
        variance[index] = current
    result: FloatArray = np.sqrt(variance * periods_per_year)
    return result


def ewma_vol(
    prices: ArrayLike, periods_per_year: float, decay: float = RISKMETRICS_LAMBDA
) -> float:
    """The latest RiskMetrics EWMA vol (lambda 0.94 by default), annualised."""
    return float(ewma_vol_series(prices, periods_per_year, decay)[-1])


def parkinson_vol(high: ArrayLike, low: ArrayLike, periods_per_year: float) -> float:
    """Parkinson's range estimator: sqrt(mean(ln(H/L)**2) / (4 ln 2)), annualised."""
    highs = _prices(high, "high", 1)
    lows = _prices(low, "low", 1)
    require_positive(periods_per_year, "periods_per_year")
    if highs.shape != lows.shape:
        raise RiskInputError("high and low must have the same length", field="low")
    bad = np.flatnonzero(highs < lows)
    if bad.size:
        raise RiskInputError("is above the high of its period", field=f"low[{bad[0]}]")
    ranges = np.log(highs / lows)
    return math.sqrt(float(np.mean(ranges * ranges)) / (4.0 * math.log(2.0)) * periods_per_year)


def ewma_variance_step(
    variance: float | None, log_return: float, elapsed_years: float, half_life_years: float
) -> float:
    """EWMA in time for irregularly spaced prices: the annualised variance after one
    more log return over ``elapsed_years``.

    The return's own annualised variance r**2 / dt gets the weight 1 - 2**(-dt / half
    life), so a tick after a long gap counts for more; zero-mean (a crash's trend counts
    as variance, which is what a liquidation cares about). The first return seeds it.
    """
    require_positive(elapsed_years, "elapsed_years")
    require_positive(half_life_years, "half_life_years")
    observed = log_return * log_return / elapsed_years
    if variance is None:
        return observed
    weight = 1.0 - math.pow(2.0, -elapsed_years / half_life_years)
    return (1.0 - weight) * variance + weight * observed
