"""Order units, end to end (RELIABILITY 24): coin intent -> the venue's order amount ->
fill -> position change, for every instrument kind of both venues.

The connectors convert (``connectors/cex/units.py``); the simulators hold positions in
the venues' own units (Deribit: USD for inverse futures, coin otherwise) and report them
as the venues do, and ccxt (unchanged) carries the request. A conversion in the wrong
unit shows here as a position 1000 times (or 1/price times) the intent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from cex_world import (
    DERIBIT_CLIENT_ID,
    DERIBIT_SECRET,
    HL_ADDRESS,
    deribit_venue,
    flat_driver,
    hyperliquid_venue,
    option_symbol,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.model import Side
from agent.ports import OrderRequest
from connectors.cex import CcxtVenue
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator
from sim.venues.loopback import loopback_only


@dataclass(frozen=True)
class Kind:
    """One instrument kind: where it trades, and its crossing limit prices."""

    venue: str
    symbol: Callable[[CcxtVenue], str]
    buy_limit: float
    sell_limit: float
    largest_coin: float
    smallest_usd: float = 0.0  # a venue minimum by value (Hyperliquid: 10 USD an order)


KINDS = {
    "deribit inverse perpetual": Kind("deribit", lambda v: "BTC/USD:BTC", 61_000.0, 59_000.0, 2.0),
    "deribit inverse future": Kind(
        "deribit", lambda v: _dated_future(v, "ETH"), 3_200.0, 2_800.0, 20.0
    ),
    "deribit linear perpetual": Kind("deribit", lambda v: "BTC/USDC:USDC", 61_000.0, 59_000.0, 2.0),
    "deribit option": Kind(
        "deribit",
        lambda v: option_symbol(v, 60_000),
        0.5,
        0.0001,
        3.0,  # type: ignore[arg-type]
    ),
    "hyperliquid perpetual": Kind(
        "hyperliquid", lambda v: "ETH/USDC:USDC", 3_050.0, 2_950.0, 20.0, smallest_usd=10.0
    ),
}


def _dated_future(venue: CcxtVenue, coin: str) -> str:
    futures = [m for m in venue.exchange.markets.values() if m["future"] and m["base"] == coin]
    return str(min(futures, key=lambda m: m["expiry"])["symbol"])


class World:
    """Both simulators and both connectors, open for the whole module on one loop."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.driver = flat_driver()
        self.deribit_sim = DeribitSimulator(self.driver.state)
        self.deribit_sim.add_account(
            DERIBIT_CLIENT_ID, DERIBIT_SECRET, {"BTC": 1_000.0, "ETH": 10_000.0, "USDC": 1e8}
        )
        self.hyperliquid_sim = HyperliquidSimulator(self.driver.state)
        self.hyperliquid_sim.add_user(HL_ADDRESS, usdc=1e8)
        self.venues: dict[str, CcxtVenue] = {}
        self.count = 0

    async def open(self) -> None:
        await self.deribit_sim.__aenter__()
        await self.hyperliquid_sim.__aenter__()
        self.venues["deribit"] = await deribit_venue(self.deribit_sim).__aenter__()
        self.venues["hyperliquid"] = await hyperliquid_venue(self.hyperliquid_sim).__aenter__()

    async def close(self) -> None:
        for venue in self.venues.values():
            await venue.close()
        await self.hyperliquid_sim.__aexit__(None, None, None)
        await self.deribit_sim.__aexit__(None, None, None)

    async def position(self, venue: CcxtVenue, symbol: str) -> float:
        snapshot = await venue.snapshot()
        return sum(p.quantity for p in snapshot.positions if p.instrument.symbol == symbol)

    async def trade(self, kind: Kind, side: Side, coin: float) -> tuple[float, float, float]:
        """(position change, reported fill, one lot), all in coin."""
        venue = self.venues[kind.venue]
        symbol = kind.symbol(venue)
        before = await self.position(venue, symbol)
        self.count += 1
        limit = kind.buy_limit if side is Side.BUY else kind.sell_limit
        order = OrderRequest(f"units-{self.count}", symbol, side, coin, limit)
        state = await venue.place_order(order)
        after = await self.position(venue, symbol)
        quotes = {q.symbol: q for q in (await venue.snapshot()).quotes}
        mark = quotes[symbol].mark if symbol in quotes else None
        return after - before, state.filled_quantity, venue.units(symbol).lot_coin(mark)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with loopback_only():
        built = World()
        built.runner.run(built.open())
        try:
            yield built
        finally:
            built.runner.run(built.close())
            built.runner.close()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(sorted(KINDS)),
    side=st.sampled_from([Side.BUY, Side.SELL]),
    fraction=st.floats(min_value=0.0, max_value=1.0),
)
def test_a_coin_intent_moves_the_position_by_that_coin_within_one_lot(
    world: World, name: str, side: Side, fraction: float
) -> None:
    kind = KINDS[name]
    venue = world.venues[kind.venue]
    symbol = kind.symbol(venue)
    smallest = max(
        venue.units(symbol).lot_coin(kind.buy_limit), kind.smallest_usd / kind.sell_limit
    )
    coin = smallest + fraction * (kind.largest_coin - smallest)
    change, filled, lot = world.runner.run(world.trade(kind, side, coin))
    intended = coin if side is Side.BUY else -coin
    assert abs(change - intended) <= lot * (1 + 1e-9), (name, coin, change, lot)
    assert abs(filled - abs(change)) <= lot * 1e-6, (name, filled, change)
