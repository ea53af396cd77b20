"""Black-Scholes and Black-76 prices and Greeks against QuantLib and mpmath."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agent.risk.black import inverse_greeks, option_greeks
from agent.risk.terms import PricingModel
from agent.risk.validation import RiskInputError

from .references import mpmath_black76_greeks, quantlib_black_scholes, random_options

GREEK_NAMES = ("value", "delta", "gamma", "vega", "theta", "rho")


def _as_matrix(greeks) -> np.ndarray:
    return np.stack([np.asarray(getattr(greeks, name)) for name in GREEK_NAMES])


def _scales(underlying, strike, years, vol):
    """Natural absolute size of each Greek, for absolute tolerances."""
    price = np.maximum(underlying, strike)
    return np.stack(
        [
            price,
            np.ones_like(price),
            1.0 / (underlying * vol * np.sqrt(years)),
            price * np.sqrt(years) * 0.01,
            price * vol / np.sqrt(years) / 365 + price * 0.15 / 365,
            price * years * 0.01,
        ]
    )


def test_black_scholes_matches_quantlib_on_thousands_of_random_options():
    generator = np.random.default_rng(7)
    is_call, underlying, strike, years, rate, vol = random_options(generator, 4000)
    ours = _as_matrix(option_greeks(is_call, underlying, strike, years, rate, vol))
    reference = np.array(
        [
            quantlib_black_scholes(*row)
            for row in zip(is_call, underlying, strike, years, rate, vol, strict=True)
        ]
    ).T
    error = np.abs(ours - reference) / (
        _scales(underlying, strike, years, vol) * 1e-12 + np.abs(reference) * 1e-9
    )
    worst = np.unravel_index(np.argmax(error), error.shape)
    assert error.max() <= 1.0, (
        f"{GREEK_NAMES[worst[0]]} of option {worst[1]} off by {error.max():.2f} tolerances"
    )


def test_black76_matches_mpmath_differentiation():
    generator = np.random.default_rng(11)
    is_call, forward, strike, years, rate, vol = random_options(generator, 300)
    ours = _as_matrix(
        option_greeks(is_call, forward, strike, years, rate, vol, model=PricingModel.BLACK76)
    )
    reference = np.array(
        [
            mpmath_black76_greeks(*row)
            for row in zip(is_call, forward, strike, years, rate, vol, strict=True)
        ]
    ).T
    error = np.abs(ours - reference) / (
        _scales(forward, strike, years, vol) * 1e-12 + np.abs(reference) * 1e-9
    )
    worst = np.unravel_index(np.argmax(error), error.shape)
    assert error.max() <= 1.0, (
        f"{GREEK_NAMES[worst[0]]} of option {worst[1]} off by {error.max():.2f} tolerances"
    )


@pytest.mark.parametrize("is_call", [True, False])
@pytest.mark.parametrize("years", [0.0, -0.5])
def test_expired_option_is_worth_intrinsic_with_zero_greeks(is_call, years):
    greeks = option_greeks(is_call, [90.0, 100.0, 110.0], 100.0, years, 0.05, 0.8)
    intrinsic = np.maximum((1 if is_call else -1) * (np.array([90.0, 100.0, 110.0]) - 100.0), 0.0)
    np.testing.assert_array_equal(greeks.value, intrinsic)
    for name in GREEK_NAMES[1:]:
        np.testing.assert_array_equal(getattr(greeks, name), 0.0)


EDGE_CASES = [
    # (underlying, strike, years, rate, vol)
    (100.0, 100.0, 1e-12, 0.03, 0.5),  # seconds from expiry, at the money
    (100.0, 90.0, 1e-12, 0.03, 0.5),
    (100.0, 100.0, 1.0, 0.03, 1e-12),  # vanishing vol
    (100.0, 120.0, 1.0, 0.03, 1e-300),
    (100.0, 1e-6, 1.0, 0.03, 0.5),  # deep in the money
    (100.0, 1e8, 1.0, 0.03, 0.5),  # deep out of the money
    (100.0, 100.0, 2.0, 0.0, 0.5),  # zero rate
    (100.0, 100.0, 2.0, -0.04, 0.5),  # negative rate
    (100.0, 100.0, 30.0, 0.02, 8.0),  # enormous total vol
    (1e-8, 1e-8, 0.5, 0.01, 0.9),
    (1e12, 1e12, 0.5, 0.01, 0.9),
]


@pytest.mark.parametrize("model", list(PricingModel))
@pytest.mark.parametrize("case", EDGE_CASES)
def test_edges_are_finite_and_within_no_arbitrage_bounds(case, model):
    underlying, strike, years, rate, vol = case
    calls = option_greeks(True, underlying, strike, years, rate, vol, model=model)
    puts = option_greeks(False, underlying, strike, years, rate, vol, model=model)
    for greeks in (calls, puts):
        assert all(np.isfinite(getattr(greeks, name)) for name in GREEK_NAMES)
        assert greeks.value >= 0.0
        assert greeks.gamma >= 0.0
        assert greeks.vega >= 0.0
    discount = math.exp(-rate * years)
    forward_discounted = underlying * (discount if model is PricingModel.BLACK76 else 1.0)
    assert calls.value <= forward_discounted * (1 + 1e-12)
    assert puts.value <= strike * discount * (1 + 1e-12)
    delta_cap = discount if model is PricingModel.BLACK76 else 1.0
    assert -1e-15 <= calls.delta <= delta_cap * (1 + 1e-15)
    assert -delta_cap * (1 + 1e-15) <= puts.delta <= 1e-15
    parity = forward_discounted - strike * discount
    assert calls.value - puts.value == pytest.approx(
        parity, rel=1e-12, abs=1e-12 * max(underlying, strike)
    )


def test_vanishing_vol_tends_to_discounted_forward_intrinsic():
    greeks = option_greeks([True, False], 100.0, [90.0, 110.0], 1.0, 0.05, 1e-9)
    forward = 100.0 * math.exp(0.05)
    discount = math.exp(-0.05)
    np.testing.assert_allclose(
        greeks.value, [100.0 - 90.0 * discount, (110.0 - forward) * discount], rtol=1e-12
    )
    np.testing.assert_allclose(greeks.delta, [1.0, -1.0], atol=1e-15)


@pytest.mark.parametrize(
    ("field", "arguments"),
    [
        ("underlying_price[1]", dict(underlying_price=[100.0, 0.0])),
        ("underlying_price[0]", dict(underlying_price=[-1.0, 100.0])),
        ("strike[0]", dict(strike=[-5.0, 100.0])),
        ("strike[1]", dict(strike=[100.0, math.nan])),
        ("vol[0]", dict(vol=[0.0, 0.5])),
        ("vol[1]", dict(vol=[0.5, -0.1])),
        ("years[1]", dict(years=[0.5, math.nan])),
        ("years[0]", dict(years=[math.inf, 0.5])),
        ("rate[0]", dict(rate=[math.nan, 0.0])),
    ],
)
def test_invalid_inputs_raise_naming_the_element(field, arguments):
    inputs = dict(
        underlying_price=[100.0, 100.0], strike=[100.0, 100.0], years=0.5, rate=0.0, vol=0.5
    )
    inputs.update(arguments)
    with pytest.raises(RiskInputError) as raised:
        option_greeks(True, **inputs)
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)


def test_shapes_broadcast_and_scalars_give_zero_dimensional_results():
    greeks = option_greeks(True, 100.0, [[90.0, 100.0, 110.0]], [[0.1], [1.0]], 0.0, 0.5)
    assert greeks.value.shape == (2, 3)
    flags_only = option_greeks([True, False], 100.0, 100.0, 1.0, 0.0, 0.5)
    assert flags_only.value.shape == (2,)
    assert flags_only.delta[0] > 0 > flags_only.delta[1]
    scalar = option_greeks(False, 100.0, 100.0, 1.0, 0.0, 0.5)
    assert scalar.value.shape == ()


def test_large_batches_use_the_parallel_kernel_with_identical_results():
    generator = np.random.default_rng(3)
    is_call, underlying, strike, years, rate, vol = random_options(generator, 50_000)
    batch = option_greeks(is_call, underlying, strike, years, rate, vol)
    pieces = [
        option_greeks(
            is_call[i : i + 5000],
            underlying[i : i + 5000],
            strike[i : i + 5000],
            years[i : i + 5000],
            rate[i : i + 5000],
            vol[i : i + 5000],
        )
        for i in range(0, 50_000, 5000)
    ]
    # Same formulas; LLVM may contract a multiply-add differently in the threaded loop.
    serial = np.stack([np.concatenate([getattr(p, name) for p in pieces]) for name in GREEK_NAMES])
    scales = _scales(underlying, strike, years, vol)
    assert np.all(np.abs(_as_matrix(batch) - serial) <= scales * 1e-13 + np.abs(serial) * 1e-11)


def _coin_value(is_call, underlying, strike, years, rate, vol, model):
    greeks = option_greeks(is_call, underlying, strike, years, rate, vol, model=model)
    return greeks.value / underlying


@pytest.mark.parametrize("model", list(PricingModel))
def test_inverse_greeks_match_finite_differences_of_the_coin_price(model):
    generator = np.random.default_rng(5)
    is_call, underlying, strike, years, rate, vol = random_options(generator, 400)
    years = np.maximum(years, 0.02)  # central differences need room in time
    usd = option_greeks(is_call, underlying, strike, years, rate, vol, model=model)
    coin = inverse_greeks(usd, underlying)

    def value(x=underlying, t=years, r=rate, v=vol):
        return _coin_value(is_call, x, strike, t, r, v, model)

    step_x = underlying * 1e-4
    step_v, step_t, step_r = 1e-5, 1e-6, 1e-5
    delta = (value(x=underlying + step_x) - value(x=underlying - step_x)) / (2 * step_x)
    gamma = (value(x=underlying + step_x) - 2 * value() + value(x=underlying - step_x)) / step_x**2
    vega = (value(v=vol + step_v) - value(v=vol - step_v)) / (2 * step_v) * 0.01
    theta = -(value(t=years + step_t) - value(t=years - step_t)) / (2 * step_t) / 365
    rho = (value(r=rate + step_r) - value(r=rate - step_r)) / (2 * step_r) * 0.01

    def close(ours, differenced, relative, absolute):
        return np.all(np.abs(ours - differenced) <= relative * np.abs(differenced) + absolute)

    assert close(coin.value, value(), 1e-14, 0.0)
    assert close(coin.delta, delta, 1e-6, 1e-9 / underlying)
    assert close(coin.delta_premium_adjusted, delta * underlying, 1e-6, 1e-9)
    assert close(coin.gamma, gamma, 1e-3, 1e-6 / underlying**2)
    assert close(coin.vega, vega, 1e-6, 1e-11)
    assert close(coin.theta, theta, 1e-5, 1e-10)
    assert close(coin.rho, rho, 1e-6, 1e-11)


def test_premium_adjusted_delta_is_black_delta_minus_coin_price():
    """Deribit: an ETH call with Black delta 0.55 and mark 0.08 ETH shows delta 0.47."""
    usd = option_greeks(True, 3000.0, 3200.0, 34 / 365, 0.0, 0.7)
    coin = inverse_greeks(usd, 3000.0)
    assert coin.delta_premium_adjusted == pytest.approx(usd.delta - usd.value / 3000.0, rel=1e-15)
    # A zero-strike call is worth one coin: no coin exposure at all.
    free = option_greeks(True, 3000.0, 1e-9, 1.0, 0.0, 0.7)
    assert inverse_greeks(free, 3000.0).delta_premium_adjusted == pytest.approx(0.0, abs=1e-12)
