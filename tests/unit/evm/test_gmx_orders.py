"""GMX order tracking without a chain: the state machine, and the real events' decoding.

The EventEmitter's EventLog1/EventLog2 records are built here by hand from gmx-synthetics
v2.2 (EventEmitter.sol, EventUtils.sol, OrderEventUtils.sol, PositionEventUtils.sol), so the
decoder is checked against the release's layout, not only against the local world's emitter
(tests/integration/evm/test_gmx_events.py checks that one against the same release).
"""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from connectors.evm.gmx_v2 import OrderStatus, OrderTracker, PendingOrder
from connectors.evm.gmx_v2.events import (
    OrderEventKind,
    PositionEventKind,
    decode_order_events,
    decode_position_events,
    describe_error,
)

EMITTER = "0x00000000000000000000000000000000000000E1"
ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
KEY = b"\x11" * 32
KEY_HEX = "0x" + KEY.hex()

# EventUtils.EventLogData: seven item groups, each (KeyValue[] items, ArrayKeyValue[] arrayItems).
_KINDS = ("address", "uint256", "int256", "bool", "bytes32", "bytes", "string")
EVENT_LOG_DATA = "(" + ",".join(f"((string,{k})[],(string,{k}[])[])" for k in _KINDS) + ")"
EVENT_LOG1 = keccak(text=f"EventLog1(address,string,string,bytes32,{EVENT_LOG_DATA})")
EVENT_LOG2 = keccak(text=f"EventLog2(address,string,string,bytes32,bytes32,{EVENT_LOG_DATA})")
NOT_FULFILLABLE = keccak(text="OrderNotFulfillableAtAcceptablePrice(uint256,uint256)")[:4]


def _topic(value: bytes) -> str:
    return "0x" + value.rjust(32, b"\x00").hex()


def event_log(
    name: str, topics: list[bytes], groups: list[tuple[list[Any], list[Any]]]
) -> dict[str, Any]:
    """An EventLog1 (one topic) or EventLog2 (two) record as the real EventEmitter logs it."""
    signature = EVENT_LOG1 if len(topics) == 1 else EVENT_LOG2
    data = abi_encode(["address", "string", EVENT_LOG_DATA], [EMITTER, name, tuple(groups)])
    return {
        "address": EMITTER,
        "topics": [_topic(signature), _topic(keccak(text=name)), *map(_topic, topics)],
        "data": "0x" + data.hex(),
        "blockNumber": "0x10",
    }


def real_log(
    name: str, key: bytes, account: str, *, reason: str = "", reason_bytes: bytes = b""
) -> dict[str, Any]:
    """An order event as OrderEventUtils logs it: EventLog2(key, account)."""
    groups: list[tuple[list[Any], list[Any]]] = [([], []) for _ in _KINDS]
    groups[0] = ([("account", account)], [])
    groups[4] = ([("key", key)], [])
    if name in ("OrderCancelled", "OrderFrozen"):
        groups[5] = ([("reasonBytes", reason_bytes)], [])
        groups[6] = ([("reason", reason)], [])
    return event_log(name, [key, bytes.fromhex(account[2:])], groups)


def _pending(updated_at: int) -> PendingOrder:
    return PendingOrder(KEY_HEX, "0xmarket", 2, False, 30_000.0, 2985 * 10**12, updated_at)


def test_real_eventlog2_records_decode_with_the_cancellation_reason() -> None:
    reason_bytes = NOT_FULFILLABLE + abi_encode(
        ["uint256", "uint256"], [2_900 * 10**12, 2_985 * 10**12]
    )
    logs = [
        real_log("OrderCreated", KEY, ACCOUNT),
        real_log("OrderCancelled", KEY, ACCOUNT, reason_bytes=reason_bytes),
        {**real_log("OrderCreated", KEY, ACCOUNT), "address": OTHER},  # another contract's log
    ]
    created, cancelled = decode_order_events(logs, EMITTER)
    assert (created.kind, created.key, created.account) == (
        OrderEventKind.CREATED,
        KEY_HEX,
        ACCOUNT,
    )
    assert cancelled.kind is OrderEventKind.CANCELLED
    assert cancelled.block_number == 16
    assert cancelled.reason == (
        "OrderNotFulfillableAtAcceptablePrice("
        "price=2900000000000000, acceptablePrice=2985000000000000)"
    )


def test_a_frozen_order_stays_open_with_its_reason_until_it_is_cancelled() -> None:
    tracker = OrderTracker(account=ACCOUNT, event_emitter=EMITTER)
    tracker.track_receipt({"blockNumber": "0x10", "logs": [real_log("OrderCreated", KEY, ACCOUNT)]})
    reason_bytes = NOT_FULFILLABLE + abi_encode(["uint256", "uint256"], [1, 2])
    [frozen] = tracker.apply_logs(
        [real_log("OrderFrozen", KEY, ACCOUNT, reason_bytes=reason_bytes)]
    )
    assert frozen.order.status is OrderStatus.FROZEN
    assert frozen.order.reason == "OrderNotFulfillableAtAcceptablePrice(price=1, acceptablePrice=2)"
    assert tracker.observe_pending(17, 1_000, [_pending(1_000)]) == [], "still frozen in the store"
    assert tracker.open_orders() == [tracker.orders[KEY_HEX]]
    tracker.apply_logs([real_log("OrderCancelled", KEY, ACCOUNT, reason="USER_INITIATED_CANCEL")])
    assert tracker.orders[KEY_HEX].status is OrderStatus.CANCELLED


def _position_decrease(order_type: int) -> dict[str, Any]:
    """PositionDecrease as PositionEventUtils.emitPositionDecrease logs it: EventLog1(account)."""
    uint_keys = (
        "sizeInUsd", "sizeInTokens", "collateralAmount", "borrowingFactor",
        "fundingFeeAmountPerSize", "longTokenClaimableFundingAmountPerSize",
        "shortTokenClaimableFundingAmountPerSize", "executionPrice", "indexTokenPrice.max",
        "indexTokenPrice.min", "collateralTokenPrice.max", "collateralTokenPrice.min",
        "sizeDeltaUsd", "sizeDeltaInTokens", "collateralDeltaAmount", "values.priceImpactDiffUsd",
        "orderType", "decreasedAtTime",
    )  # fmt: skip
    uints = dict.fromkeys(uint_keys, 0)
    uints |= {"sizeDeltaUsd": 30_000 * 10**30, "executionPrice": 3_200 * 10**12}
    uints["orderType"] = order_type
    int_keys = ("priceImpactUsd", "basePnlUsd", "uncappedBasePnlUsd",
                "proportionalPendingImpactUsd", "totalImpactUsd")  # fmt: skip
    groups: list[tuple[list[Any], list[Any]]] = [
        ([("account", ACCOUNT), ("market", OTHER), ("collateralToken", EMITTER)], []),
        (list(uints.items()), []),
        ([(key, -1) for key in int_keys], []),
        ([("isLong", False)], []),
        ([("orderKey", KEY), ("positionKey", b"\x22" * 32)], []),
        ([], []),
        ([], []),
    ]
    return event_log("PositionDecrease", [bytes.fromhex(ACCOUNT[2:])], groups)


def test_a_decrease_by_a_liquidation_order_is_a_liquidation() -> None:
    fees = event_log("PositionFeesCollected", [b"\x01"], [([], []) for _ in _KINDS])
    logs = [_position_decrease(7), fees, _position_decrease(4)]
    liquidation, close = decode_position_events(logs, EMITTER)
    assert (liquidation.kind, liquidation.account, liquidation.is_long) == (
        PositionEventKind.DECREASE, ACCOUNT, False,
    )  # fmt: skip
    assert (liquidation.order_key, liquidation.size_delta_usd) == (KEY_HEX, 30_000 * 10**30)
    assert liquidation.execution_price == 3_200 * 10**12
    assert liquidation.liquidation
    assert not close.liquidation, "a MarketDecrease (4) is the owner's"
    assert decode_order_events(logs, EMITTER) == [], "only the events Ballast follows"


def test_unknown_errors_and_plain_reverts_are_described() -> None:
    assert describe_error(b"") == "no revert data"
    assert describe_error(b"\xde\xad\xbe\xef") == "unknown error 0xdeadbeef"
    revert = keccak(text="Error(string)")[:4] + abi_encode(["string"], ["too late"])
    assert describe_error(revert) == "too late"


def test_an_order_that_vanishes_is_resolving_until_its_outcome_is_read() -> None:
    tracker = OrderTracker(account=ACCOUNT, event_emitter=EMITTER)
    [created] = tracker.track_receipt(
        {"blockNumber": "0x10", "logs": [real_log("OrderCreated", KEY, ACCOUNT)]}
    )
    assert (created.order.status, created.previous) == (OrderStatus.CREATED, None)
    assert tracker.observe_pending(16, 1_000, [_pending(1_000)]) == []
    [gone] = tracker.observe_pending(17, 1_010, [])
    assert gone.order.status is OrderStatus.RESOLVING, "disappearance is not a fill"
    [log_filter] = tracker.log_filters()
    assert log_filter["fromBlock"] == hex(16)
    assert log_filter["topics"][2] == [KEY_HEX]
    [done] = tracker.apply_logs([real_log("OrderExecuted", KEY, ACCOUNT)])
    assert (done.order.status, done.previous) == (OrderStatus.EXECUTED, OrderStatus.RESOLVING)
    assert tracker.log_filters() == []
    assert [u.order.status for u in tracker.drain()] == [
        OrderStatus.CREATED, OrderStatus.RESOLVING, OrderStatus.EXECUTED,
    ]  # fmt: skip
    assert tracker.drain() == []


def test_a_slow_order_is_reported_and_a_final_one_never_changes() -> None:
    tracker = OrderTracker(account=ACCOUNT, event_emitter=EMITTER, max_pending_s=60)
    tracker.observe_pending(20, 1_030, [_pending(1_000)])  # seen first in the store
    [slow] = tracker.observe_pending(21, 1_061, [_pending(1_000)])
    assert slow.order.status is OrderStatus.PENDING_TOO_LONG
    tracker.apply_logs([real_log("OrderCancelled", KEY, ACCOUNT, reason="USER_INITIATED_CANCEL")])
    assert tracker.orders[KEY_HEX].status is OrderStatus.CANCELLED
    assert tracker.apply_logs([real_log("OrderExecuted", KEY, ACCOUNT)]) == []
    assert tracker.orders[KEY_HEX].reason == "USER_INITIATED_CANCEL"
    assert tracker.open_orders() == []


def test_orders_of_other_accounts_are_not_tracked() -> None:
    tracker = OrderTracker(account=ACCOUNT, event_emitter=EMITTER)
    assert (
        tracker.track_receipt({"blockNumber": 5, "logs": [real_log("OrderCreated", KEY, OTHER)]})
        == []
    )
    assert tracker.orders == {}
