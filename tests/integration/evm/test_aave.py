"""The Aave v3 connector: what it reports equals the contracts' own views, after real
supplies, borrows, repays, swaps and price moves."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest

from agent.errors import RejectedError
from agent.intents import Action
from agent.model import HealthKind, Kind, VenueSnapshot
from agent.profiles import profile_for
from agent.risk.health import account_health
from agent.risk.portfolio import book_greeks
from agent.risk.positions import Kind as RiskKind
from agent.tick.book_builder import build_book
from connectors.evm.rpc import ChainClient
from sim.world import ChainOracles
from tests.integration.conftest import World
from tests.integration.evm.helpers import (
    intent,
    read_aave,
    send_all,
    uniswap_connector,
    venue,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


async def _assert_matches_contracts(world: World, snapshot: VenueSnapshot, account: str) -> None:
    pool = world.contract("aave.pool")
    collateral, debt, available, threshold, ltv, health = await pool.read(
        "getUserAccountData", account
    )
    [reported] = snapshot.health
    assert reported.kind is HealthKind.LENDING
    assert reported.collateral_usd == collateral / 1e8
    assert reported.debt_usd == debt / 1e8
    assert reported.available_borrow_usd == available / 1e8
    assert reported.liquidation_threshold == threshold / 1e4
    assert reported.ltv == ltv / 1e4
    assert reported.ratio == (math.inf if debt == 0 else health / 10**18)
    for symbol in ("WETH", "USDC", "WBTC"):
        decimals = world.manifest.token(symbol).decimals
        supplied = await world.contract(f"aave.aToken.{symbol}").read_one("balanceOf", account)
        owed = await world.contract(f"aave.variableDebt.{symbol}").read_one("balanceOf", account)
        by_kind = {
            p.instrument.kind: p.quantity
            for p in snapshot.positions
            if p.instrument.symbol == symbol
        }
        assert by_kind.get(Kind.LENDING_SUPPLY, 0.0) == supplied / 10**decimals
        assert by_kind.get(Kind.LENDING_DEBT, 0.0) == -owed / 10**decimals


async def test_positions_and_health_equal_the_contracts_views(
    world: World, client: ChainClient
) -> None:
    agent = world.account("agent")
    await world.contract("token.WETH").send("deposit", sender=agent, value=20 * 10**18)
    aave = await read_aave(world.manifest, agent, client)
    uniswap = uniswap_connector(world.manifest, agent)
    lending = venue(client, aave)
    spot = venue(client, uniswap)
    oracles = ChainOracles.attach(world.chain, world.manifest)

    await lending.snapshot()
    await send_all(world, agent, aave.build(intent("aave", Action.SUPPLY, "WETH", 10.0)))
    await lending.snapshot()
    await send_all(world, agent, aave.build(intent("aave", Action.BORROW, "USDC", 15_000.0)))
    await _assert_matches_contracts(world, await lending.snapshot(), agent)

    await spot.snapshot()
    await send_all(
        world,
        agent,
        uniswap.build(intent("uniswap", Action.SELL, "ETH", 2.0, reference_price=3000.0)),
    )
    await oracles.publish_prices({"ETH": 2500.0, "BTC": 55_000.0})
    await world.chain.set_next_timestamp(await world.chain.timestamp() + 86_400)
    await world.chain.mine()
    after_move = await lending.snapshot()
    await _assert_matches_contracts(world, after_move, agent)
    assert after_move.marks["ETH"] == 2500.0
    # A day of interest at a positive borrow rate: the debt grew beyond the principal.
    debt = next(p for p in after_move.positions if p.instrument.kind is Kind.LENDING_DEBT)
    assert debt.quantity < -15_000.0

    await send_all(world, agent, aave.build(intent("aave", Action.REPAY, "USDC", 5_000.0)))
    await _assert_matches_contracts(world, await lending.snapshot(), agent)
    await send_all(world, agent, aave.build(intent("aave", Action.WITHDRAW, "WETH", 1.0)))
    await _assert_matches_contracts(world, await lending.snapshot(), agent)


async def test_full_repay_and_withdraw_leave_nothing(world: World, client: ChainClient) -> None:
    agent = world.account("agent")
    await world.contract("token.WETH").send("deposit", sender=agent, value=10 * 10**18)
    await world.contract("token.USDC").send(
        "mint", agent, 1_000 * 10**6, sender=world.account("deployer")
    )
    aave = await read_aave(world.manifest, agent, client)
    lending = venue(client, aave)
    await lending.snapshot()
    await send_all(world, agent, aave.build(intent("aave", Action.SUPPLY, "WETH", 5.0)))
    await send_all(world, agent, aave.build(intent("aave", Action.BORROW, "USDC", 2_000.0)))
    await world.chain.set_next_timestamp(await world.chain.timestamp() + 3_600)
    await world.chain.mine()
    await lending.snapshot()
    await send_all(world, agent, aave.build(intent("aave", Action.REPAY, "USDC", math.inf)))
    await send_all(world, agent, aave.build(intent("aave", Action.WITHDRAW, "WETH", math.inf)))
    final = await lending.snapshot()
    assert [p for p in final.positions] == []
    assert final.health[0].ratio == math.inf
    allowance = await world.contract("token.USDC").read_one(
        "allowance", agent, world.manifest.contract("aave.pool")
    )
    assert 0 < allowance <= 2_000 * 10**6 * 0.0011, (
        "the full-repay approval covered the debt plus 0.1%"
    )


async def test_a_supply_switched_off_as_collateral_is_booked_without_health(
    world: World, client: ChainClient
) -> None:
    """A supply its owner no longer uses as collateral (the Pool's own switch, on the real
    bytecode) stays in the book with its coins and threshold 0: the book builds (it once
    refused the record and failed the whole tick) and its health is the Pool's."""
    agent = world.account("agent")
    await world.contract("token.WETH").send("deposit", sender=agent, value=10 * 10**18)
    await world.contract("token.WBTC").send("mint", agent, 10**8, sender=world.account("deployer"))
    aave = await read_aave(world.manifest, agent, client)
    lending = venue(client, aave)
    await lending.snapshot()
    await send_all(world, agent, aave.build(intent("aave", Action.SUPPLY, "WETH", 5.0)))
    await send_all(world, agent, aave.build(intent("aave", Action.SUPPLY, "WBTC", 0.5)))
    await send_all(world, agent, aave.build(intent("aave", Action.BORROW, "USDC", 4_000.0)))
    wbtc = world.manifest.token("WBTC").address
    pool = world.contract("aave.pool")
    await pool.send("setUserUseReserveAsCollateral", wbtc, False, sender=agent)
    snapshot = await lending.snapshot()
    await _assert_matches_contracts(world, snapshot, agent)
    [off] = [
        p for p in snapshot.positions
        if p.instrument.symbol == "WBTC" and p.instrument.kind is Kind.LENDING_SUPPLY
    ]  # fmt: skip
    assert off.quantity == 0.5
    assert off.collateral_usd == 0.0

    book = build_book({"aave": snapshot}, {"aave": profile_for("aave", "aave_v3")},
                      now=snapshot.observed_at, oracle_venue="aave")  # fmt: skip
    [record] = [r for r in book.positions if r.underlying == "BTC"]
    assert record.kind is RiskKind.LENDING_SUPPLY
    assert record.quantity == 0.5
    assert record.liquidation_threshold == 0.0
    [account] = account_health(book)
    *_, health = await pool.read("getUserAccountData", agent)
    assert account.health == pytest.approx(health / 10**18, rel=1e-9)
    assert book_greeks(book).net_for("BTC")["delta"] == 0.5  # the coins still count


async def test_reserve_state_matches_the_data_provider(world: World, client: ChainClient) -> None:
    snapshot = await venue(
        client, await read_aave(world.manifest, world.account("agent"), client)
    ).snapshot()
    usdc = next(r for r in snapshot.reserves if r.symbol == "USDC")
    data = await world.contract("aave.data_provider").read(
        "getReserveData", world.manifest.token("USDC").address
    )
    assert usdc.borrow_apr == data[6] / 10**27 > 0
    assert usdc.supply_apr == data[5] / 10**27 > 0
    assert usdc.utilization == pytest.approx(5_000_000 / 20_000_000, rel=1e-3)
    assert usdc.liquidation_threshold == 0.78
    assert {r.kind for r in snapshot.rates} == {"supply", "borrow"}


async def test_borrow_beyond_ltv_reverts_and_invalid_intents_are_refused(
    world: World, client: ChainClient
) -> None:
    agent = world.account("agent")
    aave = await read_aave(world.manifest, agent, client)
    await venue(client, aave).snapshot()
    with pytest.raises(RejectedError):
        aave.build(intent("aave", Action.BORROW, "USDC", math.inf))
    with pytest.raises(RejectedError):
        aave.build(intent("aave", Action.SELL, "WETH", 1.0))
    with pytest.raises(RejectedError):
        aave.build(intent("aave", Action.SUPPLY, "DOGE", 1.0))
