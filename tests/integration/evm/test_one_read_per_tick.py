"""Every EVM connector of a chain is read together: one eth_call per tick, at one block,
whatever the number of positions; a failing sub-call fails only its own connector."""

from __future__ import annotations

import asyncio

import pytest

from agent.clock import SystemClock
from agent.errors import TransientError
from agent.intents import Action
from agent.ports import Call, GroupedVenue
from agent.tick.reading import VenueReader
from connectors.evm.chainlink import ChainlinkConnector, FeedConfig
from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.rpc import ChainClient
from connectors.evm.tokens import TokenConfig
from connectors.evm.venue import ChainSession, EvmVenue
from tests.integration.conftest import World
from tests.integration.evm.helpers import (
    aave_connector,
    intent,
    read_aave,
    send_all,
    uniswap_connector,
)

pytestmark = pytest.mark.integration

BORROWERS = ("agent", "trader", "lender", "keeper")


async def _open_positions(world: World, role: str) -> None:
    account = world.account(role)
    aave = aave_connector(world.manifest, account)
    await world.contract("token.WETH").send("deposit", sender=account, value=10**19)
    await send_all(world, account, aave.build(intent("aave", Action.SUPPLY, "WETH", 10.0)))
    await send_all(world, account, aave.build(intent("aave", Action.BORROW, "USDC", 1_000.0)))


async def _feeds(world: World, client: ChainClient) -> ChainlinkConnector:
    feeds = [
        FeedConfig(f.underlying, f.address, f.heartbeat_s) for f in world.manifest.feeds.values()
    ]
    connector = ChainlinkConnector(feeds)
    await connector.discover(Multicall3Reader(client))
    return connector


async def test_all_connectors_cost_one_eth_call(world: World) -> None:
    for role in BORROWERS:
        await _open_positions(world, role)
    async with ChainClient([world.anvil.url], chain_id=31337) as client:
        session = ChainSession(BatchedReader(Multicall3Reader(client)))
        venues: list[EvmVenue] = [session.register(await _feeds(world, client))]
        for role in BORROWERS:
            account = world.account(role)
            connector = await read_aave(world.manifest, account, client, name=f"aave:{role}")
            venues.append(session.register(connector))
        venues.append(session.register(uniswap_connector(world.manifest, world.account("agent"))))
        before, calls_before = client.request_count, client.method_count("eth_call")
        snapshots = await asyncio.gather(*(venue.snapshot() for venue in venues))
        assert client.method_count("eth_call") - calls_before == 1
        assert client.request_count - before == 2, "the head block, then one eth_call"
        assert len({s.block_number for s in snapshots}) == 1, "every snapshot is of one block"
        positions = sum(len(s.positions) for s in snapshots)
        assert positions >= 2 * len(BORROWERS)


async def test_a_failing_sub_call_fails_only_its_connector(world: World) -> None:
    async with ChainClient([world.anvil.url], chain_id=31337) as client:
        session = ChainSession(BatchedReader(Multicall3Reader(client)))
        healthy = session.register(await _feeds(world, client))
        broken_connector = await read_aave(world.manifest, world.account("agent"), client)
        # A reserve the market does not know (as if delisted after start): its sub-calls
        # revert inside the batch.
        nope = TokenConfig("NOPE", world.manifest.contract("uniswap.router"), 18, "NOPE")
        broken_connector.assets.append(nope)
        broken_connector.a_tokens["NOPE"] = nope.address
        broken_connector.emode_of["NOPE"] = 0
        broken = session.register(broken_connector)
        healthy_snapshot, broken_outcome = await asyncio.gather(
            healthy.snapshot(), broken.snapshot(), return_exceptions=True
        )
        assert not isinstance(healthy_snapshot, BaseException)
        assert healthy_snapshot.marks["ETH"] == 3000.0
        assert isinstance(broken_outcome, TransientError)
        assert "NOPE" in str(broken_outcome)
        assert session.reads == 1
        # The tick's reader reads the session as the group of its venues: one read, and
        # the broken connector's failure stays its own.
        assert isinstance(broken, GroupedVenue)
        assert broken.group is session
        reader = VenueReader({"feeds": healthy, "broken": broken}, SystemClock(), timeout_s=10)
        reads = await reader.read_all()
        assert session.reads == 2
        assert reads["feeds"].fresh
        assert reads["feeds"].snapshot is not None
        assert reads["feeds"].snapshot.marks["ETH"] == 3000.0
        assert not reads["broken"].fresh
        assert reads["broken"].snapshot is None
        assert reads["broken"].error is not None
        assert "NOPE" in reads["broken"].error


async def test_a_batch_the_node_runs_out_of_gas_is_split_and_read_at_one_block(
    world: World,
) -> None:
    """2,500 large results exceed anvil's eth_call gas cap (30M) in one aggregate3 (memory
    grows with the square of the data); the reader halves its bound until the node
    accepts, and every result comes back."""
    data_provider = world.contract("aave.data_provider")
    weth = world.manifest.token("WETH").address
    call = Call(data_provider.address, data_provider.abi.encode("getReserveData", weth))
    async with ChainClient([world.anvil.url], chain_id=31337) as client:
        reader = Multicall3Reader(client, max_calls=4_000)
        expected = (await reader.read([call]))[1][0]
        before = client.request_count
        block, results = await reader.read([call] * 2_500)
        requests = client.request_count - before
    assert reader.max_calls < 2_000
    assert requests > 2_500 / reader.max_calls  # the refused try, then the batches
    assert len(results) == 2_500
    assert all(result == expected for result in results)
    assert expected.success
    assert block.number >= 1
