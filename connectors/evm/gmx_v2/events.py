"""GMX v2 order events and errors, decoded from raw logs and revert data (sans-I/O).

The real EventEmitter logs ``EventLog2(msgSender, eventName, eventNameHash, topic1=key,
topic2=account, eventData)``; the local world logs typed events of the same names
(``OrderCreated(key, account, order)`` ...), a documented deviation of its contracts.
Both decode to one ``OrderEvent``, so the connector reads either chain unchanged.
Cancellation reasons are the contract's revert data: a custom error of Errors.sol,
decoded to ``Name(arg=value, ...)``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from connectors.evm.abi import ContractAbi

REAL_EVENTS = ContractAbi.load("IGmxV2EventEmitter")
LOCAL_EVENTS = ContractAbi.load("IGmxV2LocalEvents")
ERRORS = ContractAbi.load("IGmxV2Errors")


class OrderEventKind(enum.StrEnum):
    CREATED = "OrderCreated"
    EXECUTED = "OrderExecuted"
    CANCELLED = "OrderCancelled"


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One order lifecycle event. ``key`` is the 0x-hex order key; ``reason`` is the
    decoded cancellation reason (empty otherwise)."""

    kind: OrderEventKind
    key: str
    account: str
    block_number: int | None = None
    transaction_hash: str | None = None
    reason: str = ""


def event_name_hash(name: str) -> str:
    """topic1 of a real EventLog1/EventLog2: the keccak of the indexed event name."""
    return "0x" + keccak(text=name).hex()


EVENT_LOG2_TOPIC = "0x" + REAL_EVENTS.event_topic("EventLog2").hex()
LOCAL_TOPICS = {"0x" + LOCAL_EVENTS.event_topic(kind.value).hex(): kind for kind in OrderEventKind}
REAL_NAME_HASHES = {event_name_hash(kind.value): kind for kind in OrderEventKind}


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


def decode_order_events(logs: Iterable[Mapping[str, Any]], event_emitter: str) -> list[OrderEvent]:
    """Every order event of ``event_emitter`` in ``logs`` (a receipt's or eth_getLogs')."""
    events = []
    for log in logs:
        if str(log.get("address", "")).lower() != event_emitter.lower():
            continue
        event = _decode_one(log)
        if event is not None:
            events.append(event)
    return events


def _decode_one(log: Mapping[str, Any]) -> OrderEvent | None:
    topics: Sequence[Any] = log.get("topics", [])
    if not topics:
        return None
    topic0 = _hex(topics[0])
    block = log.get("blockNumber")
    transaction = log.get("transactionHash")
    where = _Where(
        int(block, 16) if isinstance(block, str) else block,
        _hex(transaction) if transaction is not None else None,
    )
    if topic0 in LOCAL_TOPICS:
        decoded = LOCAL_EVENTS.decode_log(log)
        if decoded is None:
            return None
        name, args = decoded
        reason = ""
        if name == OrderEventKind.CANCELLED:
            reason = args["reason"] or describe_error(args["reasonBytes"])
        return OrderEvent(
            OrderEventKind(name),
            _hex(args["key"]),
            to_checksum_address(args["account"]),
            block_number=where.block_number,
            transaction_hash=where.transaction_hash,
            reason=reason,
        )
    if topic0 == EVENT_LOG2_TOPIC and len(topics) >= 4 and _hex(topics[1]) in REAL_NAME_HASHES:
        return _decode_real(log, REAL_NAME_HASHES[_hex(topics[1])], where)
    return None


@dataclass(frozen=True, slots=True)
class _Where:
    block_number: int | None
    transaction_hash: str | None


def _decode_real(log: Mapping[str, Any], kind: OrderEventKind, where: _Where) -> OrderEvent | None:
    decoded = REAL_EVENTS.decode_log(log)
    if decoded is None:
        return None
    _, args = decoded
    reason = ""
    if kind is OrderEventKind.CANCELLED:
        data = args["eventData"]
        strings = {key: value for key, value in data[6][0]}  # stringItems.items
        raw = {key: value for key, value in data[5][0]}  # bytesItems.items
        reason = strings.get("reason") or describe_error(raw.get("reasonBytes", b""))
    account = "0x" + bytes(args["topic2"])[-20:].hex()
    return OrderEvent(
        kind,
        _hex(args["topic1"]),
        to_checksum_address(account),
        block_number=where.block_number,
        transaction_hash=where.transaction_hash,
        reason=reason,
    )


def order_log_filters(
    event_emitter: str, keys: Sequence[str], from_block: int, to_block: int | str = "latest"
) -> list[dict[str, Any]]:
    """eth_getLogs filters for the outcomes (executed, cancelled) of orders ``keys``:
    one for the real EventLog2 records, one for the local world's typed events."""
    block_range = {
        "address": event_emitter,
        "fromBlock": hex(from_block),
        "toBlock": to_block if isinstance(to_block, str) else hex(to_block),
    }
    outcomes = (OrderEventKind.EXECUTED, OrderEventKind.CANCELLED)
    local = [t for t, kind in LOCAL_TOPICS.items() if kind in outcomes]
    real = [event_name_hash(kind.value) for kind in outcomes]
    return [
        {**block_range, "topics": [EVENT_LOG2_TOPIC, real, list(keys)]},
        {**block_range, "topics": [local, list(keys)]},
    ]
