"""GMX v2 order and position events and errors, decoded from raw logs and revert data (sans-I/O).

GMX's EventEmitter logs every event as ``EventLog1(msgSender, eventName, eventNameHash,
topic1, eventData)`` or ``EventLog2(..., topic1, topic2, eventData)`` where ``eventNameHash``
(topics[1]) is the keccak of the name and ``eventData`` a bag of named items
(gmx-synthetics v2.2 contracts/event/EventEmitter.sol and EventUtils.sol). The connector
decodes only the events it follows, with the release's names, topics and item keys:

- ``OrderCreated``, ``OrderExecuted``, ``OrderCancelled``, ``OrderFrozen``: EventLog2,
  topic1 = order key, topic2 = account (contracts/order/OrderEventUtils.sol);
- ``PositionIncrease``, ``PositionDecrease``: EventLog1, topic1 = account
  (contracts/position/PositionEventUtils.sol). A liquidation is a PositionDecrease of an
  order of type Liquidation (7): LiquidationUtils.createLiquidationOrder creates the order
  (OrderCreated) and it is executed like any decrease.

Cancellation and freeze reasons are the contract's revert data: a custom error of
Errors.sol, decoded to ``Name(arg=value, ...)``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from connectors.evm.abi import ContractAbi

EMITTER = ContractAbi.load("IGmxV2EventEmitter")
ERRORS = ContractAbi.load("IGmxV2Errors")

# Order.OrderType in gmx-synthetics v2.2 contracts/order/Order.sol: Liquidation is 7.
LIQUIDATION_ORDER_TYPE = 7
# EventUtils.EventLogData's groups, in struct order.
_GROUPS = ("address", "uint", "int", "bool", "bytes32", "bytes", "string")


class OrderEventKind(enum.StrEnum):
    CREATED = "OrderCreated"
    EXECUTED = "OrderExecuted"
    CANCELLED = "OrderCancelled"
    FROZEN = "OrderFrozen"


class PositionEventKind(enum.StrEnum):
    INCREASE = "PositionIncrease"
    DECREASE = "PositionDecrease"


def event_name_hash(name: str) -> str:
    """topic1 of an EventLog1/EventLog2 record: the keccak of the indexed event name."""
    return "0x" + keccak(text=name).hex()


EVENT_LOG1_TOPIC = "0x" + EMITTER.event_topic("EventLog1").hex()
EVENT_LOG2_TOPIC = "0x" + EMITTER.event_topic("EventLog2").hex()
ORDER_NAMES = {event_name_hash(kind.value): kind for kind in OrderEventKind}
POSITION_NAMES = {event_name_hash(kind.value): kind for kind in PositionEventKind}


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One EventLog1/EventLog2 record: its name, topics and items by key (an array item's
    value is a list). ``block_number`` and ``transaction_hash`` are the log's."""

    name: str
    topic1: str
    topic2: str | None
    items: Mapping[str, Any] = field(default_factory=dict)
    block_number: int | None = None
    transaction_hash: str | None = None


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One order lifecycle event. ``key`` is the 0x-hex order key; ``reason`` is the
    decoded cancellation or freeze reason (empty otherwise)."""

    kind: OrderEventKind
    key: str
    account: str
    block_number: int | None = None
    transaction_hash: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PositionEvent:
    """One position change. Amounts as logged: USD with 30 decimals, tokens in their smallest
    unit, prices in USD * 1e30 per smallest unit; ``size_in_usd`` is after the change."""

    kind: PositionEventKind
    account: str
    market: str
    collateral_token: str
    is_long: bool
    order_key: str
    position_key: str
    order_type: int
    size_delta_usd: int
    size_in_usd: int
    execution_price: int
    block_number: int | None = None
    transaction_hash: str | None = None

    @property
    def liquidation(self) -> bool:
        return self.order_type == LIQUIDATION_ORDER_TYPE


def describe_error(data: bytes) -> str:
    """A revert payload as ``Name(arg=value, ...)``; hex when the error is unknown."""
    if not data:
        return "no revert data"
    decoded = ERRORS.decode_error(data)
    if decoded is None:
        return f"unknown error 0x{bytes(data).hex()}"
    name, arguments = decoded
    if name == "Error":
        return str(arguments["value"])
    rendered = ", ".join(f"{key}={_render(value)}" for key, value in arguments.items())
    return f"{name}({rendered})"


def error_name(data: bytes) -> str | None:
    """The name of the custom error in a revert payload, if known."""
    decoded = ERRORS.decode_error(data)
    return decoded[0] if decoded else None


def _render(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def _hex(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value).lower()


def _items(event_data: Sequence[Any]) -> dict[str, Any]:
    """EventLogData's seven (items, arrayItems) groups, flattened by key."""
    items: dict[str, Any] = {}
    for group in event_data[: len(_GROUPS)]:
        single, arrays = group
        items.update({key: value for key, value in single})
        items.update({key: list(value) for key, value in arrays})
    return items


def decode_event_records(
    logs: Iterable[Mapping[str, Any]], event_emitter: str, names: Iterable[str] | None = None
) -> list[EventRecord]:
    """Every EventLog1/EventLog2 record of ``event_emitter`` in ``logs`` (those named in
    ``names`` only, when given), in log order."""
    wanted = None if names is None else {event_name_hash(name) for name in names}
    records = []
    for log in logs:
        if str(log.get("address", "")).lower() != event_emitter.lower():
            continue
        topics: Sequence[Any] = log.get("topics", [])
        if len(topics) < 3 or _hex(topics[0]) not in (EVENT_LOG1_TOPIC, EVENT_LOG2_TOPIC):
            continue
        if wanted is not None and _hex(topics[1]) not in wanted:
            continue
        decoded = EMITTER.decode_log(log)
        if decoded is None:
            continue
        _, args = decoded
        block, transaction = log.get("blockNumber"), log.get("transactionHash")
        records.append(
            EventRecord(
                name=str(args["eventName"]),
                topic1=_hex(args["topic1"]),
                topic2=_hex(args["topic2"]) if "topic2" in args else None,
                items=_items(args["eventData"]),
                block_number=int(block, 16) if isinstance(block, str) else block,
                transaction_hash=_hex(transaction) if transaction is not None else None,
            )
        )
    return records


def decode_order_events(logs: Iterable[Mapping[str, Any]], event_emitter: str) -> list[OrderEvent]:
    """Every order event of ``event_emitter`` in ``logs`` (a receipt's or eth_getLogs')."""
    events = []
    for record in decode_event_records(logs, event_emitter, (k.value for k in OrderEventKind)):
        kind = OrderEventKind(record.name)
        reason = ""
        if kind in (OrderEventKind.CANCELLED, OrderEventKind.FROZEN):
            reason = record.items.get("reason") or describe_error(
                record.items.get("reasonBytes", b"")
            )
        events.append(
            OrderEvent(
                kind,
                record.topic1,
                to_checksum_address(record.items["account"]),
                block_number=record.block_number,
                transaction_hash=record.transaction_hash,
                reason=reason,
            )
        )
    return events


def decode_position_events(
    logs: Iterable[Mapping[str, Any]], event_emitter: str
) -> list[PositionEvent]:
    """Every PositionIncrease and PositionDecrease (liquidations included) in ``logs``."""
    events = []
    for record in decode_event_records(logs, event_emitter, (k.value for k in PositionEventKind)):
        items = record.items
        events.append(
            PositionEvent(
                kind=PositionEventKind(record.name),
                account=to_checksum_address(items["account"]),
                market=to_checksum_address(items["market"]),
                collateral_token=to_checksum_address(items["collateralToken"]),
                is_long=bool(items["isLong"]),
                order_key=_hex(items["orderKey"]),
                position_key=_hex(items["positionKey"]),
                order_type=int(items["orderType"]),
                size_delta_usd=int(items["sizeDeltaUsd"]),
                size_in_usd=int(items["sizeInUsd"]),
                execution_price=int(items["executionPrice"]),
                block_number=record.block_number,
                transaction_hash=record.transaction_hash,
            )
        )
    return events


def order_log_filters(
    event_emitter: str, keys: Sequence[str], from_block: int, to_block: int | str = "latest"
) -> list[dict[str, Any]]:
    """The eth_getLogs filter for the outcomes (executed, cancelled) of orders ``keys``."""
    outcomes = (OrderEventKind.EXECUTED, OrderEventKind.CANCELLED)
    return [
        {
            "address": event_emitter,
            "fromBlock": hex(from_block),
            "toBlock": to_block if isinstance(to_block, str) else hex(to_block),
            "topics": [EVENT_LOG2_TOPIC, [event_name_hash(k.value) for k in outcomes], list(keys)],
        }
    ]


def liquidation_log_filter(
    event_emitter: str, account: str, from_block: int, to_block: int
) -> dict[str, Any]:
    """The eth_getLogs filter for ``account``'s PositionDecrease records between two blocks:
    EventLog1 with topic1 = account (PositionEventUtils.emitPositionDecrease, v2.2)."""
    account_topic = "0x" + account.lower().removeprefix("0x").rjust(64, "0")
    return {
        "address": event_emitter,
        "fromBlock": hex(from_block),
        "toBlock": hex(to_block),
        "topics": [EVENT_LOG1_TOPIC, event_name_hash(PositionEventKind.DECREASE), account_topic],
    }


def liquidation_evidence(
    logs: Iterable[Mapping[str, Any]], event_emitter: str, account: str
) -> list[str]:
    """Each of ``account``'s positions decreased by a Liquidation order (type 7) in ``logs``,
    as evidence: transaction, block, market, side, size taken (USD)."""
    found = []
    for event in decode_position_events(logs, event_emitter):
        if not event.liquidation or event.account.lower() != account.lower():
            continue
        side = "long" if event.is_long else "short"
        found.append(
            f"PositionDecrease (Liquidation order) tx {event.transaction_hash} block"
            f" {event.block_number}: {side} on market {event.market} reduced by"
            f" {event.size_delta_usd / 10**30:.2f} USD, {event.size_in_usd / 10**30:.2f} USD left"
        )
    return found
