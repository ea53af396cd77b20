"""Tracking GMX v2 orders from creation to execution or cancellation.

A GMX order takes two steps: the user's transaction creates it (``OrderCreated``), and a
keeper later executes it at the oracle price or cancels it (``OrderExecuted`` /
``OrderCancelled`` with a reason, e.g. acceptablePrice not met); a limit-type order that
fails is frozen instead (``OrderFrozen``) and stays in the store. Both outcomes remove the
order from the store, so disappearance alone says nothing about the fill: an order that
vanished is RESOLVING until its outcome log is read, and is never reported as filled
without an ``OrderExecuted`` event.

``OrderTracker`` is sans-I/O: feed it receipts (``track_receipt``), each snapshot's pending
orders (``observe_pending``, which the connector does in ``decode``) and outcome logs
(``apply_logs``); ``log_filters`` says what to fetch; ``drain`` hands every state change
since the last drain to whoever reports them (journal, operator). ``resolve_orders`` is the thin I/O
step that runs those filters through any object with an async JSON-RPC ``request``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from connectors.evm.gmx_v2.events import (
    OrderEvent,
    OrderEventKind,
    decode_order_events,
    order_log_filters,
)


class OrderStatus(enum.StrEnum):
    CREATED = "created"  # in the store, waiting for a keeper
    PENDING_TOO_LONG = "pending_too_long"  # still in the store after ``max_pending_s``
    FROZEN = "frozen"  # OrderFrozen seen: still in the store, not executable until updated
    RESOLVING = "resolving"  # gone from the store; its outcome log not read yet
    EXECUTED = "executed"  # OrderExecuted seen
    CANCELLED = "cancelled"  # OrderCancelled seen (``reason`` says why)

    @property
    def final(self) -> bool:
        return self in (OrderStatus.EXECUTED, OrderStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class PendingOrder:
    """What the store says about a pending order (Reader.getAccountOrders).

    ``size_delta_usd`` in USD (GMX's 1e30 scale removed); ``acceptable_price`` as stored
    (USD * 1e30 per smallest unit of the index token); ``updated_at`` chain time.
    """

    key: str
    market: str
    order_type: int
    is_long: bool
    size_delta_usd: float
    acceptable_price: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class TrackedOrder:
    """One order's latest known state. Times are chain time (unix seconds)."""

    key: str
    status: OrderStatus
    first_seen_block: int
    created_at: int | None = None
    order: PendingOrder | None = None
    reason: str = ""
    outcome_block: int | None = None
    outcome_transaction: str | None = None


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """A state change of one order, for the journal and the operator."""

    order: TrackedOrder
    previous: OrderStatus | None


class OrderTracker:
    """Every order of one account on one GMX deployment, by key (0x-hex)."""

    def __init__(self, *, account: str, event_emitter: str, max_pending_s: int = 120) -> None:
        self.account = account
        self.event_emitter = event_emitter
        self.max_pending_s = max_pending_s
        self.orders: dict[str, TrackedOrder] = {}
        self._updates: list[OrderUpdate] = []

    # --- inputs -----------------------------------------------------------------------

    def track_receipt(self, receipt: Mapping[str, Any]) -> list[OrderUpdate]:
        """Orders created (and possibly resolved) by a mined transaction of ours."""
        mark = len(self._updates)
        block = receipt.get("blockNumber", 0)
        block_number = int(block, 16) if isinstance(block, str) else int(block)
        events = decode_order_events(receipt.get("logs", []), self.event_emitter)
        for event in events:
            ours = (
                event.kind is OrderEventKind.CREATED
                and event.account.lower() == self.account.lower()
            )
            if ours and event.key not in self.orders:
                self._set(TrackedOrder(event.key, OrderStatus.CREATED, block_number))
        self.apply_events(events)
        return self._updates[mark:]

    def observe_pending(
        self, block_number: int, block_time: int, pending: Sequence[PendingOrder]
    ) -> list[OrderUpdate]:
        """Reconcile with the store's pending orders read at ``block_number``."""
        mark = len(self._updates)
        in_store = {order.key: order for order in pending}
        for key, order in in_store.items():
            known = self.orders.get(key)
            if known is None or known.status.final:
                known = TrackedOrder(key, OrderStatus.CREATED, block_number)
            status = OrderStatus.CREATED
            if known.status is OrderStatus.FROZEN:
                status = OrderStatus.FROZEN  # a frozen order waits for its owner, not a keeper
            elif block_time - order.updated_at > self.max_pending_s:
                status = OrderStatus.PENDING_TOO_LONG
            self._set(replace(known, status=status, order=order, created_at=order.updated_at))
        for key, known in list(self.orders.items()):
            waiting = known.status in (
                OrderStatus.CREATED,
                OrderStatus.PENDING_TOO_LONG,
                OrderStatus.FROZEN,
            )
            if waiting and key not in in_store and known.first_seen_block <= block_number:
                self._set(replace(known, status=OrderStatus.RESOLVING))
        return self._updates[mark:]

    def apply_events(self, events: Iterable[OrderEvent]) -> list[OrderUpdate]:
        """Outcome events (from receipts or logs); events of other orders are ignored."""
        mark = len(self._updates)
        for event in events:
            known = self.orders.get(event.key)
            if known is None or known.status.final:
                continue
            if event.kind is OrderEventKind.EXECUTED:
                status = OrderStatus.EXECUTED
            elif event.kind is OrderEventKind.CANCELLED:
                status = OrderStatus.CANCELLED
            elif event.kind is OrderEventKind.FROZEN:
                status = OrderStatus.FROZEN
            else:
                continue
            self._set(
                replace(
                    known,
                    status=status,
                    reason=event.reason,
                    outcome_block=event.block_number,
                    outcome_transaction=event.transaction_hash,
                )
            )
        return self._updates[mark:]

    def apply_logs(self, logs: Iterable[Mapping[str, Any]]) -> list[OrderUpdate]:
        return self.apply_events(decode_order_events(logs, self.event_emitter))

    # --- outputs ----------------------------------------------------------------------

    def log_filters(self, to_block: int | str = "latest") -> list[dict[str, Any]]:
        """eth_getLogs filters that resolve every RESOLVING order (none if there are none)."""
        resolving = [o for o in self.orders.values() if o.status is OrderStatus.RESOLVING]
        if not resolving:
            return []
        start = min(o.first_seen_block for o in resolving)
        keys = [o.key for o in resolving]
        return order_log_filters(self.event_emitter, keys, start, to_block)

    def open_orders(self) -> list[TrackedOrder]:
        """Orders not known to be final: their exposure must stay reserved."""
        return [o for o in self.orders.values() if not o.status.final]

    def drain(self) -> list[OrderUpdate]:
        """Every state change since the last drain, in order (each input method also
        returns the changes it caused; the journal of changes is emptied only here)."""
        updates, self._updates = self._updates, []
        return updates

    def _set(self, order: TrackedOrder) -> None:
        previous = self.orders.get(order.key)
        self.orders[order.key] = order
        if previous is None or previous.status is not order.status:
            self._updates.append(OrderUpdate(order, previous.status if previous else None))


class JsonRpc(Protocol):
    async def request(self, method: str, params: Sequence[Any] = ()) -> Any: ...


async def resolve_orders(rpc: JsonRpc, tracker: OrderTracker) -> list[OrderUpdate]:
    """Fetch the outcome logs of RESOLVING orders and apply them (the only I/O here)."""
    updates: list[OrderUpdate] = []
    for log_filter in tracker.log_filters():
        logs = await rpc.request("eth_getLogs", [log_filter])
        updates += tracker.apply_logs(logs)
    return updates
