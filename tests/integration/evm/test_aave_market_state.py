"""Aave read as it is for real: cash in the aToken, stable debt, e-mode, caps, paused and
frozen reserves, each set through the real PoolConfigurator, and the policy's inputs
respecting them.

Sources: aave-v3-core v1.19 (npm @aave/core-v3), DefaultReserveInterestRateStrategy.sol
(available liquidity = underlying.balanceOf(aToken)), AaveProtocolDataProvider.sol
(getUserReserveData field 1 = current stable debt; getReserveCaps in whole tokens;
getPaused), PoolConfigurator.sol (setSupplyCap, setBorrowCap, setReservePause,
setReserveFreeze, setEModeCategory, setAssetEModeCategory,
setReserveStableRateBorrowing), GenericLogic.sol (e-mode liquidation threshold).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agent.in_flight import InFlightView
from agent.intents import Action
from agent.model import Kind, VenueSnapshot
from agent.policy.health import health_factor, repairs
from agent.tick.decision_inputs import lending_account
from connectors.evm.rpc import ChainClient
from tests.integration.conftest import World
from tests.integration.evm.helpers import intent, read_aave, send_all, venue

pytestmark = pytest.mark.integration

SECONDS_PER_YEAR = 365 * 86_400
STABLE = 1


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


async def _configure(world: World, function: str, *args: object) -> None:
    configurator = world.contract("aave.configurator")
    await configurator.send(function, *args, sender=world.account("deployer"))


async def _snapshot(world: World, client: ChainClient) -> VenueSnapshot:
    connector = await read_aave(world.manifest, world.account("agent"), client)
    return await venue(client, connector).snapshot()


async def _supply_weth(world: World, account: str, amount_wei: int) -> None:
    pool = world.contract("aave.pool")
    weth = world.contract("token.WETH")
    await weth.send("deposit", sender=account, value=amount_wei)
    await weth.send("approve", pool.address, amount_wei, sender=account)
    await pool.send("supply", weth.address, amount_wei, account, 0, sender=account)


async def test_available_liquidity_is_the_cash_in_the_atoken(
    world: World, client: ChainClient
) -> None:
    usdc = world.contract("token.USDC")
    # A year of the lender's borrowing, then an action that books the treasury's share.
    reserve = await world.contract("aave.pool").read_one("getReserveData", usdc.address)
    await world.chain.mine(reserve[6] + SECONDS_PER_YEAR)
    trader = world.account("trader")
    await usdc.send("mint", trader, 10**6, sender=world.account("deployer"))
    pool = world.contract("aave.pool")
    await usdc.send("approve", pool.address, 10**6, sender=trader)
    await pool.send("supply", usdc.address, 10**6, trader, 0, sender=trader)
    snapshot = await _snapshot(world, client)
    [state] = [r for r in snapshot.reserves if r.symbol == "USDC"]
    a_token = world.manifest.contract("aave.aToken.USDC")
    cash = await usdc.read_one("balanceOf", a_token)
    assert state.available_liquidity == cash / 1e6
    data = await world.contract("aave.data_provider").read("getReserveData", usdc.address)
    supply_minus_debt = (data[2] - data[3] - data[4]) / 1e6
    # The treasury's accrued share is the difference: not liquidity anyone can take.
    assert data[1] > 0
    assert state.available_liquidity - supply_minus_debt > 1.0


async def test_stable_debt_is_debt_and_is_repaid_in_its_mode(
    world: World, client: ChainClient
) -> None:
    agent = world.account("agent")
    usdc = world.contract("token.USDC")
    await _configure(world, "setReserveStableRateBorrowing", usdc.address, True)
    await _supply_weth(world, agent, 10 * 10**18)
    pool = world.contract("aave.pool")
    await pool.send("borrow", usdc.address, 4_000 * 10**6, STABLE, 0, agent, sender=agent)
    await pool.send("borrow", usdc.address, 1_000 * 10**6, 2, 0, agent, sender=agent)
    connector = await read_aave(world.manifest, agent, client)
    # Found through the addresses provider, checksummed as a signer needs them.
    assert connector.pool == world.manifest.contract("aave.pool")
    assert connector.data_provider == world.manifest.contract("aave.data_provider")
    snapshot = await venue(client, connector).snapshot()
    [debt] = [p for p in snapshot.positions if p.instrument.kind is Kind.LENDING_DEBT]
    assert debt.quantity == pytest.approx(-5_000.0, abs=0.01)

    # Repaying 3,000 takes the 1,000 variable first, then 2,000 of the stable debt.
    requests = connector.build(intent("aave", Action.REPAY, "USDC", 3_000.0))
    await send_all(world, agent, requests)
    data = await world.contract("aave.data_provider").read(
        "getUserReserveData", usdc.address, agent
    )
    assert data[2] / 1e6 < 0.01  # seconds of interest accrued after the read
    assert data[1] / 1e6 == pytest.approx(2_000.0, abs=0.01)


async def test_caps_pause_and_freeze_reach_the_policy(world: World, client: ChainClient) -> None:
    agent = world.account("agent")
    tokens = {s: world.manifest.token(s).address for s in ("WETH", "USDC", "WBTC")}
    await _supply_weth(world, agent, 10 * 10**18)
    pool = world.contract("aave.pool")
    await pool.send("borrow", tokens["USDC"], 20_000 * 10**6, 2, 0, agent, sender=agent)
    deployer = world.account("deployer")
    await world.contract("token.USDC").send("mint", agent, 50_000 * 10**6, sender=deployer)
    await world.contract("token.WBTC").send("mint", agent, 10**8, sender=deployer)
    await world.contract("token.WETH").send("deposit", sender=agent, value=5 * 10**18)
    weth_supplied = (await world.contract("aave.aToken.WETH").read_one("totalSupply")) / 1e18
    await _configure(world, "setSupplyCap", tokens["WETH"], int(weth_supplied) + 100)
    await _configure(world, "setBorrowCap", tokens["WBTC"], 150)
    await _configure(world, "setReservePause", tokens["USDC"], True)
    await _configure(world, "setReserveFreeze", tokens["WBTC"], True)

    snapshot = await _snapshot(world, client)
    state = {r.symbol: r for r in snapshot.reserves}
    assert state["WETH"].supply_room == pytest.approx(
        int(weth_supplied) + 100 - weth_supplied, abs=0.01
    )
    assert state["USDC"].supply_room == float("inf")
    assert state["WBTC"].borrow_room == 150.0
    assert state["USDC"].paused
    assert not state["USDC"].frozen
    assert state["WBTC"].frozen
    assert not state["WBTC"].paused

    account = lending_account(snapshot, 1.0, InFlightView())
    usdc = account.asset("USDC")
    assert usdc.paused
    assert usdc.debt == pytest.approx(20_000.0, abs=0.01)
    assert usdc.wallet > 0
    assert account.asset("WBTC").frozen
    assert account.asset("WETH").supply_room < 101
    # The account could repay USDC from its wallet, but the reserve is paused; it holds
    # WBTC, but that reserve is frozen: the only repair left is supplying WETH.
    found = repairs(account, target=10.0, years=1 / 365)
    assert [(r.action, r.symbol) for r in found] == [(Action.SUPPLY, "WETH")]


async def test_emode_threshold_is_the_accounts(world: World, client: ChainClient) -> None:
    agent = world.account("agent")
    weth = world.manifest.token("WETH").address
    # An ETH-correlated category: LTV 90%, threshold 93%, bonus 1%.
    await _configure(world, "setEModeCategory", 1, 9000, 9300, 10100, "0x" + "00" * 20, "ETH")
    await _configure(world, "setAssetEModeCategory", weth, 1)
    await _supply_weth(world, agent, 10 * 10**18)
    pool = world.contract("aave.pool")
    await pool.send("setUserEMode", 1, sender=agent)
    await pool.send("borrow", weth, 8 * 10**18, 2, 0, agent, sender=agent)

    snapshot = await _snapshot(world, client)
    [state] = [r for r in snapshot.reserves if r.symbol == "WETH"]
    assert state.emode_category == 1
    assert state.liquidation_threshold == 0.93
    assert state.ltv == 0.90
    reported = snapshot.health[0].ratio
    assert reported == pytest.approx(10 * 0.93 / 8, rel=1e-4)
    assert health_factor(lending_account(snapshot, 1.0, InFlightView())) == pytest.approx(
        reported, rel=1e-6
    )
