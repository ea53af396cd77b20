"""The port contract every EvmConnector passes, on the real anvil world.

Parametrized over the chainlink, uniswap, gmx and premia connectors, each holding a
position where it can: a snapshot names its venue, is stamped with the block's
(timezone-aware) time and owns its positions' instruments; decode consumes exactly what
plan asked for; a failing sub-call fails only its own connector in a shared ChainSession;
all connectors of a chain together cost one eth_call; and build() returns transactions for
this chain whose functions are in the connector's ABIs. A new EVM connector joins by adding
one entry to ``SETUPS`` (the Aave connector when it lands).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC

import pytest
from eth_utils.crypto import keccak

from agent.errors import TransientError
from agent.intents import Action, Intent
from agent.model import VenueSnapshot
from agent.ports import BlockRef, Call, CallResult
from connectors.evm.abi import ContractAbi
from connectors.evm.chainlink import ChainlinkConnector, FeedConfig
from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.rpc import ChainClient
from connectors.evm.venue import ChainSession, EvmConnector
from sim.keepers.gmx import GmxOrderKeeper
from tests.integration.conftest import World
from tests.integration.evm.derivs import fund, intent, option, send
from tests.integration.evm.helpers import gmx_connector, premia_connector, uniswap_connector

pytestmark = pytest.mark.integration


@dataclass
class Setup:
    """A connector ready to read, with a position of the agent on its venue where it can
    hold one, a sample intent for ``build`` and the ABIs its transactions may call."""

    connector: EvmConnector
    sample: Intent | None
    abis: tuple[str, ...] = ()


async def chainlink(world: World, client: ChainClient) -> Setup:
    feeds = [
        FeedConfig(f.underlying, f.address, f.heartbeat_s) for f in world.manifest.feeds.values()
    ]
    connector = ChainlinkConnector(
        feeds, sequencer_feed=world.manifest.contract("chainlink.sequencer_uptime")
    )
    await connector.discover(Multicall3Reader(client))
    return Setup(connector, None)


async def uniswap(world: World, client: ChainClient) -> Setup:
    agent = await fund(world, "agent", "WETH", 2.0)
    sample = intent("uniswap", Action.SELL, "ETH", 1.0, 3000.0)
    return Setup(uniswap_connector(world.manifest, agent), sample, ("ISwapRouter02", "IERC20Token"))


async def gmx(world: World, client: ChainClient) -> Setup:
    agent = await fund(world, "agent", "USDC", 50_000.0)
    connector = gmx_connector(world.manifest, agent)
    await connector.discover(Multicall3Reader(client))
    await _read(client, connector)
    await send(world, agent, connector, intent("gmx", Action.SELL, "ETH", 2.0, 3000.0))
    roles = ("gmx.data_store", "gmx.order_handler", "gmx.event_emitter")
    keeper = GmxOrderKeeper(world.manifest, {role: world.contract(role) for role in roles})
    await keeper.execute_pending(await world.chain.timestamp())
    sample = intent("gmx", Action.SELL, "ETH", 1.0, 3000.0)
    return Setup(connector, sample, ("IGmxV2ExchangeRouter", "IERC20Token"))


async def premia(world: World, client: ChainClient) -> Setup:
    agent = await fund(world, "agent", "WETH", 5.0)
    reader = Multicall3Reader(client)
    some = _premia_pools(world)[:4]  # four calls keep the read small
    connector = await premia_connector(world.manifest, agent, reader, pools=some)
    snapshot = await _read(client, connector)
    pool, call = option(
        connector, min(p.strike for p in connector.pools if p.is_call), is_call=True
    )
    mid = next(q.mark for q in snapshot.quotes if q.symbol == pool.address) or 0.0
    await send(
        world, agent, connector, intent("premia", Action.SELL, "ETH", 1.0, mid, instrument=call)
    )
    sample = intent("premia", Action.BUY, "ETH", 1.0, mid, instrument=call)
    return Setup(connector, sample, ("IPremiaV3Pool", "IERC20Token"))


def _premia_pools(world: World) -> list[str]:
    return [
        a
        for r, a in sorted(world.manifest.contracts.items())
        if r.startswith("premia.pool.") and r.endswith("-C")
    ]


SETUPS: dict[str, Callable[[World, ChainClient], Awaitable[Setup]]] = {
    "chainlink": chainlink,
    "uniswap": uniswap,
    "gmx": gmx,
    "premia": premia,
}
READ_ONLY = {"chainlink"}


async def _read(client: ChainClient, connector: EvmConnector) -> VenueSnapshot:
    return (
        await ChainSession(BatchedReader(Multicall3Reader(client))).register(connector).snapshot()
    )


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


@pytest.fixture(params=sorted(SETUPS))
async def setup(request: pytest.FixtureRequest, world: World, client: ChainClient) -> Setup:
    return await SETUPS[str(request.param)](world, client)


async def test_snapshot_names_its_venue_and_is_stamped_with_block_time(
    setup: Setup, world: World, client: ChainClient
) -> None:
    snapshot = await _read(client, setup.connector)
    assert snapshot.venue == setup.connector.name
    assert snapshot.observed_at.tzinfo is not None
    assert snapshot.observed_at.utcoffset() == UTC.utcoffset(None)
    block = await world.chain.block()
    assert snapshot.block_number == int(block["number"], 16)
    assert snapshot.observed_at.timestamp() == int(block["timestamp"], 16)


async def test_positions_belong_to_the_connector(setup: Setup, client: ChainClient) -> None:
    snapshot = await _read(client, setup.connector)
    if setup.sample is not None:
        assert snapshot.positions, "the setup gave the agent a position on this venue"
    assert all(p.instrument.venue == setup.connector.name for p in snapshot.positions)


async def test_decode_consumes_exactly_what_plan_asked_for(
    setup: Setup, client: ChainClient
) -> None:
    plan = list(setup.connector.plan())
    block, results = await Multicall3Reader(client).read(plan)
    assert len(results) == len(plan)
    assert len(setup.connector.plan()) == len(plan), "the plan's shape is stable"
    setup.connector.decode(block, results)
    with pytest.raises(Exception):  # noqa: B017, PT011 - any failure, never a silent snapshot
        setup.connector.decode(block, results[:-1])


class Broken:
    """A connector whose first call reverts (an unknown selector on the same target)."""

    def __init__(self, inner: EvmConnector) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    def plan(self) -> Sequence[Call]:
        calls = list(self.inner.plan())
        calls[0] = Call(calls[0].target, b"\xde\xad\xbe\xef")
        return calls

    def decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        return self.inner.decode(block, results)


async def _all(world: World, client: ChainClient) -> dict[str, Setup]:
    return {name: await make(world, client) for name, make in SETUPS.items()}


@pytest.mark.parametrize("broken", sorted(SETUPS))
async def test_a_failing_sub_call_fails_only_its_connector(
    broken: str, world: World, client: ChainClient
) -> None:
    session = ChainSession(BatchedReader(Multicall3Reader(client)))
    for name, each in (await _all(world, client)).items():
        session.register(Broken(each.connector) if name == broken else each.connector)
    outcomes = await session.read_all()
    assert isinstance(outcomes[broken], TransientError)
    assert all(isinstance(outcomes[n], VenueSnapshot) for n in outcomes if n != broken)


async def test_all_connectors_of_a_chain_cost_one_eth_call(
    world: World, client: ChainClient
) -> None:
    session = ChainSession(BatchedReader(Multicall3Reader(client)))
    venues = [session.register(s.connector) for s in (await _all(world, client)).values()]
    before, calls_before = client.request_count, client.method_count("eth_call")
    snapshots = await asyncio.gather(*(v.snapshot() for v in venues))
    assert client.method_count("eth_call") == calls_before + 1
    assert client.request_count == before + 2, "the head block, then one eth_call pinned to it"
    assert sorted(s.venue for s in snapshots) == sorted(SETUPS)


@pytest.mark.parametrize("name", sorted(set(SETUPS) - READ_ONLY))
async def test_build_targets_this_chain_and_functions_of_its_abis(
    name: str, world: World, client: ChainClient
) -> None:
    setup = await SETUPS[name](world, client)
    assert setup.sample is not None
    await _read(client, setup.connector)
    requests = setup.connector.build(setup.sample)  # type: ignore[attr-defined]
    assert requests
    signatures = {s for abi in setup.abis for s in ContractAbi.load(abi).signatures()}
    for request in requests:
        assert request.chain_id == world.manifest.chain_id
        assert request.function in signatures
        assert request.data[:4] == keccak(text=request.function)[:4]
        assert await world.chain.code(request.to), f"{request.to} is not a contract"
