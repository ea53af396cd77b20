"""A Hypothesis sweep of Aave account histories on the real v3.0.2 bytecode: random
supplies, borrows, repays, withdrawals, collateral toggles, e-mode changes, aToken and
wallet transfers, time and price moves. After every step, every account computed from
its kept state equals the full read (``test_aave_local.Market``), and every account's
kept state, cross-checked against the Pool in integers, agrees. Each example starts from
the same chain state (anvil snapshot and revert)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from eth_utils.address import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.errors import RejectedError
from connectors.evm.jsonrpc import JsonRpcTransport
from connectors.evm.rpc import ChainClient
from sim.anvil import Anvil
from sim.chain import DevChain, TransactionFailed
from sim.manifest import Manifest
from sim.world import ChainOracles
from tests.integration.conftest import World
from tests.integration.evm.helpers import read_aave
from tests.integration.evm.test_aave_local import Market, _borrow, _fund, _supply

pytestmark = pytest.mark.integration

ACCOUNTS = [to_checksum_address(f"0x{0x5EE9000 + i:040x}") for i in range(3)]
UNITS = {"WETH": 10**18, "USDC": 10**6, "WBTC": 10**8}
amounts = st.integers(1, 40)  # tenths of the asset's size below
sizes = {"WETH": 10**17, "USDC": 100 * 10**6, "WBTC": 10**6}
step = st.one_of(
    st.tuples(st.just("supply"), st.integers(0, 2), st.sampled_from(list(UNITS)), amounts),
    st.tuples(st.just("borrow"), st.integers(0, 2), st.sampled_from(list(UNITS)), amounts),
    st.tuples(st.just("repay"), st.integers(0, 2), st.sampled_from(list(UNITS)), amounts),
    st.tuples(st.just("withdraw"), st.integers(0, 2), st.sampled_from(list(UNITS)), amounts),
    st.tuples(st.just("collateral"), st.integers(0, 2), st.sampled_from(list(UNITS)),
              st.booleans()),
    st.tuples(st.just("emode"), st.integers(0, 2), st.just("WETH"), st.integers(0, 1)),
    st.tuples(st.just("transfer"), st.integers(0, 2), st.sampled_from(list(UNITS)),
              st.integers(0, 2)),
    st.tuples(st.just("time"), st.just(0), st.just("WETH"), st.integers(1, 90 * 86_400)),
    st.tuples(st.just("price"), st.just(0), st.sampled_from(["ETH", "BTC"]), st.integers(60, 140)),
)  # fmt: skip


async def _act(world: World, oracles: ChainOracles, action: tuple[Any, ...]) -> None:
    kind, who, symbol, value = action
    account = ACCOUNTS[who]
    pool = world.contract("aave.pool")
    if kind == "time":
        await world.chain.mine(await world.chain.timestamp() + value)
        return
    if kind == "price":
        base = {"ETH": 3_000.0, "BTC": 60_000.0}[symbol]
        await oracles.publish_prices({symbol: base * value / 100})
        return
    asset = world.manifest.token(symbol).address
    amount = sizes[symbol] * value // 10
    if kind == "supply":
        await _supply(world, account, symbol, amount)
    elif kind == "borrow":
        await _borrow(world, account, symbol, amount)
    elif kind == "repay":
        token = world.contract(f"token.{symbol}")
        await token.send("approve", pool.address, amount, sender=account)
        await pool.send("repay", asset, amount, 2, account, sender=account)
    elif kind == "withdraw":
        await pool.send("withdraw", asset, amount, account, sender=account)
    elif kind == "collateral":
        await pool.send("setUserUseReserveAsCollateral", asset, value, sender=account)
    elif kind == "emode":
        await pool.send("setUserEMode", value, sender=account)
    else:  # some of the account's aTokens to another account
        a_token = world.contract(f"aave.aToken.{symbol}")
        await a_token.send("transfer", ACCOUNTS[value], sizes[symbol] // 7, sender=account)


async def _history(anvil: Anvil, manifest: Manifest, actions: list[tuple[Any, ...]]) -> None:
    async with (
        JsonRpcTransport(anvil.url, timeout_s=30) as transport,
        ChainClient([anvil.url], chain_id=manifest.chain_id) as client,
    ):
        world = World(anvil, manifest, DevChain(transport))
        await world.chain.rpc.request("anvil_autoImpersonateAccount", [True])
        deployer = world.account("deployer")
        weth = manifest.token("WETH").address
        configurator = world.contract("aave.configurator")
        await configurator.send(
            "setEModeCategory", 1, 9000, 9300, 10100, "0x" + "00" * 20, "ETH", sender=deployer
        )
        await configurator.send("setAssetEModeCategory", weth, 1, sender=deployer)
        for account in ACCOUNTS:
            await _fund(world, account)
            await world.contract("token.USDC").send("mint", account, 10**10, sender=deployer)
            await _supply(world, account, "WETH", 3 * 10**18)
        first = await read_aave(manifest, ACCOUNTS[0], client, name="aave:0")
        market = Market(world, client, first)
        for index, account in enumerate(ACCOUNTS):
            market.watch(f"aave:{index}", account)
        await market.tick()
        oracles = ChainOracles.attach(world.chain, manifest)
        for action in actions:
            # the Pool may refuse (health, caps, nothing to repay...): nothing changed
            with contextlib.suppress(TransactionFailed, RejectedError):
                await _act(world, oracles, action)
            await market.tick()  # equal snapshots, no cross-check mismatch
        assert market.full_checks.clean_checks > 0


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=st.lists(step, min_size=3, max_size=8))
def test_local_figures_follow_any_history(
    world_chain: tuple[Anvil, Manifest], actions: list[tuple[Any, ...]]
) -> None:
    anvil, manifest = world_chain
    snapshot = anvil.snapshot()
    try:
        asyncio.run(_history(anvil, manifest, actions))
    finally:
        anvil.revert(snapshot)
