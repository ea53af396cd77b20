"""Dry run: everything happens on a local fork and a paper book; the original chain and
the exchanges are untouched (RELIABILITY row 19; issue 8 acceptance)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.wiring import build_daemon
from connectors.evm.jsonrpc import JsonRpcTransport
from rehearsal.dry_run import fork_config
from sim.anvil import Anvil, AnvilOptions
from sim.chain import DevChain, attach
from sim.manifest import Manifest
from sim.stack import LocalStack, WorldClock
from tests.e2e.world_view import aave_health

pytestmark = pytest.mark.e2e


async def _state(chain: DevChain, manifest: Manifest) -> dict[str, int]:
    agent = manifest.accounts["agent"]
    roles = ("token.WETH", "token.USDC", "aave.aToken.WETH", "aave.variableDebt.USDC")
    state = {
        role: await attach(chain, manifest, role).read_one("balanceOf", agent) for role in roles
    }
    state["nonce"] = int(await chain.rpc.request("eth_getTransactionCount", [agent, "latest"]), 16)
    state["ether"] = int(await chain.rpc.request("eth_getBalance", [agent, "latest"]), 16)
    return state


async def test_dry_run_acts_on_the_fork_only(seeded_stack: LocalStack, tmp_path: Path) -> None:
    stack = seeded_stack
    assert stack.config is not None
    assert stack.deribit is not None
    assert stack.hyperliquid is not None
    chain, manifest = stack.world.chain, stack.world.manifest
    assert manifest is not None
    await stack.driver.advance(1200)  # ETH 2400: the Aave health factor is under its trigger
    assert await aave_health(chain, manifest) < 1.3
    before = await _state(chain, manifest)
    orders_before = (stack.deribit.count("private/buy"), stack.deribit.count("private/sell"))
    hl_before = stack.hyperliquid.count("exchange/order")

    with Anvil(AnvilOptions(fork_url=stack.world.anvil.url)) as fork:
        config = fork_config(stack.config, {"local": fork.url}, tmp_path)
        async with AsyncExitStack() as resources:
            daemon = await build_daemon(
                config, resources, clock=WorldClock(stack.driver), dry_run=True
            )
            reports = [await daemon.tick() for _ in range(2)]
        async with JsonRpcTransport(fork.url) as transport:
            forked = DevChain(transport)
            on_fork = await _state(forked, manifest)
            fork_health = await aave_health(forked, manifest)

    assert all(r.error is None for r in reports), [r.error for r in reports]
    assert any(i.venue == "aave" for r in reports for i in r.intents), "the dry run repairs health"
    assert fork_health >= 1.5, "on the fork, the repay restored the health factor"
    assert on_fork["nonce"] > before["nonce"]
    assert await _state(chain, manifest) == before, "the original chain is untouched"
    assert await aave_health(chain, manifest) < 1.3
    assert (
        stack.deribit.count("private/buy"),
        stack.deribit.count("private/sell"),
    ) == orders_before
    assert stack.hyperliquid.count("exchange/order") == hl_before, "exchange orders are paper only"


async def test_dry_run_refuses_a_target_that_is_not_a_fork(seeded_stack: LocalStack) -> None:
    assert seeded_stack.config is not None
    async with AsyncExitStack() as resources:
        with pytest.raises(ConfigError, match="not a fork"):
            await build_daemon(seeded_stack.config, resources, dry_run=True)
