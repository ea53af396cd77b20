"""Implied volatility: Let's Be Rational accuracy on the issue's grid, round trips, bounds."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.risk.black import option_greeks
from agent.risk.implied_volatility import implied_vol
from agent.risk.terms import PricingModel, Settlement
from agent.risk.validation import RiskInputError

mpmath.mp.dps = 40


def _mpmath_black(is_call: bool, forward: float, strike: float, years: float, vol: float) -> float:
    f, k = mpmath.mpf(forward), mpmath.mpf(strike)
    total = mpmath.mpf(vol) * mpmath.sqrt(years)
    d1 = mpmath.log(f / k) / total + total / 2
    d2 = d1 - total
    if is_call:
        return float(f * mpmath.ncdf(d1) - k * mpmath.ncdf(d2))
    return float(k * mpmath.ncdf(-d2) - f * mpmath.ncdf(-d1))


def test_out_of_the_money_grid_recovers_vol_to_1e_12():
    """T 1 hour..3 years, sigma 5%..200%, standardised moneyness ln(F/K)/(sigma sqrt T) -5..5."""
    years = np.exp(np.linspace(np.log(1 / 8760), np.log(3.0), 16))
    vols = np.linspace(0.05, 2.0, 14)
    standardised = np.linspace(-5.0, 5.0, 21)
    grid_years, grid_vols, grid_moneyness = (
        a.ravel() for a in np.meshgrid(years, vols, standardised)
    )
    forward = 2500.0
    log_moneyness = grid_moneyness * grid_vols * np.sqrt(grid_years)
    strike = forward * np.exp(-log_moneyness)
    is_call = log_moneyness <= 0.0  # out of the money: calls above the forward
    prices = np.array(
        [
            _mpmath_black(*row)
            for row in zip(
                is_call, np.full(strike.shape, forward), strike, grid_years, grid_vols, strict=True
            )
        ]
    )
    implied = implied_vol(
        prices, is_call, forward, strike, grid_years, 0.0, model=PricingModel.BLACK76
    )
    assert not np.any(np.isnan(implied))
    assert np.max(np.abs(implied - grid_vols)) <= 1e-12


@settings(max_examples=400, deadline=None)
@given(
    log_moneyness=st.floats(-4.0, 4.0),
    years=st.floats(1e-4, 5.0),
    vol=st.floats(0.01, 3.0),
    rate=st.floats(-0.05, 0.2),
    is_call=st.booleans(),
    model=st.sampled_from(list(PricingModel)),
)
def test_round_trip_reprices_exactly(log_moneyness, years, vol, rate, is_call, model):
    underlying = 1000.0
    strike = underlying * math.exp(log_moneyness)
    value = float(option_greeks(is_call, underlying, strike, years, rate, vol, model=model).value)
    discount = math.exp(-rate * years)
    scale = max(underlying, strike)
    time_value = value - max(
        (1 if is_call else -1)
        * (underlying * (discount if model == "black76" else 1.0) - strike * discount),
        0.0,
    )
    if time_value <= 1e-13 * scale:  # no information left in the price
        return
    implied = float(implied_vol(value, is_call, underlying, strike, years, rate, model=model))
    repriced = float(
        option_greeks(is_call, underlying, strike, years, rate, implied, model=model).value
    )
    assert repriced == pytest.approx(value, rel=1e-12, abs=1e-13 * scale)
    if time_value > 1e-3 * value:  # enough time value that the vol itself is determined
        assert implied == pytest.approx(vol, rel=1e-8)


def test_prices_outside_the_arbitrage_bounds_have_no_vol():
    forward, strike, years = 100.0, 90.0, 0.5
    intrinsic = forward - strike
    result = implied_vol(
        [intrinsic - 1e-9, intrinsic, forward, forward + 1.0, -1.0],
        True,
        forward,
        strike,
        years,
        model=PricingModel.BLACK76,
    )
    assert math.isnan(result[0])
    assert result[1] == 0.0
    assert math.isnan(result[2])
    assert math.isnan(result[3])
    assert math.isnan(result[4])


def test_flags_broadcast_against_scalar_inputs():
    call, put = option_greeks([True, False], 100.0, 105.0, 0.5, 0.01, 0.4).value
    implied = implied_vol([call, put], [True, False], 100.0, 105.0, 0.5, 0.01)
    np.testing.assert_allclose(implied, 0.4, rtol=1e-12)


def test_inverse_prices_are_in_coin():
    usd = option_greeks(False, 3000.0, 2600.0, 0.1, 0.0, 0.65).value
    coin_price = usd / 3000.0
    implied = implied_vol(coin_price, False, 3000.0, 2600.0, 0.1, settlement=Settlement.INVERSE)
    assert float(implied) == pytest.approx(0.65, abs=1e-13)


def test_extreme_inputs_do_not_fail():
    """Far beyond the grid: standardised moneyness to -30, total vol 1e-4 to 10."""
    generator = np.random.default_rng(9)
    count = 3000
    vols = generator.uniform(0.01, 3.0, count)
    years = np.exp(generator.uniform(np.log(1e-6), np.log(10.0), count))
    standardised = generator.uniform(-30.0, 0.0, count)
    strike = 100.0 * np.exp(-standardised * vols * np.sqrt(years))
    prices = np.array(
        [_mpmath_black(True, 100.0, k, t, v) for k, t, v in zip(strike, years, vols, strict=True)]
    )
    implied = implied_vol(prices, True, 100.0, strike, years, model=PricingModel.BLACK76)
    representable = prices > 1e-290
    assert not np.any(np.isnan(implied[representable]))
    assert np.max(np.abs(implied[representable] / vols[representable] - 1.0)) <= 1e-10


@pytest.mark.parametrize(
    ("field", "arguments"),
    [
        ("price[0]", dict(price=math.nan)),
        ("strike[0]", dict(strike=0.0)),
        ("years[0]", dict(years=0.0)),
        ("underlying_price[0]", dict(underlying_price=-3.0)),
    ],
)
def test_invalid_parameters_raise(field, arguments):
    inputs = dict(price=5.0, is_call=True, underlying_price=100.0, strike=100.0, years=0.5)
    inputs.update(arguments)
    with pytest.raises(RiskInputError) as raised:
        implied_vol(**inputs)
    assert raised.value.field == field


def test_an_option_s_vol_does_not_depend_on_its_neighbours_in_the_batch():
    """Batches are solved in blocks whose vectorised stages compute every segment's work for
    every option: a mix of segments, Miller's recursion (h < -6 at small t), prices out of
    bounds and at intrinsic, in one order and reversed, gives each option the vol it gets
    alone."""
    generator = np.random.default_rng(23)
    count = 1500
    log_moneyness = generator.uniform(-60.0, 60.0, count)
    total_vol = np.exp(generator.uniform(np.log(1e-6), np.log(30.0), count))
    is_call = generator.random(count) < 0.5
    strike = 100.0 * np.exp(-log_moneyness)
    price = option_greeks(is_call, 100.0, strike, 1.0, 0.0, total_vol).value
    price[::7] *= 1.0 + generator.uniform(-1e-3, 1e-3, price[::7].size)  # some out of bounds
    intrinsic = np.maximum(np.where(is_call, 100.0 - strike, strike - 100.0), 0.0)
    price[::11] = intrinsic[::11]
    batch = implied_vol(price, is_call, 100.0, strike, 1.0, model=PricingModel.BLACK76)
    reversed_batch = implied_vol(
        price[::-1], is_call[::-1], 100.0, strike[::-1], 1.0, model=PricingModel.BLACK76
    )[::-1]
    alone = np.array(
        [
            float(implied_vol(p, c, 100.0, k, 1.0, model=PricingModel.BLACK76))
            for p, c, k in zip(price, is_call, strike, strict=True)
        ]
    )
    assert np.isnan(batch).any()  # the mix is there
    assert (batch == 0.0).any()
    np.testing.assert_array_equal(batch, alone)
    np.testing.assert_array_equal(reversed_batch, alone)
