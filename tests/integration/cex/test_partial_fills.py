"""Partial fills from the simulators' depth model, reported as each venue reports them.

Hyperliquid answers an IOC that meets less depth with ``filled`` and the smaller
``totalSz``, and ``orderStatus`` then shows it ``canceled``; Deribit with order state
``cancelled`` and ``filled_amount`` > 0. Through ccxt and the connectors both become an
order that filled 40% of its coin, and the executor's outcome PARTIAL with 40% booked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cex_world import DERIBIT_CLIENT_ID, HL_ADDRESS, cloid_for
from order_desk import Orders, order_desk

from agent.errors import RejectedError
from agent.execution.records import IntentEntry
from agent.intents import Action, Intent, OutcomeStatus
from agent.model import Side
from agent.ports import OrderRequest
from connectors.cex import CcxtVenue, DeribitVenue, HyperliquidVenue
from sim.market import MarketDriver
from sim.venues.depth import DepthModel
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator


def thin(depth: DepthModel, coin: float, price: float) -> None:
    """One level of ``coin`` at ``price`` (and no volatility thinning)."""
    depth.levels = 1
    depth.level_usd = coin * price * 1.000001
    depth.calm_vol.clear()


@pytest.fixture
def orders(
    tmp_path: Path, deribit: DeribitVenue, hyperliquid: HyperliquidVenue
) -> Iterator[Orders]:
    with order_desk(tmp_path, {"deribit": deribit, "hyperliquid": hyperliquid}) as desk:
        yield desk


async def _hedge(orders: Orders, venue: CcxtVenue, symbol: str, sequence: int) -> Intent:
    instrument = venue.instrument(symbol)
    intent = Intent(
        venue=venue.name, action=Action.BUY, asset="BTC", quantity=1.0, reason="partial",
        instrument=instrument, limit_price=61_000.0, reference_price=60_000.0,
        notional_usd=60_000.0, sequence=sequence,
    )  # fmt: skip
    entry = IntentEntry(intent.notional_usd, True, False, legs=1)
    orders.journal.record_intent(intent, entry, at=orders.clock.now().timestamp())
    return intent


async def test_hyperliquid_reports_a_thin_book_as_filled_with_a_smaller_total_size(
    orders: Orders, hyperliquid: HyperliquidVenue, hyperliquid_sim: HyperliquidSimulator
) -> None:
    house = hyperliquid_sim.house
    asset = house.by_name["BTC"]
    thin(house.depth, 0.4, house.touch(asset)[1])
    intent = await _hedge(orders, hyperliquid, "BTC/USDC:USDC", 0)
    outcome = await orders.execute(intent, risk_reducing=True)
    assert outcome.status is OutcomeStatus.PARTIAL
    assert outcome.filled_quantity == pytest.approx(0.4)
    [order] = hyperliquid_sim.orders_with_cloid(HL_ADDRESS, cloid_for(outcome.reference))
    assert (order.status, order.orig_sz, order.sz) == ("canceled", 1.0, 0.6)
    [position] = (await hyperliquid.snapshot()).positions
    assert position.quantity == pytest.approx(0.4)  # booked: what filled, once
    # the depth taken stays taken until the next market step
    with pytest.raises(RejectedError, match="could not immediately match"):
        await hyperliquid.place_order(OrderRequest("again", "BTC/USDC:USDC", Side.BUY, 0.1, 61e3))


@pytest.mark.parametrize(
    ("symbol", "name", "held"),
    [("BTC/USDC:USDC", "BTC_USDC-PERPETUAL", 0.4), ("BTC/USD:BTC", "BTC-PERPETUAL", 24_000.0)],
)
async def test_deribit_reports_a_thin_book_as_cancelled_with_a_filled_amount(
    orders: Orders,
    deribit: DeribitVenue,
    deribit_sim: DeribitSimulator,
    driver: MarketDriver,
    symbol: str,
    name: str,
    held: float,
) -> None:
    exchange = deribit_sim.exchange
    thin(exchange.depth, 0.4, 60_000.0 * 1.00025)  # the ask, a quarter basis point up
    outcome = await orders.execute(await _hedge(orders, deribit, symbol, 1), risk_reducing=True)
    assert outcome.status is OutcomeStatus.PARTIAL
    assert outcome.filled_quantity == pytest.approx(0.4, rel=1e-3)
    account = exchange.accounts[DERIBIT_CLIENT_ID]
    [order] = [o for o in account.orders.values() if o.instrument.name == name]
    assert order.to_json()["order_state"] == "cancelled"
    assert order.to_json()["filled_amount"] == pytest.approx(held)
    assert account.holdings[name].size == pytest.approx(held)
    await driver.advance(1)  # a new market step: the book is whole again
    assert exchange.depth.taken_usd == {}


def test_depth_thins_when_volatility_spikes_and_with_the_liquidity_factor() -> None:
    depth = DepthModel(level_usd=100.0, liquidity=0.5)
    assert depth.per_level_usd("ETH", 0.6) == 50.0  # the calm level is learnt here
    assert depth.per_level_usd("ETH", 1.2) == pytest.approx(12.5)  # vol x2: a quarter
    assert depth.per_level_usd("ETH", 0.3) == 50.0  # calmer than calm: never deeper
