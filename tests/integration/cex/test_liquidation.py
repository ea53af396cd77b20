"""Failing to hedge has consequences: the venues liquidate under-margined accounts."""

from __future__ import annotations

import pytest
from cex_world import DERIBIT_CLIENT_ID, HL_ADDRESS, move, option_symbol

from agent.model import Kind, Side
from agent.ports import OrderRequest
from connectors.cex import DeribitVenue, HyperliquidVenue
from sim.market import MarketDriver
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator


async def test_an_unhedged_short_option_book_is_liquidated_on_a_rally(
    deribit: DeribitVenue, deribit_sim: DeribitSimulator, driver: MarketDriver
) -> None:
    call = option_symbol(deribit, 60_000)
    await deribit.place_order(OrderRequest("short-calls", call, Side.SELL, 5.0, 0.0001))
    before = await deribit.snapshot()
    btc = next(h for h in before.health if h.account == "BTC")
    assert btc.ratio > 1.5
    # BTC rallies 50%: five short calls deep in the money against 2 BTC of equity.
    move(driver, BTC=90_000.0)
    await driver.advance(600)
    [*events] = deribit_sim.liquidations
    assert events
    assert {e.client_id for e in events} == {DERIBIT_CLIENT_ID}
    assert {e.instrument for e in events} == {deribit.exchange.market(call)["id"]}
    after = await deribit.snapshot()
    assert not [p for p in after.positions if p.instrument.kind is Kind.OPTION]
    btc_after = next(h for h in after.health if h.account == "BTC")
    assert btc_after.equity_usd is not None
    assert btc_after.equity_usd < btc.equity_usd  # the loss is real


async def test_a_hedged_book_survives_the_same_rally(
    deribit: DeribitVenue, deribit_sim: DeribitSimulator, driver: MarketDriver
) -> None:
    call = option_symbol(deribit, 60_000)
    await deribit.place_order(OrderRequest("short-calls", call, Side.SELL, 1.0, 0.0001))
    await deribit.place_order(OrderRequest("hedge", "BTC/USD:BTC", Side.BUY, 1.0, 61_000.0))
    move(driver, BTC=90_000.0)
    await driver.advance(600)
    assert deribit_sim.liquidations == []
    health = next(h for h in (await deribit.snapshot()).health if h.account == "BTC")
    assert health.ratio > 1.0


async def test_an_over_levered_perp_is_liquidated_on_hyperliquid(
    hyperliquid: HyperliquidVenue, hyperliquid_sim: HyperliquidSimulator, driver: MarketDriver
) -> None:
    placed = await hyperliquid.place_order(
        OrderRequest("big-long", "ETH/USDC:USDC", Side.BUY, 600.0, 3_100.0)
    )
    [health] = (await hyperliquid.snapshot()).health
    assert health.ratio > 1.0
    move(driver, ETH=2_850.0)  # -5% on $1.8M of notional against $100k
    await driver.advance(60)
    [event] = hyperliquid_sim.liquidations
    assert event.user == HL_ADDRESS.lower()
    assert event.coin == "ETH"
    assert event.szi == 600.0
    snapshot = await hyperliquid.snapshot()
    assert snapshot.positions == ()
    entry = placed.average_price or 0.0  # 600 ETH walk the book from the 3,000.3 ask
    assert 3_000.3 < entry < 3_100.0
    fee = 600 * entry * 0.00045
    remaining = 100_000 - 600 * (entry - 2_850.0) - fee
    assert snapshot.health[0].equity_usd == pytest.approx(remaining, abs=1.0)
