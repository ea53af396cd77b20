"""The Chainlink connector against the world's feeds, read in one batched eth_call."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.evm.chainlink import ChainlinkConnector, FeedConfig
from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.rpc import ChainClient
from connectors.evm.venue import ChainSession
from tests.integration.conftest import World

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


async def _connector(world: World, client: ChainClient) -> ChainlinkConnector:
    feeds = [
        FeedConfig(f.underlying, f.address, f.heartbeat_s) for f in world.manifest.feeds.values()
    ]
    connector = ChainlinkConnector(
        feeds, sequencer_feed=world.manifest.contract("chainlink.sequencer_uptime")
    )
    await connector.discover(Multicall3Reader(client))
    return connector


async def test_fresh_feeds_give_prices_and_no_flags(world: World, client: ChainClient) -> None:
    connector = await _connector(world, client)
    venue = ChainSession(BatchedReader(Multicall3Reader(client))).register(connector)
    before, calls_before = client.request_count, client.method_count("eth_call")
    snapshot = await venue.snapshot()
    assert client.method_count("eth_call") - calls_before == 1, "one snapshot, one eth_call"
    assert client.request_count - before == 2, "the head block, then the eth_call"
    assert snapshot.marks == {"ETH": 3000.0, "BTC": 60000.0, "USDC": 1.0}
    assert snapshot.flags == {}
    assert connector.facts["ETH"].min_answer == 10 * 10**8


async def test_stale_feed_is_flagged(world: World, client: ChainClient) -> None:
    connector = await _connector(world, client)
    feed = world.contract("chainlink.ETH_USD")
    now = await world.chain.timestamp()
    await feed.send("transmitAt", 2990 * 10**8, now - 2 * 3600, sender=world.account("deployer"))
    snapshot = (
        await ChainSession(BatchedReader(Multicall3Reader(client))).register(connector).snapshot()
    )
    assert "oracle_stale:ETH" in snapshot.flags
    assert "oracle_stale:BTC" not in snapshot.flags
    assert not snapshot.usable


async def test_feed_clamped_at_min_answer_is_flagged(world: World, client: ChainClient) -> None:
    connector = await _connector(world, client)
    feed = world.contract("chainlink.ETH_USD")
    await feed.send("transmit", 1 * 10**8, sender=world.account("deployer"))  # below minAnswer 10
    snapshot = (
        await ChainSession(BatchedReader(Multicall3Reader(client))).register(connector).snapshot()
    )
    assert snapshot.marks["ETH"] == 10.0
    assert "oracle_at_bound:ETH" in snapshot.flags


async def test_sequencer_down_then_in_grace_period(world: World, client: ChainClient) -> None:
    connector = await _connector(world, client)
    session = ChainSession(BatchedReader(Multicall3Reader(client)))
    venue = session.register(connector)
    sequencer = world.contract("chainlink.sequencer_uptime")
    now = await world.chain.timestamp()
    await sequencer.send("updateStatus", True, now, sender=world.account("deployer"))
    assert "sequencer_down" in (await venue.snapshot()).flags
    await sequencer.send("updateStatus", False, now + 1, sender=world.account("deployer"))
    await world.chain.set_next_timestamp(now + 600)
    await world.chain.mine()
    flags = (await venue.snapshot()).flags
    assert "sequencer_down" not in flags
    assert "sequencer_grace" in flags
    await world.chain.set_next_timestamp(now + 1 + 3601)
    await world.chain.mine()
    assert "sequencer_grace" not in (await venue.snapshot()).flags
