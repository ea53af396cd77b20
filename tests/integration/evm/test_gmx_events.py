"""The world's GMX EventEmitter logs what gmx-synthetics v2.2 logs, and the connector reads it.

The expected layouts are transcribed from the release (tag v2.2): the event name, the log
(EventLog1/EventLog2), and per EventLogData group the item keys in order - from
contracts/order/OrderEventUtils.sol (emitOrderCreated with createEventData, emitOrderExecuted,
emitOrderCancelled) and contracts/position/PositionEventUtils.sol (emitPositionIncrease,
emitPositionDecrease). A liquidation is a Liquidation-type order (7) created and executed by
the liquidation handler (contracts/liquidation/LiquidationUtils.sol).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pytest

from agent.intents import Action
from connectors.evm.gmx_v2.events import (
    EMITTER,
    EVENT_LOG1_TOPIC,
    EVENT_LOG2_TOPIC,
    LIQUIDATION_ORDER_TYPE,
    OrderEventKind,
    PositionEventKind,
    decode_order_events,
    decode_position_events,
    event_name_hash,
)
from connectors.evm.multicall import Multicall3Reader
from connectors.evm.rpc import ChainClient
from sim.deploy.gmx import KEEPER_GAS
from sim.keepers.gmx import NO_ORACLE_PARAMS
from tests.integration.conftest import World
from tests.integration.evm.derivs import fund, intent, market, send
from tests.integration.evm.helpers import gmx_connector, venue

pytestmark = pytest.mark.integration

Layout = tuple[str, Sequence[tuple[Sequence[str], Sequence[str]]]]  # log, 7 x (items, arrays)
_NONE: tuple[Sequence[str], Sequence[str]] = ((), ())
_POSITION_UINTS = (
    "sizeInUsd", "sizeInTokens", "collateralAmount", "borrowingFactor", "fundingFeeAmountPerSize",
    "longTokenClaimableFundingAmountPerSize", "shortTokenClaimableFundingAmountPerSize",
    "executionPrice", "indexTokenPrice.max", "indexTokenPrice.min", "collateralTokenPrice.max",
    "collateralTokenPrice.min", "sizeDeltaUsd", "sizeDeltaInTokens",
)  # fmt: skip
_POSITION_ADDRESSES = (("account", "market", "collateralToken"), ())
_POSITION_KEYS = (("orderKey", "positionKey"), ())
# groups: address, uint, int, bool, bytes32, bytes, string
V2_2: Mapping[str, Layout] = {
    "OrderCreated": ("EventLog2", (
        (("account", "receiver", "callbackContract", "uiFeeReceiver", "market",
          "initialCollateralToken", "cancellationReceiver"), ("swapPath",)),
        (("orderType", "decreasePositionSwapType", "sizeDeltaUsd", "initialCollateralDeltaAmount",
          "triggerPrice", "acceptablePrice", "executionFee", "callbackGasLimit", "minOutputAmount",
          "updatedAtTime", "validFromTime", "srcChainId"), ()),
        _NONE,
        (("isLong", "shouldUnwrapNativeToken", "autoCancel"), ()),
        (("key",), ("dataList",)),
        _NONE,
        _NONE,
    )),
    "OrderExecuted": ("EventLog2", (
        (("account",), ()), (("secondaryOrderType",), ()), _NONE, _NONE, (("key",), ()), _NONE,
        _NONE,
    )),
    "PositionIncrease": ("EventLog1", (
        _POSITION_ADDRESSES,
        ((*_POSITION_UINTS, "orderType", "increasedAtTime"), ()),
        (("collateralDeltaAmount", "pendingPriceImpactUsd", "pendingPriceImpactAmount"), ()),
        (("isLong",), ()),
        _POSITION_KEYS,
        _NONE,
        _NONE,
    )),
    "PositionDecrease": ("EventLog1", (
        _POSITION_ADDRESSES,
        ((*_POSITION_UINTS, "collateralDeltaAmount", "values.priceImpactDiffUsd", "orderType",
          "decreasedAtTime"), ()),
        (("priceImpactUsd", "basePnlUsd", "uncappedBasePnlUsd", "proportionalPendingImpactUsd",
          "totalImpactUsd"), ()),
        (("isLong",), ()),
        _POSITION_KEYS,
        _NONE,
        _NONE,
    )),
}  # fmt: skip


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


def _layouts(logs: Sequence[Mapping[str, Any]], emitter: str) -> dict[str, Layout]:
    """Each followed event's log and item keys per group, as the chain logged them."""
    found: dict[str, Layout] = {}
    names = {event_name_hash(name): name for name in V2_2}
    kinds = {EVENT_LOG1_TOPIC: "EventLog1", EVENT_LOG2_TOPIC: "EventLog2"}
    for log in logs:
        name = names.get(str(log["topics"][1]).lower()) if len(log["topics"]) > 1 else None
        if str(log["address"]).lower() != emitter.lower() or name is None:
            continue
        decoded = EMITTER.decode_log(log)
        assert decoded is not None
        _, args = decoded
        assert args["eventName"] == name
        groups = tuple(
            (tuple(k for k, _ in items), tuple(k for k, _ in arrays))
            for items, arrays in args["eventData"]
        )
        found[name] = (kinds[str(log["topics"][0]).lower()], groups)
    return found


async def test_orders_positions_and_liquidations_are_logged_as_v2_2_logs_them(
    world: World, client: ChainClient
) -> None:
    emitter = world.manifest.contract("gmx.event_emitter")
    agent = world.account("agent")
    connector = gmx_connector(world.manifest, agent, leverage=20.0)
    await connector.discover(Multicall3Reader(client))
    gmx = venue(client, connector)
    await fund(world, "agent", "USDC", 100_000.0)
    await gmx.snapshot()
    [*_, created] = await send(world, agent, connector, intent("gmx", Action.SELL, "ETH", 10, 3e3))
    [order] = decode_order_events(created["logs"], emitter)
    handler, keeper = world.contract("gmx.order_handler"), world.account("keeper")
    executed = await handler.send(
        "executeOrder",
        bytes.fromhex(order.key[2:]),
        NO_ORACLE_PARAMS,
        sender=keeper,
        gas=KEEPER_GAS,
    )
    logged = {**_layouts(created["logs"], emitter), **_layouts(executed["logs"], emitter)}
    for name in ("OrderCreated", "OrderExecuted", "PositionIncrease"):
        assert logged[name] == V2_2[name], name
    [increase] = decode_position_events(executed["logs"], emitter)
    assert (increase.kind, increase.account, increase.order_key) == (
        PositionEventKind.INCREASE, agent, order.key,
    )  # fmt: skip
    assert (increase.is_long, increase.size_delta_usd) == (False, 30_000 * 10**30)

    # ETH rises past the 20x short's liquidation price: the world's liquidator acts. The agent
    # learns it from the emitter's logs, as on the real chain: the account is topic1 of
    # PositionDecrease (topics[2]) and topic2 of the order events (topics[3]).
    since = int(await client.request("eth_blockNumber"), 16) + 1
    driver, keepers = await market(world, [(0, {}), (60, {"ETH": 3200.0})])
    await driver.advance(60)
    assert len(keepers.gmx_liquidator.records) == 1
    account_topic = "0x" + agent[2:].lower().rjust(64, "0")
    logs = []
    for topics in ([None, None, account_topic], [None, None, None, account_topic]):
        ask = {"address": emitter, "fromBlock": hex(since), "topics": topics}
        logs += await client.request("eth_getLogs", [ask])
    logs.sort(key=lambda log: (int(log["blockNumber"], 16), int(log["logIndex"], 16)))
    assert _layouts(logs, emitter)["PositionDecrease"] == V2_2["PositionDecrease"]
    [decrease] = decode_position_events(logs, emitter)
    assert decrease.liquidation
    assert (decrease.order_type, decrease.size_in_usd) == (LIQUIDATION_ORDER_TYPE, 0)
    assert decrease.position_key == increase.position_key
    lifecycle = decode_order_events(logs, emitter)
    assert [(e.kind, e.key) for e in lifecycle] == [
        (OrderEventKind.CREATED, decrease.order_key),
        (OrderEventKind.EXECUTED, decrease.order_key),
    ]
