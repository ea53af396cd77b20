"""The simulators' own Black-Scholes: Greeks agree with finite differences and parity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.venues.blackscholes import intrinsic, value

spots = st.floats(1_000.0, 100_000.0)
moneyness = st.floats(0.6, 1.6)
years = st.floats(0.02, 2.0)
vols = st.floats(0.1, 1.5)


@given(spots, moneyness, years, vols)
def test_put_call_parity_at_zero_rates(spot: float, m: float, t: float, vol: float) -> None:
    strike = spot * m
    call = value(spot, strike, t, vol, True)
    put = value(spot, strike, t, vol, False)
    assert call.price_usd - put.price_usd == pytest.approx(spot - strike, rel=1e-9, abs=1e-6 * spot)
    assert call.delta - put.delta == pytest.approx(1.0)
    assert call.gamma == pytest.approx(put.gamma)
    assert call.vega == pytest.approx(put.vega)


@given(spots, moneyness, years, vols, st.booleans())
def test_greeks_match_finite_differences(
    spot: float, m: float, t: float, vol: float, is_call: bool
) -> None:
    strike = spot * m
    option = value(spot, strike, t, vol, is_call)
    step = spot * 1e-4

    def price(s: float = spot, sigma: float = vol) -> float:
        return value(s, strike, t, sigma, is_call).price_usd

    delta = (price(spot + step) - price(spot - step)) / (2 * step)
    gamma = (price(spot + step) - 2 * price() + price(spot - step)) / step**2
    vega = (price(sigma=vol + 1e-4) - price(sigma=vol - 1e-4)) / 2e-4 / 100
    assert option.delta == pytest.approx(delta, abs=1e-5)
    assert option.gamma == pytest.approx(gamma, rel=1e-3, abs=1e-9)
    assert option.vega == pytest.approx(vega, rel=1e-4, abs=1e-6)


def test_theta_is_one_day_of_decay_or_the_remaining_time_value() -> None:
    week = value(60_000, 60_000, 7 / 365, 0.6, True)
    one_day = value(60_000, 60_000, 6 / 365, 0.6, True).price_usd - week.price_usd
    assert week.theta == pytest.approx(one_day, rel=0.05)
    hour = value(60_000, 60_000, 1 / (365 * 24), 0.6, True)
    assert hour.theta == pytest.approx(intrinsic(60_000, 60_000, True) - hour.price_usd)


def test_expired_options_are_worth_their_intrinsic_value() -> None:
    expired = value(70_000, 60_000, 0.0, 0.6, True)
    assert expired.price_usd == 10_000
    assert expired.delta == 1.0
    assert value(50_000, 60_000, 0.0, 0.6, True).delta == 0.0
