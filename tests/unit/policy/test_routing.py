"""Routing by all-in cost: fees, slippage at size, carry over the holding time, gas."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from agent.model import Instrument, Kind, Side
from agent.policy.inputs import HedgeRoute
from agent.policy.routing import (
    Cost,
    Fill,
    best_fill,
    cost,
    quote,
    route_slices,
)
from tests.unit.policy.builders import PARAMETERS, SPOT, instrument, route

DAY = 86_400.0


def pick(routes: list[HedgeRoute], side: Side, quantity: float, holding: float = DAY) -> str:
    fill = best_fill(routes, side, quantity, SPOT, holding, PARAMETERS)
    assert fill is not None
    return fill.route.venue


def one_slice(
    routes: list[HedgeRoute], used: int, side: Side, quantity: float
) -> tuple[Fill, tuple[HedgeRoute, ...]]:
    """One slice of ``quantity`` routed on ``routes[used]`` alone, and the routes after."""
    fills, _, after = route_slices(routes, (used,), side, [quantity], SPOT, DAY, PARAMETERS)
    assert len(fills) == 1
    return fills[0], after


def test_cost_parts_by_hand() -> None:
    # Buy 2 ETH: ask 2,000.5, impact 0.01 % per coin: F = 2,000.5 * 1.0002 = 2,000.9001.
    # Fee 5 bps of 2 * F; slippage 2 * (F - 2,000) (mid 2,000); longs pay 10 %/yr for a
    # day on 2 * 2,000 USD; gas 0.3 USD.
    r = route(
        "gmx", taker_fee_rate=0.0005, impact_per_coin=0.0001, carry_long_annual=0.10, gas_usd=0.3
    )
    c = cost(r, Side.BUY, 2.0, SPOT, DAY)
    fill = 2_000.5 * 1.0002
    assert c.fee_usd == pytest.approx(0.0005 * 2 * fill)
    assert c.slippage_usd == pytest.approx(2 * (fill - 2_000.0))
    assert c.carry_usd == pytest.approx(0.10 * 2 * 2_000 / 365)
    assert c.gas_usd == 0.3
    assert c.total_usd == pytest.approx(c.fee_usd + c.slippage_usd + c.carry_usd + 0.3)


def test_closing_a_paying_position_earns_its_carry_back() -> None:
    # Short 5, shorts pay 20 %/yr: buying 2 back saves 2 * 2,000 * 0.2 / 365 per day.
    r = route("gmx", carry_short_annual=0.20, position_coin=-5.0)
    assert cost(r, Side.BUY, 2.0, SPOT, DAY).carry_usd == pytest.approx(-2 * 2_000 * 0.2 / 365)
    # Buying 7 closes the short and opens 2 long at 0 %/yr: saves the whole short's carry.
    assert cost(r, Side.BUY, 7.0, SPOT, DAY).carry_usd == pytest.approx(-5 * 2_000 * 0.2 / 365)


def test_picks_the_cheapest_fee() -> None:
    routes = [route("gmx", taker_fee_rate=0.0005), route("hyperliquid", taker_fee_rate=0.0002)]
    assert pick(routes, Side.SELL, 1.0) == "hyperliquid"


def test_funding_carry_flips_the_choice() -> None:
    # Selling 1 ETH for a day. Hyperliquid: 2 bps (0.40 USD) but shorts pay 50 %/yr
    # (2.74 USD a day); GMX: 5 bps (1.00 USD), shorts pay nothing.
    hyperliquid = route(
        "hyperliquid", taker_fee_rate=0.0002, carry_short_annual=0.5, carry_long_annual=-0.5
    )
    gmx = route("gmx", taker_fee_rate=0.0005)
    assert pick([hyperliquid, gmx], Side.SELL, 1.0) == "gmx"
    # Held for an hour the carry is 0.11 USD: Hyperliquid is cheaper again.
    assert pick([hyperliquid, gmx], Side.SELL, 1.0, holding=3_600.0) == "hyperliquid"
    # Buying, the long receives that funding: Hyperliquid by far.
    assert pick([hyperliquid, gmx], Side.BUY, 1.0) == "hyperliquid"


def test_size_impact_and_gas_count() -> None:
    # Uniswap: no fee but 0.05 % impact per coin; Hyperliquid: 2.5 bps fee.
    uniswap = route(
        "uniswap",
        instrument=instrument("uniswap", "WETH/USDC/500", Kind.SPOT),
        impact_per_coin=0.0005,
    )
    hyperliquid = route("hyperliquid", taker_fee_rate=0.00025)
    assert pick([uniswap, hyperliquid], Side.BUY, 0.2) == "uniswap"  # impact 0.4 bps
    assert pick([uniswap, hyperliquid], Side.BUY, 2.0) == "hyperliquid"  # impact 10 bps
    costly = route("uniswap", instrument=uniswap.instrument, impact_per_coin=0.0005, gas_usd=5.0)
    assert pick([costly, hyperliquid], Side.BUY, 0.2) == "hyperliquid"


def test_exposure_room_and_size_are_respected() -> None:
    cheap = route("hyperliquid", room_usd=1_500.0)
    dear = route("gmx", taker_fee_rate=0.001)
    assert pick([cheap, dear], Side.BUY, 0.5) == "hyperliquid"  # 1,000 USD of room used
    assert pick([cheap, dear], Side.BUY, 1.0) == "gmx"  # 2,000 > 1,500
    shallow = route("hyperliquid", ask_size_coin=0.8)
    assert pick([shallow, dear], Side.BUY, 1.0) == "gmx"
    assert pick([shallow, dear], Side.SELL, 1.0) == "hyperliquid"


def test_reducing_a_position_is_never_blocked_by_its_cap() -> None:
    over = route("hyperliquid", room_usd=-500.0, venue_position_coin=3.0, position_coin=3.0)
    assert quote(over, Side.SELL, 2.0, SPOT, DAY, PARAMETERS) is not None
    assert quote(over, Side.BUY, 0.1, SPOT, DAY, PARAMETERS) is None


def test_no_route_is_none() -> None:
    assert (
        best_fill([route("gmx", ask_size_coin=0.5)], Side.BUY, 1.0, SPOT, DAY, PARAMETERS) is None
    )
    assert best_fill([], Side.BUY, 1.0, SPOT, DAY, PARAMETERS) is None


def test_a_price_beyond_the_slippage_limit_is_not_a_route() -> None:
    # Ask 2,025 is 1.25 % over the reference: the guard would refuse it.
    away = route("gmx", bid_usd=2_020.0, ask_usd=2_025.0)
    assert quote(away, Side.BUY, 1.0, SPOT, DAY, PARAMETERS) is None
    assert quote(away, Side.SELL, 1.0, SPOT, DAY, PARAMETERS) is not None


def test_limit_price_is_the_fill_at_size_plus_the_bound_within_the_guard_limit() -> None:
    fill = quote(route("gmx", ask_usd=2_001.0), Side.BUY, 1.0, SPOT, DAY, PARAMETERS)
    assert fill is not None
    assert fill.limit_price_usd == pytest.approx(2_001.0 * 1.002)
    fill = quote(route("gmx", bid_usd=1_999.0), Side.SELL, 1.0, SPOT, DAY, PARAMETERS)
    assert fill is not None
    assert fill.limit_price_usd == pytest.approx(1_999.0 * 0.998)
    # An ask 0.9 % over the reference: the bound stops at 1 % over it.
    fill = quote(route("gmx", ask_usd=2_018.0), Side.BUY, 1.0, SPOT, DAY, PARAMETERS)
    assert fill is not None
    assert fill.limit_price_usd == pytest.approx(2_020.0)


@pytest.mark.parametrize(
    ("lot", "minimum", "quantity", "expected"),
    [
        (0.0, 0.0, 0.37, 0.37),
        (0.1, 0.0, 0.37, 0.3),
        (0.1, 0.0, 0.3, 0.3),  # 0.3 / 0.1 is 2.9999999999999996 in floats
        (0.01, 0.5, 0.37, 0.0),
        (1.0, 0.0, 0.5, 0.0),
    ],
)
def test_lots_and_minimum_sizes(
    lot: float, minimum: float, quantity: float, expected: float
) -> None:
    r = route("gmx", lot_size_coin=lot, min_size_coin=minimum)
    fill = quote(r, Side.BUY, quantity, SPOT, DAY, PARAMETERS)
    assert (0.0 if fill is None else fill.quantity) == pytest.approx(expected)


def test_ties_break_by_venue_then_symbol() -> None:
    routes = [
        route("hyperliquid"),
        route("gmx", instrument=instrument("gmx", "ETH-B")),
        route("gmx"),
    ]
    fill = best_fill(routes, Side.BUY, 1.0, SPOT, DAY, PARAMETERS)
    assert fill is not None
    assert fill.route.key == ("gmx", "ETH-B")


def test_a_slice_moves_room_position_and_size_on_the_venue() -> None:
    perp = route("gmx", room_usd=10_000.0, ask_size_coin=5.0)
    other = route("gmx", instrument=instrument("gmx", "WETH", Kind.SPOT), room_usd=10_000.0)
    elsewhere = route("hyperliquid", room_usd=10_000.0)
    fill, after = one_slice([perp, other, elsewhere], 0, Side.BUY, 2.0)
    assert fill == quote(perp, Side.BUY, 2.0, SPOT, DAY, PARAMETERS)
    assert [r.room_usd for r in after] == [6_000.0, 6_000.0, 10_000.0]
    assert [r.venue_position_coin for r in after] == [2.0, 2.0, 0.0]
    assert [r.position_coin for r in after] == [2.0, 0.0, 0.0]
    assert after[0].ask_size_coin == 3.0
    assert math.isinf(after[1].ask_size_coin)


def test_a_slice_keeps_other_underlyings_positions() -> None:
    btc = Instrument(venue="gmx", symbol="BTC-PERP", underlying="BTC", kind=Kind.PERP)
    eth_perp = route("gmx", room_usd=10_000.0)
    btc_perp = route("gmx", instrument=btc, room_usd=10_000.0, venue_position_coin=0.5)
    _, after = one_slice([eth_perp, btc_perp], 0, Side.SELL, 1.0)
    assert [r.venue_position_coin for r in after] == [-1.0, 0.5]
    assert [r.room_usd for r in after] == [8_000.0, 8_000.0]


def test_kept_quotes_route_every_slice_as_fresh_ones() -> None:
    # Slices of one hedge: the cheap perp runs out of size, its venue's spot route loses
    # room with it, the other venue is untouched (its quote kept). route_slices, keeping
    # quotes by position, fills each slice exactly as quoting every route afresh on the
    # routes the earlier slice left does (one slice a call); the unusable route (another
    # underlying's) is never used but moves with its venue.
    spot = instrument("gmx", "WETH", Kind.SPOT)
    btc = Instrument(venue="gmx", symbol="BTC-PERP", underlying="BTC", kind=Kind.PERP)
    routes = (
        route("gmx", ask_size_coin=2.5, room_usd=9_000.0),
        route("gmx", instrument=btc, room_usd=9_000.0, taker_fee_rate=0.0),
        route("gmx", instrument=spot, taker_fee_rate=0.0002, room_usd=9_000.0),
        route("hyperliquid", taker_fee_rate=0.0004, gas_usd=0.5),
    )
    usable_at = (0, 2, 3)
    fresh_routes, fresh_fills, venues = routes, [], []
    for _ in range(7):
        usable = [fresh_routes[n] for n in usable_at]
        fresh = best_fill(usable, Side.BUY, 1.0, SPOT, DAY, PARAMETERS)
        if fresh is None:
            break
        fresh_fills.append(fresh)
        venues.append(fresh.route.key)
        one, _, fresh_routes = route_slices(
            fresh_routes, usable_at, Side.BUY, [1.0], SPOT, DAY, PARAMETERS
        )
        assert one == [fresh]
    assert venues == [routes[0].key] * 2 + [routes[2].key] * 2 + [routes[3].key] * 3
    fills, unrouted, after = route_slices(
        routes, usable_at, Side.BUY, [1.0] * 7, SPOT, DAY, PARAMETERS
    )
    assert fills == fresh_fills
    assert unrouted == 0.0
    assert after == fresh_routes
    assert after[3] is not routes[3]
    assert after[1].room_usd < routes[1].room_usd


def test_route_slices_counts_what_no_route_takes() -> None:
    # A slice no route takes leaves the routes as they are (each later one of the same
    # amount is refused too, counted one by one); a lot trims what a slice fills.
    shallow = route("gmx", ask_size_coin=1.5, lot_size_coin=0.4)
    fills, unrouted, after = route_slices(
        (shallow,), (0,), Side.BUY, [0.9, 0.9, 0.9], SPOT, DAY, PARAMETERS
    )
    assert [f.quantity for f in fills] == [0.8]
    assert unrouted == 0.9 - 0.8 + 0.9 + 0.9
    assert after[0].ask_size_coin == 1.5 - 0.8
    assert route_slices((), (), Side.SELL, [1.0], SPOT, DAY, PARAMETERS) == ([], 1.0, ())


@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_a_drafted_fill_and_cost_are_the_class_s_own(side: Side) -> None:
    # quote and cost fill their records' slots by hand: each must be the record the
    # class builds from the same values (a field left out fails in ==)
    r = route(
        "gmx", taker_fee_rate=0.0005, impact_per_coin=0.0001, carry_long_annual=0.10,
        carry_short_annual=0.05, gas_usd=0.3, position_coin=1.0,
    )  # fmt: skip
    found = quote(r, side, 2.0, SPOT, DAY, PARAMETERS)
    assert found is not None
    assert type(found) is Fill
    assert type(found.cost) is Cost
    parts = cost(r, side, 2.0, SPOT, DAY)
    assert parts == Cost(parts.fee_usd, parts.slippage_usd, parts.carry_usd, parts.gas_usd)
    assert found.cost == parts
    assert found == Fill(r, side, 2.0, found.price_usd, found.limit_price_usd, parts)


@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_a_slice_copies_every_field_as_replace_does(side: Side) -> None:
    # A slice copies its venue's routes field by field (drafts): every field set apart from its
    # default, so a field copied from the wrong place or left out shows in ==
    def full(venue: str, symbol: str, underlying: str, seed: float) -> HedgeRoute:
        kind = Instrument(venue=venue, symbol=symbol, underlying=underlying, kind=Kind.PERP)
        return HedgeRoute(
            kind, 1999.0 + seed, 2001.0 + seed, 0.0003 + seed / 1e4, 1e-5 * seed, 40.0 + seed,
            41.0 + seed, 0.07 + seed / 100, 0.03 + seed / 100, 0.2 + seed, 90_000.0 + seed,
            1.5 + seed, 3.5 + seed, 0.01 * seed, 0.001 * seed,
        )  # fmt: skip

    used = full("gmx", "ETH-PERP", "ETH", 1.0)
    routes = [used, full("gmx", "BTC-PERP", "BTC", 2.0), full("gmx", "ETH-B", "ETH", 3.0)]
    routes.append(full("hyperliquid", "ETH-PERP", "ETH", 4.0))
    change = 2.0 if side is Side.BUY else -2.0
    added = max((abs(used.venue_position_coin + change) - abs(used.venue_position_coin)) * SPOT, 0)
    expected = [
        replace(
            used,
            room_usd=used.room_usd - added,
            venue_position_coin=used.venue_position_coin + change,
            position_coin=used.position_coin + change,
            ask_size_coin=used.ask_size_coin - (2.0 if change > 0 else 0.0),
            bid_size_coin=used.bid_size_coin - (2.0 if change < 0 else 0.0),
        ),
        replace(routes[1], room_usd=routes[1].room_usd - added),
        replace(
            routes[2],
            room_usd=routes[2].room_usd - added,
            venue_position_coin=routes[2].venue_position_coin + change,
        ),
        routes[3],
    ]
    _, after = one_slice(routes, 0, side, 2.0)
    assert [type(r) for r in after] == [HedgeRoute] * 4
    assert list(after) == expected
    assert after[3] is routes[3]


def test_best_fill_is_min_over_the_quotes_first_of_equals() -> None:
    # The cheapest per coin, ties by venue then symbol, and of identical routes the
    # first in order, as min over every quote takes it; kept quotes answer the same.
    twin = route("gmx", taker_fee_rate=0.0004)
    candidates = [
        [route("hyperliquid", taker_fee_rate=0.0004), twin, route("gmx", taker_fee_rate=0.0004)],
        [route("gmx", ask_size_coin=0.5), route("aave", bid_usd=10.0, ask_usd=9e9)],
        [route("b", gas_usd=1.0), route("a", gas_usd=1.0), route("c", taker_fee_rate=1e-5)],
        [route("gmx", ask_size_coin=0.5)],
    ]
    for routes in candidates:
        for side in (Side.BUY, Side.SELL):
            quotes = [quote(r, side, 1.0, SPOT, DAY, PARAMETERS) for r in routes]
            found = [q for q in quotes if q is not None]
            expected = min(found, key=lambda q: q.sort_key) if found else None
            fill = best_fill(routes, side, 1.0, SPOT, DAY, PARAMETERS)
            sliced, _, _ = route_slices(
                routes, range(len(routes)), side, [1.0], SPOT, DAY, PARAMETERS
            )
            assert fill == expected
            assert (fill and fill.route) is (expected and expected.route)
            assert sliced == ([] if expected is None else [expected])
            assert [f.route for f in sliced] == [f.route for f in found if f is expected]
