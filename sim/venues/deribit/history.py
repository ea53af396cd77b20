"""What the simulated Deribit remembers of past orders, and for how long.

Deribit's API reference (2.1.1):

- ``private/get_order_state_by_label`` "retrieves the state of recent orders that have a
  specific label". How recent is not published; here an order that is no longer open is
  forgotten by label ``LABEL_MEMORY_MS`` after its last update (open orders always show),
  the window of "recent records" below. A client that lost a reply must look further.
- ``private/get_order_history_by_currency`` and ``private/get_user_trades_by_currency``,
  ``historical``: "false (default): Returns recent records: orders for 30 min, trades for
  24h. true: Fetches historical records ... Recent data is not included."
  ``include_unfilled``: "Include in result fully unfilled closed orders, default false";
  ``include_old``: "Include in result orders older than 2 days, default false";
  ``count``: orders default 20, trades default 10, maximum 1000 each; ``offset`` pages
  orders. The order history holds orders that are no longer open, newest first; the
  trades reply is ``{"trades": [...], "has_more": bool}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.venues.deribit.exchange import Account, DeribitExchange
from sim.venues.deribit.orders import Order, Trade

RECENT_ORDERS_MS = 30 * 60_000
RECENT_TRADES_MS = 24 * 3_600_000
OLD_ORDERS_MS = 2 * 86_400_000
LABEL_MEMORY_MS = RECENT_ORDERS_MS
MAX_COUNT = 1000


def _flag(params: Mapping[str, Any], name: str) -> bool:
    return str(params.get(name, "false")).lower() == "true"


def _count(params: Mapping[str, Any], default: int) -> int:
    return max(1, min(int(str(params.get("count", default))), MAX_COUNT))


def _kind_matches(params: Mapping[str, Any], kind: str) -> bool:
    return params.get("kind") in (None, "any", kind)


def _last_update(order: Order) -> int:
    return order.updated_ms or order.created_ms


def by_label(exchange: DeribitExchange, account: Account, currency: str, label: str) -> list[Order]:
    """``get_order_state_by_label``: open orders, and closed ones still recent."""
    return [
        order
        for order in exchange.labelled(account, currency, label)
        if order.state == "open" or exchange.now_ms - _last_update(order) <= LABEL_MEMORY_MS
    ]


def order_history(
    exchange: DeribitExchange, account: Account, currency: str, params: Mapping[str, Any]
) -> list[dict[str, object]]:
    """``get_order_history_by_currency``: orders no longer open, newest first."""
    historical = _flag(params, "historical")
    chosen = []
    for order in account.orders.values():
        age = exchange.now_ms - _last_update(order)
        if order.state == "open" or order.instrument.settle != currency:
            continue
        if (age > RECENT_ORDERS_MS) != historical or not _kind_matches(
            params, order.instrument.kind
        ):
            continue
        if order.filled == 0 and not _flag(params, "include_unfilled"):
            continue
        if age > OLD_ORDERS_MS and not _flag(params, "include_old"):
            continue
        chosen.append(order)
    chosen.sort(key=_last_update, reverse=True)
    offset = int(str(params.get("offset", 0)))
    return [order.to_json() for order in chosen[offset : offset + _count(params, 20)]]


def user_trades(
    exchange: DeribitExchange, account: Account, currency: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    """``get_user_trades_by_currency``: the latest trades first (``sorting`` asc for
    oldest first)."""
    historical = _flag(params, "historical")
    chosen: list[Trade] = [
        trade
        for trade in account.trades
        if trade.order.instrument.settle == currency
        and _kind_matches(params, trade.order.instrument.kind)
        and (exchange.now_ms - trade.timestamp_ms > RECENT_TRADES_MS) == historical
    ]
    chosen.sort(key=lambda trade: trade.trade_seq, reverse=params.get("sorting") != "asc")
    count = _count(params, 10)
    return {"trades": [t.to_json() for t in chosen[:count]], "has_more": len(chosen) > count}
