"""Realized volatility estimators."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agent.risk.realized_vol import (
    close_to_close_vol,
    ewma_vol,
    ewma_vol_series,
    log_returns,
    parkinson_vol,
)
from agent.risk.validation import RiskInputError


def _gbm(vol: float, count: int, seed: int, per_year: float = 365.0) -> np.ndarray:
    generator = np.random.default_rng(seed)
    steps = generator.normal(-0.5 * vol**2 / per_year, vol / math.sqrt(per_year), count)
    return 3000.0 * np.exp(np.concatenate([[0.0], np.cumsum(steps)]))


def test_close_to_close_recovers_the_simulated_vol():
    prices = _gbm(0.7, 20_000, seed=1)
    assert close_to_close_vol(prices, 365.0) == pytest.approx(0.7, rel=0.02)


def test_close_to_close_exact_small_case():
    prices = [100.0, 110.0, 99.0, 104.0]
    returns = np.log(np.array(prices[1:]) / np.array(prices[:-1]))
    assert close_to_close_vol(prices, 365.0) == pytest.approx(
        math.sqrt(np.var(returns, ddof=1) * 365.0)
    )
    assert close_to_close_vol(prices, 365.0, demean=False) == pytest.approx(
        math.sqrt(np.mean(returns**2) * 365.0)
    )


def test_ewma_follows_the_riskmetrics_recursion():
    prices = [100.0, 101.0, 99.5, 102.0, 101.0]
    returns = log_returns(prices)
    variance = returns[0] ** 2
    expected = []
    for value in returns:
        variance = 0.94 * variance + 0.06 * value**2
        expected.append(math.sqrt(variance * 365.0))
    np.testing.assert_allclose(ewma_vol_series(prices, 365.0), expected, rtol=1e-14)
    assert ewma_vol(prices, 365.0) == pytest.approx(expected[-1])


def test_ewma_reacts_to_a_vol_regime_change():
    calm = _gbm(0.3, 500, seed=2)
    wild = calm[-1] / 3000.0 * _gbm(1.5, 200, seed=3)
    series = np.concatenate([calm, wild[1:]])
    assert ewma_vol(series, 365.0) == pytest.approx(1.5, rel=0.25)
    assert close_to_close_vol(series, 365.0) < 1.0


def test_parkinson():
    high = np.array([105.0, 103.0, 108.0])
    low = np.array([98.0, 99.0, 101.0])
    expected = math.sqrt(np.mean(np.log(high / low) ** 2) / (4 * math.log(2)) * 365.0)
    assert parkinson_vol(high, low, 365.0) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: close_to_close_vol([100.0, -1.0, 100.0], 365.0), "prices[1]"),
        (lambda: close_to_close_vol([100.0], 365.0), "prices"),
        (lambda: ewma_vol([100.0, 101.0], 365.0, decay=1.0), "decay"),
        (lambda: parkinson_vol([100.0, 101.0], [101.0, 100.0], 365.0), "low[0]"),
        (lambda: close_to_close_vol([100.0, 101.0, 102.0], 0.0), "periods_per_year"),
    ],
)
def test_invalid_series(call, field):
    with pytest.raises(RiskInputError) as raised:
        call()
    assert raised.value.field == field
