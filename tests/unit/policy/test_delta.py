"""The delta band: inside does nothing, outside hedges to the edge or the target, in slices."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.config.models import BandSettings
from agent.intents import Action
from agent.model import Side
from agent.policy.alerts import AlertCode, Severity
from agent.policy.delta import (
    BAND,
    INTERVAL,
    HedgeContext,
    band_half_width,
    find_need,
    half_width_coin,
    hedge_quantity,
    plan_hedge,
    rebalance_due,
    slices,
    whalley_wilmott_half_width,
)
from tests.unit.policy.builders import NOW, PARAMETERS, eth_risk, route, rules

RECENT = NOW - timedelta(seconds=60)


def context(delta: float, last: object = RECENT, blocked: Side | None = None) -> HedgeContext:
    sides = frozenset() if blocked is None else frozenset({blocked})
    return HedgeContext(NOW, last, delta, sides, PARAMETERS)  # type: ignore[arg-type]


def trades(delta: float, **settings: object) -> list[tuple[Action, float]]:
    plan = plan_hedge(eth_risk(delta), rules(**settings), (route("hyperliquid"),), context(delta))
    return [(i.action, i.quantity) for i in plan.intents]


@pytest.mark.parametrize(
    ("delta", "hedge_to", "expected"),
    [
        (0.5, "target", []),  # inside the +-1 band
        (1.0, "target", []),  # on the edge is inside
        (-1.0, "edge", []),
        (1.5, "target", [(Action.SELL, 1.5)]),
        (1.5, "edge", [(Action.SELL, 0.5)]),
        (-4.0, "target", [(Action.BUY, 4.0)]),
        (-4.0, "edge", [(Action.BUY, 3.0)]),
    ],
)
def test_fixed_band(delta: float, hedge_to: str, expected: list[tuple[Action, float]]) -> None:
    assert trades(delta, hedge_to=hedge_to) == [(a, pytest.approx(q)) for a, q in expected]


def test_a_target_off_zero_moves_the_band() -> None:
    assert trades(4.5, delta_target_coin=5.0) == []
    assert trades(3.0, delta_target_coin=5.0) == [(Action.BUY, pytest.approx(2.0))]


def test_large_hedges_are_sliced_evenly() -> None:
    # 2.5 coin with at most 1 per slice: three slices of 0.8333, not 1 + 1 + 0.5.
    assert trades(2.5, max_slice_coin=1.0) == [(Action.SELL, pytest.approx(2.5 / 3))] * 3
    assert trades(-3.0, max_slice_coin=1.0) == [(Action.BUY, pytest.approx(1.0))] * 3


def test_slices_fall_to_the_next_route_when_one_is_full() -> None:
    # Hyperliquid is cheaper but has room for 2,500 USD: one 1-coin slice, then GMX.
    cheap = route("hyperliquid", room_usd=2_500.0)
    dear = route("gmx", taker_fee_rate=0.001)
    plan = plan_hedge(eth_risk(3.0), rules(max_slice_coin=1.0), (cheap, dear), context(3.0))
    assert [i.venue for i in plan.intents] == ["hyperliquid", "gmx", "gmx"]
    assert [i.reason.rsplit(" ", 1)[-1] for i in plan.intents] == ["1/3", "2/3", "3/3"]


@given(room_slices=st.integers(0, 6), size_slices=st.integers(0, 6), count=st.integers(1, 7))
def test_slices_no_route_takes_are_each_counted_unrouted(
    room_slices: int, size_slices: int, count: int
) -> None:
    # Room for some slices on one venue, book size for some on another: once neither
    # takes a slice, every later one (the same size, the same routes) is unrouted too.
    slice_coin = 2.0  # above the band (1 coin): every count hedges
    roomy = route("hyperliquid", room_usd=room_slices * slice_coin * 2_000.0 * 1.0001)
    shallow = route("gmx", taker_fee_rate=0.001, bid_size_coin=size_slices * slice_coin + 1e-9)
    settings = rules(max_slice_coin=slice_coin)
    delta = count * slice_coin
    plan = plan_hedge(eth_risk(delta), settings, (roomy, shallow), context(delta))
    filled = min(room_slices, count) + min(size_slices, max(count - room_slices, 0))
    assert len(plan.intents) == filled
    unrouted = sum(a.values["unrouted_coin"] for a in plan.alerts)
    expected = 0.0
    for _ in range(count - filled):
        expected += delta / count  # as the slices add up, one at a time
    assert unrouted == expected


def test_only_the_underlyings_hedge_venues_are_used() -> None:
    plan = plan_hedge(
        eth_risk(2.0), rules(hedge_venues=["gmx"]), (route("hyperliquid"),), context(2.0)
    )
    assert plan.intents == ()
    assert [(a.code, a.severity) for a in plan.alerts] == [
        (AlertCode.NO_HEDGE_ROUTE, Severity.CRITICAL)
    ]


def test_hedge_intents_carry_the_route_prices_and_claims() -> None:
    plan = plan_hedge(eth_risk(1.5), rules(), (route("hyperliquid"),), context(1.5))
    (intent,) = plan.intents
    assert intent.instrument is not None
    assert intent.instrument.venue == "hyperliquid"
    assert intent.asset == "ETH"
    assert intent.reference_price == 2_000.0
    assert intent.limit_price == pytest.approx(1_999.5 * 0.998)
    assert intent.notional_usd == pytest.approx(3_000.0)
    assert intent.risk_reducing  # it shrinks the net delta
    assert not intent.urgent


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (3_599.0, []),
        (3_600.0, [(Action.SELL, 0.5)]),  # the interval has passed: back to the target
        (None, [(Action.SELL, 0.5)]),  # never hedged (as far as we know)
    ],
)
def test_rebalance_after_the_interval(
    elapsed: float | None, expected: list[tuple[Action, float]]
) -> None:
    last = None if elapsed is None else NOW - timedelta(seconds=elapsed)
    plan = plan_hedge(eth_risk(0.5), rules(hedge_to="edge"), (route("gmx"),), context(0.5, last))
    assert [(i.action, i.quantity) for i in plan.intents] == expected


def test_an_interval_top_up_below_every_minimum_is_quiet() -> None:
    tiny = route("gmx", min_size_coin=0.01)
    plan = plan_hedge(eth_risk(0.001), rules(), (tiny,), context(0.001, None))
    assert plan.intents == ()
    assert plan.alerts == ()


def test_a_hedge_against_this_ticks_health_trades_waits() -> None:
    plan = plan_hedge(eth_risk(-2.0), rules(), (route("gmx"),), context(-2.0, blocked=Side.BUY))
    assert plan.intents == ()
    assert [a.code for a in plan.alerts] == [AlertCode.HEDGE_DEFERRED]


def test_whalley_wilmott_by_hand() -> None:
    # k = 0.001, S = 2,000, gamma = 0.1 coin/USD, lambda = 1/USD:
    # 1.5 * 0.001 * 2,000 * 0.01 / 1 = 0.03 coin^3, h = 0.03^(1/3) = 0.310723 coin.
    assert whalley_wilmott_half_width(0.001, 2_000.0, 0.1, 1.0) == pytest.approx(0.3107233)
    assert whalley_wilmott_half_width(0.001, 2_000.0, -0.1, 1.0) == pytest.approx(0.3107233)
    band = BandSettings(mode="whalley_wilmott", half_width_coin=0.2, risk_aversion_per_usd=1.0)
    width = half_width_coin(band, cost_fraction=0.001, spot_usd=2_000.0, gamma=0.1)
    assert width == pytest.approx(0.3107233)
    # Floored at half_width_coin; without a cost (no route) the floor applies.
    assert half_width_coin(band, cost_fraction=0.001, spot_usd=2_000.0, gamma=0.01) == 0.2
    assert half_width_coin(band, cost_fraction=None, spot_usd=2_000.0, gamma=0.1) == 0.2


def test_whalley_wilmott_band_uses_the_cheapest_routes_cost() -> None:
    # The route costs 20 bps all-in (fee only; mid == bid == ask == spot).
    flat = route("gmx", bid_usd=2_000.0, ask_usd=2_000.0, taker_fee_rate=0.002)
    band = BandSettings(mode="whalley_wilmott", half_width_coin=0.1, risk_aversion_per_usd=0.01)
    # h = (1.5 * 0.002 * 2,000 * 0.05^2 / 0.01)^(1/3) = 1.5^(1/3) = 1.1447 coin.
    width = math.cbrt(1.5)
    inside = plan_hedge(eth_risk(1.14, gamma=0.05), rules(band=band), (flat,), context(1.14))
    assert inside.intents == ()
    outside = plan_hedge(
        eth_risk(1.15, gamma=0.05), rules(band=band, hedge_to="edge"), (flat,), context(1.15)
    )
    (intent,) = outside.intents
    assert intent.quantity == pytest.approx(1.15 - width)


costs = st.floats(0.0, 0.05)
gammas = st.floats(-10.0, 10.0)
spots = st.floats(1.0, 1e5)
aversions = st.floats(1e-6, 10.0)


@given(costs, costs, gammas, gammas, spots, aversions)
def test_whalley_wilmott_widens_with_gamma_and_cost(
    cost_a: float, cost_b: float, gamma_a: float, gamma_b: float, spot: float, aversion: float
) -> None:
    low_cost, high_cost = sorted((cost_a, cost_b))
    low_gamma, high_gamma = sorted((abs(gamma_a), abs(gamma_b)))
    base = whalley_wilmott_half_width(low_cost, spot, low_gamma, aversion)
    assert whalley_wilmott_half_width(high_cost, spot, low_gamma, aversion) >= base
    assert whalley_wilmott_half_width(low_cost, spot, high_gamma, aversion) >= base
    assert whalley_wilmott_half_width(low_cost, spot, -high_gamma, aversion) >= base
    band = BandSettings(mode="whalley_wilmott", half_width_coin=0.5, risk_aversion_per_usd=aversion)
    width = half_width_coin(band, cost_fraction=high_cost, spot_usd=spot, gamma=high_gamma)
    assert width >= max(0.5, base)


@given(st.floats(1e-6, 100.0), st.floats(0.01, 100.0))
def test_slices_are_even_bounded_complete_and_few(quantity: float, max_slice: float) -> None:
    parts = slices(quantity, max_slice)
    assert math.fsum(parts) == pytest.approx(quantity, rel=1e-12)
    assert all(part <= max_slice for part in parts)
    assert len(set(parts)) == 1
    assert (len(parts) - 1) * max_slice < quantity * (1 + 1e-12)  # one fewer would not do


@pytest.mark.parametrize(
    ("deviation", "due", "expected"),
    [
        (0.0, True, None),
        (0.99, False, None),
        (0.99, True, (0.99, INTERVAL)),
        (1.01, False, (pytest.approx(0.01), BAND)),
    ],
)
def test_hedge_quantity(deviation: float, due: bool, expected: object) -> None:
    assert hedge_quantity(deviation, 1.0, "edge", due) == expected


def test_rebalance_due() -> None:
    assert rebalance_due(None, NOW, 10)
    assert rebalance_due(NOW - timedelta(seconds=10), NOW, 10)
    assert not rebalance_due(NOW - timedelta(seconds=9), NOW, 10)


def test_a_need_knows_why_and_how_far_out() -> None:
    need = find_need(eth_risk(1.5), rules(), (route("hyperliquid"),), context(1.5))
    assert need is not None
    assert (need.side, need.reason, need.quantity) == (Side.SELL, BAND, 1.5)
    assert need.breach == pytest.approx(1.5)
    due = find_need(eth_risk(0.5), rules(), (route("hyperliquid"),), context(0.5, None))
    assert due is not None
    assert (due.reason, due.breach) == (INTERVAL, 0.5)
    assert need.priority < due.priority


@pytest.mark.parametrize("delta", [0.0, 0.5, 3.0, -7.5])
def test_a_width_passed_in_finds_the_need_it_would_compute(delta: float) -> None:
    # decide computes each band once for its report and hands it to find_need
    settings = rules(
        band=BandSettings(mode="whalley_wilmott", half_width_coin=0.2, risk_aversion_per_usd=1.0)
    )
    routes = (route("hyperliquid", taker_fee_rate=0.0005), route("gmx", gas_usd=2.0))
    risk, now = eth_risk(delta, gamma=0.02), context(delta)
    width = band_half_width(risk, settings, routes, now)
    assert find_need(risk, settings, routes, now, width) == find_need(risk, settings, routes, now)
