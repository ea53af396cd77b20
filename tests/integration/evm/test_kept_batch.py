"""The batch a chain session keeps from tick to tick never reads stale state or a stale
account set (issue 18): on the real Aave market, every read is pinned to the head
block, sees what the last block changed, and equals a fresh session's read of the same
block as accounts join and as a connector's account changes."""

from __future__ import annotations

import pytest

from agent.intents import Action
from agent.model import VenueSnapshot
from connectors.evm.aave_v3 import AaveV3Connector
from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.rpc import ChainClient
from connectors.evm.venue import ChainSession
from tests.integration.conftest import World
from tests.integration.evm.helpers import aave_connector, intent, read_aave, send_all

pytestmark = pytest.mark.integration


async def _borrow(world: World, role: str, weth: float) -> None:
    account = world.account(role)
    aave = aave_connector(world.manifest, account)
    await world.contract("token.WETH").send("deposit", sender=account, value=10**19)
    await send_all(world, account, aave.build(intent("aave", Action.SUPPLY, "WETH", weth)))
    await send_all(world, account, aave.build(intent("aave", Action.BORROW, "USDC", 500.0)))


def _session(client: ChainClient) -> ChainSession:
    return ChainSession(BatchedReader(Multicall3Reader(client)))


async def _fresh(client: ChainClient, connectors: list[AaveV3Connector]) -> dict[str, object]:
    """What a session that keeps nothing reads now: snapshots by venue."""
    session = _session(client)
    for connector in connectors:
        session.register(connector.for_account(connector.account, connector.name))
    return dict(await session.read_all())


def _supplied(snapshot: VenueSnapshot | BaseException) -> float:
    assert isinstance(snapshot, VenueSnapshot), snapshot
    return sum(p.quantity for p in snapshot.positions if p.instrument.symbol == "WETH")


async def test_a_kept_batch_reads_the_head_and_the_accounts_asked_for(world: World) -> None:
    for role in ("agent", "trader", "lender"):
        await _borrow(world, role, 5.0)
    async with ChainClient([world.anvil.url], chain_id=31337) as client:
        session = _session(client)
        agent = await read_aave(world.manifest, world.account("agent"), client, "aave:agent")
        session.register(agent)
        first = await session.read_all()
        kept = session.reader._merger._base
        assert _supplied(first["aave:agent"]) == pytest.approx(5.0)

        # A block that changes the account: the next read is at it and sees the change,
        # from the same kept batch (the plans did not change).
        await _borrow(world, "agent", 2.0)
        second = await session.read_all()
        assert session.reader._merger._base is kept
        assert second["aave:agent"].block_number > first["aave:agent"].block_number  # type: ignore[union-attr]
        assert _supplied(second["aave:agent"]) == pytest.approx(7.0)
        assert second == await _fresh(client, [agent])

        # An account joins: read with the others, as a fresh session reads it.
        trader = agent.for_account(world.account("trader"), "aave:trader")
        session.register(trader)
        third = await session.read_all()
        assert set(third) == {"aave:agent", "aave:trader"}
        assert third == await _fresh(client, [agent, trader])

        # A connector's account changes in place: the next read is of the new account.
        agent.account = world.account("lender")
        fourth = await session.read_all()
        assert fourth == await _fresh(client, [agent, trader])
        assert _supplied(fourth["aave:agent"]) != pytest.approx(7.0)  # not the agent's
