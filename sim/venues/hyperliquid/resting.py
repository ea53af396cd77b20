"""Resting orders that the market, not the user, ends: reduce-only and trigger orders.

Hyperliquid's documentation (Order types):

- a reduce-only order only reduces a position; when its position closes or flips, a
  resting reduce-only order that would now open one is cancelled
  (status ``reduceOnlyCanceled``), never filled into a new position;
- a trigger order (stop loss ``sl``, take profit ``tp``) rests untriggered until the mark
  crosses ``triggerPx`` (a sell stop at or below it, a buy stop at or above; take profit
  the other way); then a market trigger executes at once against the book with at most
  10% slippage, and a limit trigger becomes a resting limit order at its ``limitPx``.
  Untriggered, it is listed with ``isTrigger`` true and never fills.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.venues.hyperliquid.records import User

if TYPE_CHECKING:
    from sim.venues.hyperliquid.clearinghouse import Clearinghouse

MARKET_TRIGGER_SLIPPAGE = 0.10


def cancel_stale_reduce_only(house: Clearinghouse, user: User) -> None:
    """Cancel resting reduce-only orders that could no longer reduce their position."""
    for order in house.open_orders(user):
        if not order.reduce_only:
            continue
        held = user.positions[order.asset.name].szi if order.asset.name in user.positions else 0
        if held == 0 or (held > 0) == order.is_buy:
            order.status, order.status_timestamp = "reduceOnlyCanceled", house.now_ms


def fire_triggers(house: Clearinghouse, user: User) -> None:
    """Trigger the orders whose condition the mark now meets."""
    for order in house.open_orders(user):
        trigger = order.trigger
        if trigger is None:
            continue
        mark = house.oracle(order.asset.name)
        rising = (trigger.tpsl == "sl") == order.is_buy  # buy stop / sell take-profit
        if (mark < trigger.price) if rising else (mark > trigger.price):
            continue
        order.trigger = None
        slippage = MARKET_TRIGGER_SLIPPAGE if order.is_buy else -MARKET_TRIGGER_SLIPPAGE
        house.take(user, order, mark * (1 + slippage) if trigger.is_market else order.limit_px)
        if trigger.is_market and order.status == "open":  # what the book did not fill
            order.status, order.status_timestamp = "canceled", house.now_ms
