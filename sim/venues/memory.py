"""An exchange that lives in memory, for tests of whatever sits above the venue ports.

It passes the same port contract suite as the ccxt venues: orders are idempotent per
client id, a limit order that crosses the current price fills at once (at the limit
price), one that does not rests until ``set_price`` moves the market through it (IOC
orders are cancelled instead), and positions are in coin units at the fill prices.
A fill costs ``fee_rate`` of its notional.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from agent.errors import RejectedError
from agent.model import Instrument, Position, Quote, Side, VenueSnapshot
from agent.ports import LastLook, OrderRequest, OrderState, take_last_look


@dataclass(slots=True)
class _Book:
    request: OrderRequest
    state: OrderState


class InMemoryOrderVenue:
    """Implements ``Venue`` and ``OrderVenue`` over dictionaries.

    ``instruments`` maps symbols to instruments; ``prices`` gives each symbol's price
    (USD per coin). Quantities are in coin units.
    """

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        prices: Mapping[str, float],
        *,
        name: str = "memory",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        fee_rate: float = 0.0,
    ) -> None:
        self._name = name
        self.fee_rate = fee_rate
        self._now = now
        self.instruments = dict(instruments)
        self.prices = dict(prices)
        self.orders: dict[str, _Book] = {}
        self.positions: dict[str, float] = {}
        self._sequence = 0

    @property
    def name(self) -> str:
        return self._name

    async def snapshot(self) -> VenueSnapshot:
        positions = tuple(
            Position(self.instruments[symbol], quantity, mark_price=self.prices[symbol])
            for symbol, quantity in self.positions.items()
            if quantity
        )
        quotes = tuple(Quote(s, p, p, mark=p) for s, p in self.prices.items())
        return VenueSnapshot(
            venue=self._name,
            observed_at=self._now(),
            positions=positions,
            marks=dict(self.prices),
            quotes=quotes,
        )

    async def place_order(
        self, order: OrderRequest, *, last_look: LastLook | None = None
    ) -> OrderState:
        existing = self.orders.get(order.client_order_id)
        if existing is not None:
            return existing.state
        take_last_look(last_look, self._name, order.client_order_id)
        if order.symbol not in self.instruments:
            raise RejectedError(f"{self._name}: unknown symbol {order.symbol}")
        if order.quantity <= 0:
            raise RejectedError(f"{self._name}: quantity must be positive")
        self._sequence += 1
        state = OrderState(
            order.client_order_id, str(self._sequence), order.symbol, "open", 0.0, None
        )
        book = _Book(order, state)
        self.orders[order.client_order_id] = book
        if not self._try_fill(book) and order.time_in_force.upper() in ("IOC", "FOK"):
            book.state = replace(book.state, status="canceled")
        return book.state

    def _crosses(self, order: OrderRequest) -> bool:
        price = self.prices[order.symbol]
        if order.limit_price is None:
            return True
        return price <= order.limit_price if order.side is Side.BUY else price >= order.limit_price

    def _try_fill(self, book: _Book) -> bool:
        order = book.request
        if not self._crosses(order):
            return False
        price = order.limit_price if order.limit_price is not None else self.prices[order.symbol]
        signed = order.quantity if order.side is Side.BUY else -order.quantity
        self.positions[order.symbol] = self.positions.get(order.symbol, 0.0) + signed
        book.state = replace(
            book.state,
            status="closed",
            filled_quantity=order.quantity,
            average_price=price,
            fee_usd=order.quantity * price * self.fee_rate,
        )
        return True

    def set_price(self, symbol: str, price: float) -> None:
        """Move one market; resting orders it crosses fill."""
        self.prices[symbol] = price
        for book in self.orders.values():
            if book.state.status == "open" and book.request.symbol == symbol:
                self._try_fill(book)

    async def find_order(self, client_order_id: str, symbol: str) -> OrderState | None:
        book = self.orders.get(client_order_id)
        return book.state if book is not None else None

    async def cancel_order(self, client_order_id: str, symbol: str) -> OrderState:
        book = self.orders.get(client_order_id)
        if book is None:
            raise RejectedError(f"{self._name}: no order with client id {client_order_id}")
        if book.state.status == "open":
            book.state = replace(book.state, status="canceled")
        return book.state

    async def open_orders(self) -> Sequence[OrderState]:
        return [book.state for book in self.orders.values() if book.state.status == "open"]
