"""Hypothesis properties of the Black formulas: parity, monotonicity, bounds."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.risk.black import option_greeks
from agent.risk.terms import PricingModel

prices = st.floats(min_value=1e-3, max_value=1e6)
moneyness = st.floats(min_value=-3.0, max_value=3.0)
years = st.floats(min_value=1e-6, max_value=10.0)
rates = st.floats(min_value=-0.1, max_value=0.3)
vols = st.floats(min_value=1e-4, max_value=5.0)
models = st.sampled_from(list(PricingModel))


@settings(max_examples=300, deadline=None)
@given(prices, moneyness, years, rates, vols, models)
def test_put_call_parity(underlying, log_moneyness, time, rate, vol, model):
    strike = underlying * math.exp(log_moneyness)
    call = option_greeks(True, underlying, strike, time, rate, vol, model=model)
    put = option_greeks(False, underlying, strike, time, rate, vol, model=model)
    discount = math.exp(-rate * time)
    discounted_underlying = underlying * (discount if model is PricingModel.BLACK76 else 1.0)
    scale = max(underlying, strike)
    assert (
        abs(call.value - put.value - (discounted_underlying - strike * discount)) <= 1e-12 * scale
    )
    assert abs(call.delta - put.delta - discounted_underlying / underlying) <= 1e-14
    for name in ("gamma", "vega"):
        assert math.isclose(getattr(call, name), getattr(put, name), rel_tol=1e-12, abs_tol=1e-300)


@settings(max_examples=200, deadline=None)
@given(prices, years, rates, vols, models)
def test_calls_fall_and_puts_rise_with_strike(underlying, time, rate, vol, model):
    strikes = underlying * np.exp(np.linspace(-2.0, 2.0, 41))
    calls = option_greeks(True, underlying, strikes, time, rate, vol, model=model).value
    puts = option_greeks(False, underlying, strikes, time, rate, vol, model=model).value
    tolerance = 1e-13 * underlying
    assert np.all(np.diff(calls) <= tolerance)
    assert np.all(np.diff(puts) >= -tolerance * math.exp(2.0))


@settings(max_examples=200, deadline=None)
@given(prices, moneyness, years, rates, st.booleans(), models)
def test_value_rises_with_vol(underlying, log_moneyness, time, rate, is_call, model):
    strike = underlying * math.exp(log_moneyness)
    values = option_greeks(
        is_call, underlying, strike, time, rate, np.linspace(0.01, 3.0, 60), model=model
    ).value
    assert np.all(np.diff(values) >= -1e-13 * max(underlying, strike))


@settings(max_examples=300, deadline=None)
@given(prices, moneyness, years, rates, vols, models)
def test_delta_bounds_and_signs(underlying, log_moneyness, time, rate, vol, model):
    strike = underlying * math.exp(log_moneyness)
    cap = math.exp(-rate * time) if model is PricingModel.BLACK76 else 1.0
    call = option_greeks(True, underlying, strike, time, rate, vol, model=model)
    put = option_greeks(False, underlying, strike, time, rate, vol, model=model)
    assert 0.0 <= call.delta <= cap * (1 + 1e-15)
    assert -cap * (1 + 1e-15) <= put.delta <= 0.0
    assert call.gamma >= 0.0
    assert call.vega >= 0.0
    assert call.value >= 0.0
    assert put.value >= 0.0
    # Above intrinsic of the discounted forward (European lower bound).
    discount = math.exp(-rate * time)
    forward_discounted = underlying * (discount if model is PricingModel.BLACK76 else 1.0)
    assert call.value >= forward_discounted - strike * discount - 1e-12 * max(underlying, strike)
