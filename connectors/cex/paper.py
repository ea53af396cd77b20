"""A paper book over a real exchange, for dry runs.

Reads go to the real venue; orders are filled on paper against the venue's current
order book (walking the levels up to the limit price), never sent. The venue's
snapshot is returned with the paper positions added, so the next tick sees the
effect of what the dry run "did".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from agent.errors import RejectedError
from agent.model import Instrument, Kind, Position, Side, VenueSnapshot
from agent.ports import LastLook, OrderRequest, OrderState, take_last_look
from connectors.cex.venue import CcxtVenue


@dataclass(frozen=True)
class PaperFill:
    client_order_id: str
    symbol: str
    side: Side
    quantity: float
    average_price: float


def walk_book(
    levels: Sequence[Sequence[float]], quantity: float, limit: float | None, side: Side
) -> tuple[float, float]:
    """(filled quantity, average price) taking ``levels`` up to ``limit``."""
    filled = cost = 0.0
    for price, size, *_ in levels:
        if limit is not None and (
            (side is Side.BUY and price > limit) or (side is Side.SELL and price < limit)
        ):
            break
        take = min(size, quantity - filled)
        filled += take
        cost += take * price
        if filled >= quantity:
            break
    return filled, (cost / filled if filled else 0.0)


class PaperVenue:
    """``Venue`` and ``OrderVenue`` over a real ccxt venue: real reads, paper fills."""

    def __init__(self, venue: CcxtVenue) -> None:
        self.venue = venue
        self.fills: list[PaperFill] = []
        self._orders: dict[str, OrderState] = {}
        self._positions: dict[str, float] = {}

    @property
    def name(self) -> str:
        return self.venue.name

    async def snapshot(self) -> VenueSnapshot:
        real = await self.venue.snapshot()
        extra = [self._position(symbol, qty) for symbol, qty in self._positions.items() if qty]
        return replace(real, positions=(*real.positions, *extra))

    def _position(self, symbol: str, quantity: float) -> Position:
        market = self.venue.exchange.market(symbol)
        kind = (
            Kind.PERP if market.get("swap") else Kind.FUTURE if market.get("future") else Kind.SPOT
        )
        instrument = Instrument(self.name, symbol, str(market["base"]), kind)
        return Position(instrument, quantity, position_id="paper")

    async def place_order(
        self, order: OrderRequest, *, last_look: LastLook | None = None
    ) -> OrderState:
        if order.client_order_id in self._orders:
            return self._orders[order.client_order_id]
        book = await self.venue.exchange.fetch_order_book(order.symbol)
        levels = book["asks"] if order.side is Side.BUY else book["bids"]
        amount, price = await self.venue.order_amount(order)  # the book is in venue units
        take_last_look(last_look, self.name, order.client_order_id)
        filled_amount, average = walk_book(levels, amount, order.limit_price, order.side)
        units = self.venue.units(order.symbol)
        filled = units.coin(filled_amount, price or average) if filled_amount else 0.0
        if filled <= 0:
            raise RejectedError(
                f"paper: nothing on {order.symbol}'s book within {order.limit_price}"
            )
        sign = 1.0 if order.side is Side.BUY else -1.0
        self._positions[order.symbol] = self._positions.get(order.symbol, 0.0) + sign * filled
        self.fills.append(
            PaperFill(order.client_order_id, order.symbol, order.side, filled, average)
        )
        state = OrderState(
            order.client_order_id,
            f"paper-{len(self.fills)}",
            order.symbol,
            "closed",
            filled,
            average,
        )
        self._orders[order.client_order_id] = state
        return state

    async def find_order(self, client_order_id: str, symbol: str) -> OrderState | None:
        return self._orders.get(client_order_id)

    async def cancel_order(self, client_order_id: str, symbol: str) -> OrderState:
        state = self._orders.get(client_order_id)
        if state is None:
            raise RejectedError(f"paper: no order {client_order_id}")
        return state

    async def open_orders(self) -> Sequence[OrderState]:
        return []
