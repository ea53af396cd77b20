"""Arbitrum's block numbers: the world's "arbitrum" chain profile, where Multicall3 reports an
L1-like ``block.number`` (as ArbOS does), must not change which block a read belongs to, nor
how a GMX order is followed - including one created and executed between two reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from agent.execution.limits import ExposureCap, GuardLimits
from agent.intents import Action, OutcomeStatus
from agent.ports import Call
from connectors.evm.abi import ContractAbi
from connectors.evm.gmx_v2 import OrderStatus, resolve_orders
from connectors.evm.multicall import MULTICALL3_ADDRESS, Multicall3Reader
from connectors.evm.rpc import ChainClient
from sim.deploy.profiles import ChainProfile, apply_profile
from tests.integration.conftest import World
from tests.integration.evm.derivs import fund, intent, market
from tests.integration.evm.helpers import gmx_connector, venue
from tests.integration.execution.exec_support import limits, stack

pytestmark = pytest.mark.integration

MULTICALL = ContractAbi.load("IMulticall3")
ERC20 = ContractAbi.load("IERC20Token")


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    """The shared world as an Arbitrum chain (reverted with the world after the test)."""
    await apply_profile(world.chain, ChainProfile.ARBITRUM)
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


async def _head(client: ChainClient) -> int:
    return int(await client.request("eth_blockNumber"), 16)


async def test_batched_reads_belong_to_the_rpc_block_not_to_multicalls_number(
    world: World, client: ChainClient
) -> None:
    ask = {"to": MULTICALL3_ADDRESS, "data": "0x" + MULTICALL.encode("getBlockNumber").hex()}
    answer = await client.request("eth_call", [ask, "latest"])
    contract_number = MULTICALL.decode_one("getBlockNumber", bytes.fromhex(answer[2:]))
    head = await _head(client)
    assert contract_number > 15_000_000 > head, "the profile reports an L1-like block.number"

    usdc = world.manifest.token("USDC").address
    agent = world.account("agent")
    stamp = Call(MULTICALL3_ADDRESS, MULTICALL.encode("getCurrentBlockTimestamp"))
    balance = Call(usdc, ERC20.encode("balanceOf", agent))
    reader = Multicall3Reader(client, max_calls=2)  # five calls: three batches
    calls_before = client.method_count("eth_call")
    block, results = await reader.read([stamp, balance, stamp, balance, stamp])
    assert client.method_count("eth_call") - calls_before == 3
    assert block.number == head
    header = await client.request("eth_getBlockByNumber", [hex(head), False])
    assert block.parent_hash == header["parentHash"].lower()
    assert all(r.success for r in results)
    stamps = {MULTICALL.decode_one("getCurrentBlockTimestamp", results[i].data) for i in (0, 2, 4)}
    assert stamps == {block.timestamp}, "every batch ran at the block the read reports"
    expected = await world.contract("token.USDC").read_one("balanceOf", agent)
    assert ERC20.decode_one("balanceOf", results[3].data) == expected


async def test_a_gmx_order_executed_between_two_reads_is_followed_from_its_receipt(
    world: World, client: ChainClient, tmp_path: Path
) -> None:
    """The order goes out through the executor (as the daemon sends it); the keeper executes
    it before the connector reads again, so the store never shows it: only the receipt's
    OrderCreated, handed to the tracker by the executor, makes it known."""
    connector = gmx_connector(world.manifest, world.account("agent"))
    await connector.discover(Multicall3Reader(client))
    gmx = venue(client, connector)
    await fund(world, "agent", "USDC", 100_000.0)
    await gmx.snapshot()
    weth = world.manifest.token("WETH").address
    guard_limits = GuardLimits.model_validate(
        {
            **dict(limits(weth)),
            "venue_caps": {"gmx": ExposureCap(max_usd=1_000_000, max_fraction_of_book=1.0)},
            "allowlist": connector.allowed_calls(),
        }
    )
    journal = tmp_path / "journal.db"
    async with stack(world.anvil.url, journal, weth, guard_limits=guard_limits) as s:
        s.manager.receipt_observers.append(connector.tracker.track_receipt)
        sell = replace(
            intent("gmx", Action.SELL, "ETH", 1.0, 3000.0, notional_usd=3000.0),
            limit_price=2985.0,
            created_at=s.clock.now(),
        )
        outcome = await s.executor.submit_transactions(sell, connector.build(sell), s.context())
    assert outcome.status is OutcomeStatus.FILLED, outcome.detail
    receipt = await client.request("eth_getTransactionReceipt", [outcome.reference])
    created_in = int(receipt["blockNumber"], 16)
    [order] = connector.tracker.open_orders()
    assert (order.status, order.first_seen_block) == (OrderStatus.CREATED, created_in)

    driver, keepers = await market(world, [(0, {})])
    await driver.advance(30)  # the keeper executes the order before the next read
    assert [(r.key, r.outcome) for r in keepers.gmx_orders.records] == [(order.key, "executed")]

    snapshot = await gmx.snapshot()
    assert snapshot.block_number == await _head(client)
    assert connector.tracker.orders[order.key].status is OrderStatus.RESOLVING
    [log_filter, *_] = connector.tracker.log_filters()
    assert int(log_filter["fromBlock"], 16) == created_in, "logs scanned from the L2 block"
    await resolve_orders(client, connector.tracker)
    final = connector.tracker.orders[order.key]
    assert final.status is OrderStatus.EXECUTED
    assert final.outcome_block is not None
    assert created_in < final.outcome_block <= snapshot.block_number
    assert snapshot.positions[0].quantity == -1.0
