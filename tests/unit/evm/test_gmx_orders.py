"""GMX order tracking without a chain: the state machine, and both event formats.

The real EventEmitter's EventLog2 records are built here by hand from gmx-synthetics v2.2
(EventEmitter.sol, EventUtils.sol, OrderEventUtils.sol), so the decoder is checked against
the real layout, not only against the local world's typed events.
"""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from connectors.evm.gmx_v2 import OrderStatus, OrderTracker, PendingOrder
from connectors.evm.gmx_v2.events import (
    LOCAL_EVENTS,
    OrderEventKind,
    decode_order_events,
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
EVENT_LOG2 = keccak(text=f"EventLog2(address,string,string,bytes32,bytes32,{EVENT_LOG_DATA})")
NOT_FULFILLABLE = keccak(text="OrderNotFulfillableAtAcceptablePrice(uint256,uint256)")[:4]


def _topic(value: bytes) -> str:
    return "0x" + value.rjust(32, b"\x00").hex()


def real_log(
    name: str, key: bytes, account: str, *, reason: str = "", reason_bytes: bytes = b""
) -> dict[str, Any]:
    """An EventLog2 record as the real EventEmitter logs it (OrderEventUtils)."""
    groups: list[tuple[list[Any], list[Any]]] = [([], []) for _ in _KINDS]
    groups[0] = ([("account", account)], [])
    groups[4] = ([("key", key)], [])
    if name == "OrderCancelled":
        groups[5] = ([("reasonBytes", reason_bytes)], [])
        groups[6] = ([("reason", reason)], [])
    data = abi_encode(["address", "string", EVENT_LOG_DATA], [EMITTER, name, tuple(groups)])
    topics = [
        _topic(EVENT_LOG2),
        _topic(keccak(text=name)),
        _topic(key),
        _topic(bytes.fromhex(account[2:])),
    ]
    return {"address": EMITTER, "topics": topics, "data": "0x" + data.hex(), "blockNumber": "0x10"}


def local_log(name: str, key: bytes, account: str, data: bytes) -> dict[str, Any]:
    topics = [
        _topic(LOCAL_EVENTS.event_topic(name)),
        _topic(key),
        _topic(bytes.fromhex(account[2:])),
    ]
    return {"address": EMITTER, "topics": topics, "data": "0x" + data.hex(), "blockNumber": 17}


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


def test_local_typed_events_decode_alike() -> None:
    data = abi_encode(["string", "bytes"], ["USER_INITIATED_CANCEL", b""])
    [event] = decode_order_events([local_log("OrderCancelled", KEY, ACCOUNT, data)], EMITTER)
    assert (event.kind, event.key, event.reason) == (
        OrderEventKind.CANCELLED,
        KEY_HEX,
        "USER_INITIATED_CANCEL",
    )


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
    [log_filter, _] = tracker.log_filters()
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
