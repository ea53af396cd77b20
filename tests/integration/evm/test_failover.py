"""Reads survive a dead provider, then the same provider serving another chain, and a
lagging one; the bad provider is reported (RELIABILITY row 6, for reads)."""

from __future__ import annotations

import pytest

from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.rpc import ChainClient
from connectors.evm.venue import ChainSession
from sim.anvil import Anvil, AnvilOptions, free_port
from tests.integration.conftest import World
from tests.integration.evm.helpers import read_aave
from tests.support.rpc_fault_proxy import RpcFaultProxy

pytestmark = pytest.mark.integration


async def test_dead_then_wrong_chain_provider_is_skipped_and_reported(world: World) -> None:
    dead_port = free_port()
    dead = f"http://127.0.0.1:{dead_port}/?apikey=SECRET-TOKEN"
    async with ChainClient([dead, world.anvil.url], chain_id=31337, cooldown_s=0.0) as client:
        lending = ChainSession(BatchedReader(Multicall3Reader(client))).register(
            await read_aave(world.manifest, world.account("lender"), client)
        )
        first = await lending.snapshot()
        assert first.health[0].collateral_usd > 0
        [bad, good] = client.status()
        assert bad.problem is not None
        assert bad.problem.startswith("unreachable")
        assert "SECRET-TOKEN" not in bad.label, "provider labels must not leak URL tokens"
        assert good.usable

        # The dead URL comes back, but it is a node of another chain.
        with Anvil(AnvilOptions(port=dead_port, chain_id=999)):
            again = await lending.snapshot()
            assert again.health[0].collateral_usd == first.health[0].collateral_usd
            bad = client.status()[0]
            assert bad.problem == "wrong chainId 999, expected 31337"
            assert not bad.usable


async def test_lagging_provider_is_skipped(world: World) -> None:
    await world.chain.rpc.request("anvil_mine", [hex(60)])
    async with RpcFaultProxy(world.anvil.url) as lagging:
        lagging.faults.head_lag_blocks = 50
        async with ChainClient([lagging.url, world.anvil.url], chain_id=31337) as client:
            await client.refresh_heads()
            assert client.status()[0].problem == "lagging 50 blocks behind the best head"
            before = len(lagging.forwarded)
            venue = ChainSession(BatchedReader(Multicall3Reader(client))).register(
                await read_aave(world.manifest, world.account("lender"), client)
            )
            await venue.snapshot()
            assert [f.method for f in lagging.forwarded[before:]] == [], "no read went to it"
