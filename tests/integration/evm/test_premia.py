"""The Premia v3 connector against the world's option pools, oracles and settlement keeper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from agent.errors import ConfigError, RejectedError
from agent.intents import Action
from agent.model import Kind, OptionType, Settlement
from connectors.evm.multicall import Multicall3Reader
from connectors.evm.premia_v3 import PremiaV3Connector, read_pools
from connectors.evm.rpc import ChainClient
from connectors.evm.venue import EvmVenue
from sim.chain import Contract, TransactionFailed
from tests.integration.conftest import World
from tests.integration.evm.derivs import fund, intent, market, option, send
from tests.integration.evm.helpers import (
    premia_connector,
    premia_pool_addresses,
    token_config,
    venue,
)

pytestmark = pytest.mark.integration

WAD = 10**18


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


async def _premia(world: World, client: ChainClient) -> tuple[PremiaV3Connector, EvmVenue]:
    connector = await premia_connector(
        world.manifest, world.account("agent"), Multicall3Reader(client)
    )
    premia = venue(client, connector)
    await premia.snapshot()
    return connector, premia


def _pool(world: World, address: str) -> Contract:
    role = next(r for r, a in world.manifest.contracts.items() if a == address)
    return world.contract(role)


async def test_quotes_are_the_pools_own(world: World, client: ChainClient) -> None:
    connector, premia = await _premia(world, client)
    snapshot = await premia.snapshot()
    assert snapshot.marks == {"ETH": 3000.0}
    assert len(snapshot.quotes) == len(connector.pools) == 30
    config, _ = option(connector, 3200.0, is_call=True, which=1)
    quote = next(q for q in snapshot.quotes if q.symbol == config.address)
    pool, agent = _pool(world, config.address), world.account("agent")
    ask, _ = await pool.read("getQuoteAMM", agent, WAD, True)
    bid, _ = await pool.read("getQuoteAMM", agent, WAD, False)
    assert quote.ask == ask / WAD * 3000.0  # a call's premium is in WETH
    assert quote.bid == bid / WAD * 3000.0
    assert quote.mark == await pool.read_one("marketPrice") / WAD * 3000.0
    assert quote.bid is not None
    assert quote.ask is not None
    assert quote.bid < quote.mark < quote.ask
    put_config, _ = option(connector, 2800.0, is_call=False)
    put = next(q for q in snapshot.quotes if q.symbol == put_config.address)
    put_ask, _ = await _pool(world, put_config.address).read("getQuoteAMM", agent, WAD, True)
    assert put.ask == put_ask / 10**6  # a put's premium is in USDC


async def test_short_call_is_the_pools_balance(world: World, client: ChainClient) -> None:
    connector, premia = await _premia(world, client)
    agent = await fund(world, "agent", "WETH", 10.0)
    config, call = option(connector, 3200.0, is_call=True, which=1)
    mid = next(q.mark for q in (await premia.snapshot()).quotes if q.symbol == config.address)
    [receipt] = (
        await send(
            world,
            agent,
            connector,
            intent("premia", Action.SELL, "ETH", 3.0, mid or 0.0, instrument=call),
        )
    )[-1:]
    snapshot = await premia.snapshot()
    [position] = snapshot.positions
    pool = _pool(world, config.address)
    assert position.quantity == -(await pool.read_one("balanceOf", agent, 0)) / WAD == -3.0
    assert await pool.read_one("balanceOf", agent, 1) == 0
    assert position.position_id == "SHORT"
    assert position.collateral_usd == 3 * 3000.0  # one WETH locked per call
    assert position.mark_iv == 0.65
    instrument = position.instrument
    assert (instrument.kind, instrument.option_type, instrument.settlement) == (
        Kind.OPTION,
        OptionType.CALL,
        Settlement.INVERSE,
    )
    assert instrument.strike == 3200.0
    assert instrument.expiry == datetime.fromtimestamp(config.maturity, tz=UTC)
    [trade] = [args for name, args in pool.events(receipt) if name == "Trade"]
    weth = next(b for b in snapshot.balances if b.asset == "WETH")
    assert weth.amount == (10 * WAD - 3 * WAD + trade["premium"]) / WAD


async def test_bought_put_approval_is_bounded_by_the_premium_limit(
    world: World, client: ChainClient
) -> None:
    connector, premia = await _premia(world, client)
    agent = await fund(world, "agent", "USDC", 10_000.0)
    config, put = option(connector, 2800.0, is_call=False)
    mid = next(q.mark for q in (await premia.snapshot()).quotes if q.symbol == config.address)
    buy = intent("premia", Action.BUY, "ETH", 2.0, mid or 0.0, instrument=put)
    approve, _ = connector.build(buy)
    limit = int.from_bytes(approve.data[-32:], "big")
    assert limit == int(2 * (mid or 0.0) * 1.2 * 10**6)  # 20% over the reference premium
    receipts = await send(world, agent, connector, buy)
    usdc = world.contract("token.USDC")
    [event] = [
        args for name, args in _pool(world, config.address).events(receipts[-1]) if name == "Trade"
    ]
    paid = event["premium"] // 10**12
    assert await usdc.read_one("balanceOf", agent) == 10_000 * 10**6 - paid
    assert await usdc.read_one("allowance", agent, connector.router) == limit - paid
    [position] = (await premia.snapshot()).positions
    assert (position.quantity, position.position_id, position.collateral_usd) == (2.0, "LONG", None)


async def test_premium_limit_refuses_a_vol_jump_before_the_trade(
    world: World, client: ChainClient
) -> None:
    connector, premia = await _premia(world, client)
    agent = await fund(world, "agent", "WETH", 5.0)
    config, call = option(connector, 3000.0, is_call=True, which=1)
    mid = next(q.mark for q in (await premia.snapshot()).quotes if q.symbol == config.address)
    requests = connector.build(
        intent("premia", Action.BUY, "ETH", 1.0, mid or 0.0, instrument=call)
    )
    oracle = world.contract("premia.vol_oracle")
    weth = world.manifest.token("WETH").address
    await oracle.send("setVolatility", weth, 13 * WAD // 10, sender=world.account("deployer"))
    await world.chain.send(agent, requests[0].to, requests[0].data)
    with pytest.raises(TransactionFailed, match="0x59ecbb45"):  # Pool__AboveMaxSlippage
        await world.chain.send(agent, requests[1].to, requests[1].data, gas=3_000_000)
    assert await world.contract("token.WETH").read_one("balanceOf", agent) == 5 * WAD


async def test_iv_follows_the_market_driver(world: World, client: ChainClient) -> None:
    connector, premia = await _premia(world, client)
    config, _ = option(connector, 3000.0, is_call=True, which=1)
    before = next(q for q in (await premia.snapshot()).quotes if q.symbol == config.address)
    driver, _ = await market(world, [(0, {})], vols={"ETH": 0.9})
    await driver.advance(60)
    oracle = world.contract("premia.vol_oracle")
    weth = world.manifest.token("WETH").address
    assert (
        await oracle.read_one(
            "getVolatility(address,uint256,uint256,uint256)", weth, 3000 * WAD, 3000 * WAD, WAD
        )
        == 9 * WAD // 10
    )
    after = next(q for q in (await premia.snapshot()).quotes if q.symbol == config.address)
    assert after.mark is not None
    assert before.mark is not None
    assert after.mark > before.mark * 1.3


async def test_settlement_at_maturity_pays_per_the_contracts(
    world: World, client: ChainClient
) -> None:
    connector, premia = await _premia(world, client)
    agent = await fund(world, "agent", "WETH", 5.0)
    await fund(world, "agent", "USDC", 10_000.0)
    call_config, call = option(connector, 2800.0, is_call=True)
    put_config, put = option(connector, 3000.0, is_call=False)
    quotes = {q.symbol: q for q in (await premia.snapshot()).quotes}
    await send(
        world,
        agent,
        connector,
        intent(
            "premia",
            Action.SELL,
            "ETH",
            2.0,
            quotes[call_config.address].mark or 0.0,
            instrument=call,
        ),
    )
    await send(
        world,
        agent,
        connector,
        intent(
            "premia", Action.BUY, "ETH", 1.0, quotes[put_config.address].mark or 0.0, instrument=put
        ),
    )
    weth, usdc = world.contract("token.WETH"), world.contract("token.USDC")
    weth_before, usdc_before = (
        await weth.read_one("balanceOf", agent),
        await usdc.read_one("balanceOf", agent),
    )
    start = await world.chain.timestamp()
    to_maturity = call_config.maturity - 60 - start
    driver, keepers = await market(world, [(0, {}), (to_maturity, {"ETH": 3100.0})])
    await driver.advance(to_maturity)  # 3100 is the price in force at maturity
    assert keepers.settlement.records == []
    keepers.settlement.enabled = False
    await driver.advance(120)  # past maturity, not yet settled: marked at exercise value
    expired = {p.instrument.symbol: p for p in (await premia.snapshot()).positions}
    assert expired[call_config.address].quantity == -2.0
    assert expired[call_config.address].mark_price == 3100.0 - 2800.0
    assert expired[put_config.address].mark_price == 0.0
    with pytest.raises(RejectedError, match="expired"):
        connector.build(intent("premia", Action.SELL, "ETH", 1.0, 10.0, instrument=call))
    keepers.settlement.enabled = True
    await driver.advance(60)  # the keeper settles

    price = 3100 * WAD
    size = 2 * WAD
    owed = (size * (price - 2800 * WAD) // WAD) * WAD // price  # the longs' share, in WETH
    records = {
        (r.side, r.name.endswith("C")): r for r in keepers.settlement.records if r.holder == agent
    }
    assert records[("short", True)].payout == (size - owed) / WAD
    assert records[("long", False)].payout == 0.0  # the put expired out of the money
    assert await weth.read_one("balanceOf", agent) == weth_before + size - owed
    assert await usdc.read_one("balanceOf", agent) == usdc_before
    pool = _pool(world, call_config.address)
    assert await pool.read_one("getSettlementPrice") == price
    assert await pool.read_one("balanceOf", agent, 0) == 0
    assert [
        p
        for p in (await premia.snapshot()).positions
        if p.instrument.symbol in (call_config.address, put_config.address)
    ] == []


async def test_pools_must_be_the_factorys_when_a_factory_is_configured(
    world: World, client: ChainClient
) -> None:
    """A contract that answers getPoolSettings like a pool is not trusted on its own word:
    PoolFactory.isPool decides (the pool implementation itself answers, but is no pool)."""
    reader = Multicall3Reader(client)
    tokens = [token_config(world.manifest, s) for s in ("WETH", "USDC")]
    factory = world.manifest.contract("premia.factory")
    [real, *_] = premia_pool_addresses(world.manifest)
    [pool] = await read_pools(reader, [real], tokens, factory=factory)
    assert pool.address == real
    impostor = world.manifest.contract("premia.pool_implementation")
    with pytest.raises(ConfigError, match=f"premia pool {impostor} is not a pool of factory"):
        await read_pools(reader, [real, impostor], tokens, factory=factory)
