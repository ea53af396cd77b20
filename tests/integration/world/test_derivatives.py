"""Issue 5's acceptance: a GMX short and a Premia short call through a day of market moves.

The agent opens both through the connectors; the market driver moves ETH from 3,000 to
3,150 over a day; the GMX keeper executes the order, funding and borrowing accrue, and
each connector's view equals the contracts' own views at the end.
"""

from __future__ import annotations

import asyncio

import pytest

from agent.intents import Action
from agent.model import VenueSnapshot
from connectors.evm.gmx_v2 import OrderStatus, resolve_orders
from connectors.evm.gmx_v2.keys import position_key, price_to_usd
from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.rpc import ChainClient
from connectors.evm.venue import ChainSession
from tests.integration.conftest import World
from tests.integration.evm.derivs import fund, gmx_position_info, intent, market, option, send
from tests.integration.evm.helpers import gmx_connector, premia_connector

pytestmark = pytest.mark.integration

USD = 10**30
WAD = 10**18
DAY_S = 86_400


async def test_gmx_short_and_premia_short_call_through_a_day(world: World) -> None:
    agent = await fund(world, "agent", "USDC", 100_000.0)
    await fund(world, "agent", "WETH", 10.0)
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as client:
        reader = Multicall3Reader(client)
        gmx = gmx_connector(world.manifest, agent)
        await gmx.discover(reader)
        premia = await premia_connector(world.manifest, agent, reader)
        session = ChainSession(BatchedReader(reader))
        gmx_venue, premia_venue = session.register(gmx), session.register(premia)

        async def read() -> tuple[VenueSnapshot, VenueSnapshot]:
            return await asyncio.gather(gmx_venue.snapshot(), premia_venue.snapshot())

        _, options = await read()
        pool, call = option(premia, 3200.0, is_call=True, which=1)
        mid = next(q.mark for q in options.quotes if q.symbol == pool.address)
        await send(world, agent, gmx, intent("gmx", Action.SELL, "ETH", 10.0, 3000.0))
        await send(
            world,
            agent,
            premia,
            intent("premia", Action.SELL, "ETH", 5.0, mid or 0.0, instrument=call),
        )
        [order] = gmx.tracker.open_orders()
        assert order.status is OrderStatus.CREATED

        driver, keepers = await market(world, [(0, {}), (DAY_S, {"ETH": 3150.0})])
        await driver.advance(60)  # the keeper executes the order at the oracle price
        assert [(r.key, r.outcome) for r in keepers.gmx_orders.records] == [(order.key, "executed")]
        perp, _ = await read()
        fees_at_open = perp.positions[0].accrued_fees_usd
        for _ in range(4):
            await driver.advance(DAY_S // 4)

        calls = client.method_count("eth_call")
        perp, options = await read()
        assert client.method_count("eth_call") == calls + 1, "both venues in one eth_call"
        await resolve_orders(client, gmx.tracker)
        assert gmx.tracker.orders[order.key].status is OrderStatus.EXECUTED

    # GMX: the connector's position is the Reader's, at the same prices.
    info = await gmx_position_info(world, agent, "gmx.market.ETH", is_long=False)
    [short] = perp.positions
    assert perp.marks["ETH"] == 3150.0
    # executed 60 s into the move, at the oracle's 3,000.10 then: 30,000 USD of ETH
    execution_price = 3000.0 + 150.0 * 60 / DAY_S
    assert short.quantity == -info[1][1][1] / WAD == pytest.approx(-30_000 / execution_price)
    assert short.entry_price == pytest.approx(execution_price)
    assert (
        short.unrealized_pnl_usd
        == info[4] / USD
        == pytest.approx((execution_price - 3150.0) * 30_000 / execution_price)
    )
    funding, borrowing = info[2][2], info[2][3]
    assert borrowing[0] > 0, "borrowing accrued over the day"
    assert funding[2] > 0, "shorts received funding from the long-heavy market"
    owed = borrowing[0] + funding[0] * 10**24 - funding[1] * 3150 * 10**12 - funding[2] * 10**24
    assert short.accrued_fees_usd == owed / USD
    assert fees_at_open is not None
    assert short.accrued_fees_usd != fees_at_open
    reader_contract, store = world.contract("gmx.reader"), world.manifest.contract("gmx.data_store")
    eth_market = world.manifest.contract("gmx.market.ETH")
    prices = await reader_contract.read_one("getMarketPrices", store, eth_market)
    key = position_key(agent, eth_market, world.manifest.token("USDC").address, False)
    liquidation = await reader_contract.read_one("getLiquidationPrice", store, key, prices)
    assert short.liquidation_price == price_to_usd(liquidation, 18)

    # Premia: the short call is the pool's SHORT balance, marked at the pool's own mid.
    [written] = options.positions
    contract = world.contract(
        next(r for r, a in world.manifest.contracts.items() if a == pool.address)
    )
    assert written.quantity == -(await contract.read_one("balanceOf", agent, 0)) / WAD == -5.0
    assert written.mark_price == await contract.read_one("marketPrice") / WAD * 3150.0
    assert written.collateral_usd == 5 * 3150.0
    assert keepers.gmx_liquidator.records == []
    assert keepers.liquidator.records == []
