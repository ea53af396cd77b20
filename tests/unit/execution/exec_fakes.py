"""A manual clock and an in-memory OrderVenue with the faults of RELIABILITY rows 12-16.

``OrderVenueHarness`` is what the order tests use: the fake implements it directly;
the venue simulators (built elsewhere) can implement it through their fault API, so
the same tests then run against them.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from agent.errors import OutcomeUnknown, RejectedError, TransientError
from agent.model import Side
from agent.ports import LastLook, OrderRequest, OrderState, OrderVenue, take_last_look


class ManualClock:
    """Time moves only when something sleeps (instantly) or a test advances it."""

    def __init__(self, start: datetime = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) -> None:
        self._now = start
        self._monotonic = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)


class OrderVenueHarness(Protocol):
    """An order venue plus the faults the tests inject and the truth they check."""

    @property
    def venue(self) -> OrderVenue: ...

    def drop_next_reply(self) -> None:
        """Accept the next order but lose the reply (OutcomeUnknown)."""

    def unreachable_for_next_place(self) -> None:
        """Fail the next placement before it reaches the venue (TransientError)."""

    def hide_orders_for(self, seconds: float) -> None:
        """Answer "not found" to lookups for ``seconds`` of venue time."""

    def fail_next_cancels(self, count: int) -> None: ...

    def rest_orders(self) -> None:
        """Leave new orders open instead of filling them at once."""

    def add_foreign_order(self, symbol: str) -> None:
        """An open order placed by someone else on the account."""

    def accepted(self) -> Sequence[tuple[float, OrderRequest]]:
        """Every order the venue accepted, with the clock's monotonic time."""
        ...

    def position(self, symbol: str) -> float: ...


@dataclass
class FakeOrderVenue:
    """Fills IOC orders at their limit price at once (unless told to rest them)."""

    clock: ManualClock
    orders: dict[str, OrderState] = field(default_factory=dict)
    log: list[tuple[float, OrderRequest]] = field(default_factory=list)
    place_calls: int = 0
    _drop: int = 0
    _unreachable: int = 0
    _hidden_until: float = 0.0
    _failing_cancels: int = 0
    _rest: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- OrderVenue ------------------------------------------------------------------

    async def place_order(
        self, order: OrderRequest, *, last_look: LastLook | None = None
    ) -> OrderState:
        self.place_calls += 1
        if self._unreachable:
            self._unreachable -= 1
            raise TransientError("connection refused")
        if order.client_order_id in self.orders:
            raise RejectedError(f"duplicate client order id {order.client_order_id}")
        take_last_look(last_look, "fake", order.client_order_id)
        filled = 0.0 if self._rest else order.quantity
        state = OrderState(
            client_order_id=order.client_order_id,
            venue_order_id=str(next(self._ids)),
            symbol=order.symbol,
            status="open" if self._rest else "closed",
            filled_quantity=filled,
            average_price=order.limit_price if filled else None,
        )
        self.orders[order.client_order_id] = state
        self.log.append((self.clock.monotonic(), order))
        if self._drop:
            self._drop -= 1
            raise OutcomeUnknown("reply lost")
        return state

    async def find_order(self, client_order_id: str, symbol: str) -> OrderState | None:
        if self.clock.monotonic() < self._hidden_until:
            return None
        return self.orders.get(client_order_id)

    async def cancel_order(self, client_order_id: str, symbol: str) -> OrderState:
        if self._failing_cancels:
            self._failing_cancels -= 1
            raise TransientError("cancel timed out")
        state = self.orders.get(client_order_id)
        if state is None:
            raise RejectedError("order not found")
        cancelled = replace(state, status="canceled")
        self.orders[client_order_id] = cancelled
        return cancelled

    async def open_orders(self) -> Sequence[OrderState]:
        return [o for o in self.orders.values() if o.status == "open"]

    # --- OrderVenueHarness -----------------------------------------------------------

    @property
    def venue(self) -> OrderVenue:
        return self

    def drop_next_reply(self) -> None:
        self._drop += 1

    def unreachable_for_next_place(self) -> None:
        self._unreachable += 1

    def hide_orders_for(self, seconds: float) -> None:
        self._hidden_until = self.clock.monotonic() + seconds

    def fail_next_cancels(self, count: int) -> None:
        self._failing_cancels += count

    def rest_orders(self) -> None:
        self._rest = True

    def add_foreign_order(self, symbol: str) -> None:
        ident = f"foreign-{next(self._ids)}"
        self.orders[ident] = OrderState(ident, ident, symbol, "open", 0.0, None)

    def accepted(self) -> Sequence[tuple[float, OrderRequest]]:
        return list(self.log)

    def position(self, symbol: str) -> float:
        total = 0.0
        for _, order in self.log:
            state = self.orders[order.client_order_id]
            sign = 1.0 if order.side is Side.BUY else -1.0
            total += sign * state.filled_quantity if state.symbol == symbol else 0.0
        return total
