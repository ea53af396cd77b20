"""The port contract: every Venue/OrderVenue implementation, and the fake, passes it.

Parametrized over the Deribit and Hyperliquid connectors (each on its simulator) and
the in-memory venue other tests use as a stand-in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cex_world import make_rig, make_venue

from agent.errors import OutcomeUnknown, RejectedError
from agent.model import Instrument, Kind, Side
from agent.ports import OrderRequest, OrderState, OrderVenue, Venue
from sim.venues.memory import InMemoryOrderVenue


@dataclass
class Contract:
    venue: Any  # Venue and OrderVenue
    symbol: str
    quantity: float
    coin_quantity: float
    crossing_price: float
    resting_price: float
    orders_for: Callable[[str], int]

    def order(self, client_id: str, *, resting: bool = False, tif: str = "GTC") -> OrderRequest:
        price = self.resting_price if resting else self.crossing_price
        return OrderRequest(
            client_id, self.symbol, Side.BUY, self.quantity, price, time_in_force=tif
        )


def memory_contract() -> Contract:
    instrument = Instrument("memory", "BTC-PERP", "BTC", Kind.PERP)
    venue = InMemoryOrderVenue({"BTC-PERP": instrument}, {"BTC-PERP": 60_000.0}, fee_rate=4.5e-4)
    return Contract(
        venue, "BTC-PERP", 0.1, 0.1, 61_000.0, 50_000.0, lambda cid: int(cid in venue.orders)
    )


@pytest.fixture(params=["deribit", "hyperliquid", "memory"])
def implementation(request: pytest.FixtureRequest) -> tuple[str, Any]:
    """Which implementation, and its simulator if it has one."""
    kind = str(request.param)
    simulator = None if kind == "memory" else request.getfixturevalue(f"{kind}_sim")
    return kind, simulator


@pytest.fixture
async def contract(implementation: tuple[str, Any]) -> AsyncIterator[Contract]:
    kind, simulator = implementation
    if simulator is None:
        yield memory_contract()
        return
    async with make_venue(kind, simulator) as venue:
        rig = make_rig(kind, simulator, venue)
        yield Contract(
            venue,
            rig.symbol,
            rig.quantity,
            rig.coin_quantity,
            rig.crossing_price,
            rig.resting_price,
            rig.orders,
        )


def assert_same_order(left: OrderState, right: OrderState | None) -> None:
    assert right is not None
    assert (left.client_order_id, left.symbol, left.status) == (
        right.client_order_id,
        right.symbol,
        right.status,
    )
    assert right.filled_quantity == pytest.approx(left.filled_quantity)


async def test_it_implements_both_ports(contract: Contract) -> None:
    assert isinstance(contract.venue, Venue)
    order_venue: OrderVenue = contract.venue
    assert callable(order_venue.place_order)


async def test_a_snapshot_is_named_timestamped_and_usable(contract: Contract) -> None:
    snapshot = await contract.venue.snapshot()
    assert snapshot.venue == contract.venue.name
    assert snapshot.observed_at.tzinfo is not None
    assert snapshot.usable
    assert contract.symbol in snapshot.marks


async def test_an_unknown_client_id_is_not_found(contract: Contract) -> None:
    assert await contract.venue.find_order("nobody-placed-this", contract.symbol) is None


async def test_a_crossing_order_fills_and_is_found_by_client_id(contract: Contract) -> None:
    placed = await contract.venue.place_order(contract.order("c-fill"))
    assert placed.client_order_id == "c-fill"
    assert placed.symbol == contract.symbol
    assert placed.status == "closed"
    assert placed.filled_quantity == pytest.approx(contract.quantity)
    assert_same_order(placed, await contract.venue.find_order("c-fill", contract.symbol))
    snapshot = await contract.venue.snapshot()
    [position] = [p for p in snapshot.positions if p.instrument.symbol == contract.symbol]
    assert position.quantity == pytest.approx(contract.coin_quantity, rel=1e-3)


async def test_a_fill_reports_its_fee_when_placed_and_when_found(contract: Contract) -> None:
    placed = await contract.venue.place_order(contract.order("c-fee"))
    assert placed.average_price is not None
    notional = contract.coin_quantity * placed.average_price
    assert 1e-5 * notional < placed.fee_usd < 1e-2 * notional  # a taker fee, in USD
    found = await contract.venue.find_order("c-fee", contract.symbol)
    assert found is not None
    assert found.fee_usd == pytest.approx(placed.fee_usd)


async def test_the_same_client_id_never_makes_a_second_order(contract: Contract) -> None:
    first = await contract.venue.place_order(contract.order("c-once"))
    again = await contract.venue.place_order(contract.order("c-once"))
    assert_same_order(first, again)
    assert contract.orders_for("c-once") == 1


async def test_a_resting_order_is_listed_then_cancelled(contract: Contract) -> None:
    placed = await contract.venue.place_order(contract.order("c-rest", resting=True))
    assert placed.status == "open"
    listed = {o.client_order_id: o for o in await contract.venue.open_orders()}
    assert listed["c-rest"].symbol == contract.symbol
    cancelled = await contract.venue.cancel_order("c-rest", contract.symbol)
    assert cancelled.status == "canceled"
    assert "c-rest" not in {o.client_order_id for o in await contract.venue.open_orders()}
    assert (await contract.venue.cancel_order("c-rest", contract.symbol)).status == "canceled"


async def test_cancelling_an_unknown_order_is_rejected(contract: Contract) -> None:
    with pytest.raises(RejectedError):
        await contract.venue.cancel_order("nobody-placed-this", contract.symbol)


async def test_an_ioc_that_cannot_fill_leaves_nothing_resting(contract: Contract) -> None:
    try:
        state = await contract.venue.place_order(contract.order("c-ioc", resting=True, tif="IOC"))
    except RejectedError:
        pass
    else:
        assert state.status in ("canceled", "rejected")
        assert state.filled_quantity == 0
    assert await contract.venue.open_orders() == []


async def test_concurrent_duplicates_never_make_two_orders(contract: Contract) -> None:
    results = await asyncio.gather(
        *(contract.venue.place_order(contract.order("c-race")) for _ in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(r, OrderState | OutcomeUnknown) for r in results)
    assert any(isinstance(r, OrderState) and r.status == "closed" for r in results)
    assert contract.orders_for("c-race") == 1
