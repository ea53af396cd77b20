"""The GMX v2 connector against the world's markets, keepers and the contracts' own views."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from agent.errors import RejectedError
from agent.intents import Action
from connectors.evm.gmx_v2 import GmxV2Connector, OrderStatus, resolve_orders
from connectors.evm.gmx_v2.keys import position_key, price_to_usd
from connectors.evm.multicall import Multicall3Reader
from connectors.evm.rpc import ChainClient
from connectors.evm.venue import EvmVenue
from sim.keepers.gmx import GmxOrderKeeper
from tests.integration.conftest import World
from tests.integration.evm.derivs import (
    ZERO,
    fund,
    gmx_liquidatable,
    gmx_position_info,
    intent,
    market,
    send,
    set_eth_answer,
)
from tests.integration.evm.helpers import gmx_connector, venue

pytestmark = pytest.mark.integration

USD = 10**30


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


async def _gmx(
    world: World, client: ChainClient, **options: float
) -> tuple[GmxV2Connector, EvmVenue]:
    connector = gmx_connector(world.manifest, world.account("agent"), **options)
    await connector.discover(Multicall3Reader(client))
    gmx = venue(client, connector)
    await fund(world, "agent", "USDC", 100_000.0)
    await gmx.snapshot()
    return connector, gmx


def _keeper(world: World) -> GmxOrderKeeper:
    roles = ("gmx.data_store", "gmx.order_handler", "gmx.event_emitter")
    return GmxOrderKeeper(world.manifest, {role: world.contract(role) for role in roles})


async def _short(
    world: World, client: ChainClient, quantity: float, **options: float
) -> tuple[GmxV2Connector, EvmVenue]:
    """The agent shorts ``quantity`` ETH at $3,000 and the keeper executes it."""
    connector, gmx = await _gmx(world, client, **options)
    await send(
        world,
        world.account("agent"),
        connector,
        intent("gmx", Action.SELL, "ETH", quantity, 3000.0),
    )
    [record] = await _keeper(world).execute_pending(await world.chain.timestamp())
    assert record.outcome == "executed"
    return connector, gmx


async def test_short_position_equals_the_contracts_views(world: World, client: ChainClient) -> None:
    _, gmx = await _short(world, client, 10.0)
    snapshot = await gmx.snapshot()
    [position] = snapshot.positions
    agent = world.account("agent")
    info = await gmx_position_info(world, agent, "gmx.market.ETH", is_long=False)
    numbers = info[1][1]
    assert position.instrument.symbol == world.manifest.contract("gmx.market.ETH")
    assert position.quantity == -numbers[1] / 10**18 == -10.0
    assert position.entry_price == 3000.0
    assert position.unrealized_pnl_usd == info[4] / USD  # basePnlUsd at the same price
    assert position.collateral_usd == numbers[2] * info[2][6][0] / USD
    fees = info[2]
    owed = fees[3][0] + fees[2][0] * fees[6][0] - fees[2][1] * 3000 * 10**12 - fees[2][2] * 10**24
    assert position.accrued_fees_usd == owed / USD
    # Position fee of the opening paid from the collateral: 0.04% of $30,000 (balance improved).
    assert position.collateral_usd == pytest.approx(15_000.0 - 12.0)

    reader, store = world.contract("gmx.reader"), world.manifest.contract("gmx.data_store")
    eth_market = world.manifest.contract("gmx.market.ETH")
    prices = await reader.read_one("getMarketPrices", store, eth_market)
    key = position_key(agent, eth_market, world.manifest.token("USDC").address, False)
    liquidation = await reader.read_one("getLiquidationPrice", store, key, prices)
    assert position.liquidation_price == price_to_usd(liquidation, 18)
    props = await reader.read_one("getMarket", store, eth_market)
    _, _, (remaining, minimum, for_leverage) = await reader.read(
        "isPositionLiquidatable", store, ZERO, key, props, prices, True, True
    )
    [health] = snapshot.health
    assert health.equity_usd == remaining / USD
    assert health.maintenance_margin_usd == max(minimum, for_leverage) / USD == 300.0
    assert health.account == position.position_id == "0x" + key.hex()


async def test_liquidation_price_is_the_contracts_boundary(
    world: World, client: ChainClient
) -> None:
    _, gmx = await _short(world, client, 10.0, leverage=10.0)
    [position] = (await gmx.snapshot()).positions
    assert position.liquidation_price is not None
    boundary = round(position.liquidation_price * 10**8)  # ETH/USD feed answer, 8 decimals
    margin = 100_000  # $0.001: the borrowing fee moves the boundary ~$3e-6 a second
    agent = world.account("agent")

    await set_eth_answer(world, boundary - margin)
    assert not await gmx_liquidatable(world, agent, "gmx.market.ETH", is_long=False)
    assert (await gmx.snapshot()).health[0].ratio > 1.0

    await set_eth_answer(world, boundary + margin)
    assert await gmx_liquidatable(world, agent, "gmx.market.ETH", is_long=False)
    assert (await gmx.snapshot()).health[0].ratio < 1.0


async def test_rates_are_the_markets_own(world: World, client: ChainClient) -> None:
    _, gmx = await _gmx(world, client)
    snapshot = await gmx.snapshot()
    eth = world.manifest.contract("gmx.market.ETH")
    rates = {(r.kind, r.position_side): r.annual for r in snapshot.rates if r.symbol == eth}
    reader, store = world.contract("gmx.reader"), world.manifest.contract("gmx.data_store")
    prices = await reader.read_one("getMarketPrices", store, eth)
    info = await reader.read_one("getMarketInfo", store, prices, eth)
    year = 365 * 86_400
    assert rates[("borrow", "long")] == info[1] * year / USD > 0
    assert rates[("borrow", "short")] == info[2] * year / USD > 0
    assert info[4][0], "the world's background open interest is long-heavy: longs pay"
    assert rates[("funding", "long")] == info[4][1] * year / USD > 0
    # shorts receive what longs pay, spread over the smaller short open interest (3.0M vs 2.7M)
    assert rates[("funding", "short")] == pytest.approx(-rates[("funding", "long")] * 3.0 / 2.7)


async def test_violated_acceptable_price_is_cancelled_never_filled(
    world: World, client: ChainClient
) -> None:
    connector, gmx = await _gmx(world, client)
    agent = world.account("agent")
    usdc = world.contract("token.USDC")
    before = await usdc.read_one("balanceOf", agent)
    await send(world, agent, connector, intent("gmx", Action.SELL, "ETH", 10.0, 3000.0))
    [order] = connector.tracker.open_orders()
    assert order.status is OrderStatus.CREATED

    driver, keepers = await market(world, [(0, {}), (60, {"ETH": 2900.0})])
    await driver.advance(60)  # ETH falls 3.3% before the keeper gets to the order

    [record] = keepers.gmx_orders.records
    assert record.outcome == "cancelled"
    assert record.reason.startswith("OrderNotFulfillableAtAcceptablePrice(price=2900000000000000")
    snapshot = await gmx.snapshot()
    assert snapshot.positions == ()
    assert connector.tracker.orders[order.key].status is OrderStatus.RESOLVING
    await resolve_orders(client, connector.tracker)
    final = connector.tracker.orders[order.key]
    assert final.status is OrderStatus.CANCELLED
    assert final.reason == record.reason
    assert [u.order.status for u in connector.tracker.drain()] == [
        OrderStatus.CREATED, OrderStatus.RESOLVING, OrderStatus.CANCELLED,
    ]  # fmt: skip
    assert await usdc.read_one("balanceOf", agent) == before, "the collateral came back"


async def test_short_is_executed_then_closed_by_a_buy(world: World, client: ChainClient) -> None:
    connector, gmx = await _gmx(world, client)
    agent = world.account("agent")
    driver, keepers = await market(world, [(0, {})])
    await send(world, agent, connector, intent("gmx", Action.SELL, "ETH", 5.0, 3000.0))
    await driver.advance(30)
    assert (await gmx.snapshot()).positions[0].quantity == -5.0
    [update] = await resolve_orders(client, connector.tracker)
    assert update.order.status is OrderStatus.EXECUTED

    requests = connector.build(intent("gmx", Action.BUY, "ETH", 5.0, 3000.0))
    assert [r.function for r in requests] == ["multicall(bytes[])"], "a decrease needs no approval"
    await send(world, agent, connector, intent("gmx", Action.BUY, "ETH", 5.0, 3000.0))
    await driver.advance(30)
    assert [r.outcome for r in keepers.gmx_orders.records] == ["executed", "executed"]
    assert (await gmx.snapshot()).positions == ()
    await resolve_orders(client, connector.tracker)
    assert all(o.status is OrderStatus.EXECUTED for o in connector.tracker.orders.values())


async def test_stuck_order_is_reported_then_cancelled_by_its_owner(
    world: World, client: ChainClient
) -> None:
    connector, gmx = await _gmx(world, client)
    agent = world.account("agent")
    await send(world, agent, connector, intent("gmx", Action.SELL, "ETH", 1.0, 3000.0))
    start = await world.chain.timestamp()
    await world.chain.mine(start + 200)  # no keeper: the order waits
    await gmx.snapshot()
    [order] = connector.tracker.open_orders()
    assert order.status is OrderStatus.PENDING_TOO_LONG
    with pytest.raises(RejectedError, match="cancellable in"):
        connector.build(intent("gmx", Action.CANCEL, "ETH", 1.0, 3000.0))

    await world.chain.mine(start + 301)  # REQUEST_EXPIRATION_TIME is 300 s
    await gmx.snapshot()
    await send(world, agent, connector, intent("gmx", Action.CANCEL, "ETH", 1.0, 3000.0))
    await gmx.snapshot()
    await resolve_orders(client, connector.tracker)
    cancelled = connector.tracker.orders[order.key]
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.reason == "USER_INITIATED_CANCEL"


async def test_liquidation_keeper_liquidates_a_gmx_short(world: World, client: ChainClient) -> None:
    _, gmx = await _short(world, client, 10.0, leverage=20.0)
    [position] = (await gmx.snapshot()).positions
    liquidation = position.liquidation_price
    assert liquidation is not None
    assert 3100.0 < liquidation < 3200.0
    driver, keepers = await market(world, [(0, {}), (60, {"ETH": 3100.0}), (120, {"ETH": 3200.0})])
    await driver.advance(60)
    assert keepers.gmx_liquidator.records == []
    await driver.advance(60)
    [record] = keepers.gmx_liquidator.records
    assert record.venue == "gmx"
    assert record.account == world.account("agent")
    assert record.position == "ETH short, USDC collateral"
    assert record.debt_repaid == 30_000.0
    # past the boundary the remaining collateral is under 1% of size: nearly all is seized
    assert 1_200.0 < record.collateral_seized <= position.collateral_usd
    assert (await gmx.snapshot()).positions == ()


async def test_orders_need_an_independent_price_and_a_quantity(
    world: World, client: ChainClient
) -> None:
    connector, _ = await _gmx(world, client)
    with pytest.raises(RejectedError, match="reference price"):
        connector.build(intent("gmx", Action.SELL, "ETH", 1.0, math.nan))
    with pytest.raises(RejectedError, match="nothing to close"):
        connector.build(intent("gmx", Action.BUY, "ETH", math.inf, 3000.0))
    with pytest.raises(RejectedError, match="cannot supply"):
        connector.build(intent("gmx", Action.SUPPLY, "ETH", 1.0, 3000.0))
    [approve, order] = connector.build(
        intent("gmx", Action.SELL, "ETH", 2.0, 3000.0, limit_price=2990.0)
    )
    assert approve.function == "approve(address,uint256)"
    assert order.value == connector.state.gas.execution_gas(True) * (  # type: ignore[union-attr]
        2 * connector.state.basefee_wei + connector.priority_fee_wei
    )


async def test_long_with_eth_collateral_liquidation_price_is_the_readers(
    world: World, client: ChainClient
) -> None:
    """Collateral in the index token moves with the price: the other branch of the solve."""
    connector = gmx_connector(world.manifest, world.account("agent"), leverage=5.0)
    eth = connector.markets[0]
    connector.markets[0] = replace(eth, collateral=eth.long_token)
    await connector.discover(Multicall3Reader(client))
    gmx = venue(client, connector)
    agent = await fund(world, "agent", "WETH", 10.0)
    await gmx.snapshot()
    await send(world, agent, connector, intent("gmx", Action.BUY, "ETH", 5.0, 3000.0))
    await _keeper(world).execute_pending(await world.chain.timestamp())
    [position] = (await gmx.snapshot()).positions
    assert position.quantity == 5.0
    reader, store = world.contract("gmx.reader"), world.manifest.contract("gmx.data_store")
    prices = await reader.read_one("getMarketPrices", store, eth.address)
    key = position_key(agent, eth.address, eth.long_token.address, True)
    liquidation = await reader.read_one("getLiquidationPrice", store, key, prices)
    assert position.liquidation_price == price_to_usd(liquidation, 18)
    assert position.liquidation_price is not None
    # 5x with collateral in ETH: both the size and the collateral lose as ETH falls
    assert 2000.0 < position.liquidation_price < 2600.0


async def test_a_repair_that_cuts_a_losing_short_keeps_its_collateral_in(
    world: World, client: ChainClient
) -> None:
    # 10 ETH short at 3,000 with 2x leverage (15k collateral); ETH rises to 3,600, a loss of
    # 6,000. The loss of the cut size is paid from the collateral, so a hedge's
    # proportional withdrawal on top leaves the rest less healthy; an urgent (repair) cut
    # withdraws nothing and the ratio equity / maintenance rises.
    connector, gmx = await _short(world, client, 10.0)
    driver, _ = await market(world, [(0, {}), (60, {"ETH": 3600.0})])
    await driver.advance(60)
    [before] = (await gmx.snapshot()).positions

    def ratio(position: object) -> float:
        equity = position.collateral_usd + position.unrealized_pnl_usd  # type: ignore[attr-defined]
        return equity / abs(position.quantity)  # maintenance is a rate on the notional

    cut = intent("gmx", Action.BUY, "ETH", 4.0, 3600.0, urgent=True)
    [request] = connector.build(cut)
    await send(world, world.account("agent"), connector, cut)
    await driver.advance(30)
    [after] = (await gmx.snapshot()).positions
    assert after.quantity == pytest.approx(-6.0)
    # 4 ETH of the 6,000 loss (2,400) and the closing fee came out of the collateral.
    assert before.collateral_usd - 2_400.0 - 20.0 < after.collateral_usd
    assert after.collateral_usd < before.collateral_usd - 2_400.0
    assert ratio(after) > ratio(before)
    hedge = connector.build(intent("gmx", Action.BUY, "ETH", 4.0, 3600.0))
    assert hedge[0].data != request.data  # a plain hedge still withdraws its share
