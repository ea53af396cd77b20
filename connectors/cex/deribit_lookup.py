"""Finding a Deribit order by its label, also after the venue stops showing it by label.

``private/get_order_state_by_label`` returns only *recent* orders (Deribit API reference
2.1.1: "Retrieves the state of recent orders that have a specific label"), so an order
whose reply was lost and that closed a while ago would otherwise stay OutcomeUnknown.
When the label finds nothing, the order history is searched, then the trade history
(both by currency, each first in its recent records, then in its historical ones:
"historical false (default): Returns recent records: orders for 30 min, trades for 24h.
true: Fetches historical records ... Recent data is not included."). The order history
is asked for unfilled closed orders and orders older than two days too
(``include_unfilled``, ``include_old``), up to ``count`` 1000, the maximum.

Trades carry the order's label and id; an order known only from its trades is reported
as no longer open (it was not among the open orders the label shows), ``cancelled`` with
what its trades filled: the executor compares that with the quantity it journaled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

_MAX_COUNT = 1000


async def labelled_orders(
    exchange: Any, currency: str, kind: str, label: str
) -> list[Mapping[str, Any]]:
    """Deribit order objects labelled ``label`` in ``currency`` (none: never placed, or
    older than every history the venue keeps)."""
    reply = await exchange.privateGetGetOrderStateByLabel({"currency": currency, "label": label})
    found = _labelled(reply.get("result") or [], label)
    if found:
        return found
    common = {"currency": currency, "kind": kind, "count": _MAX_COUNT}
    searches: tuple[tuple[Any, dict[str, Any], Callable[[Any], Any], Callable[..., Any]], ...] = (
        (
            exchange.privateGetGetOrderHistoryByCurrency,
            {**common, "include_unfilled": "true", "include_old": "true"},
            lambda result: result or [],
            list,
        ),
        (
            exchange.privateGetGetUserTradesByCurrency,
            {**common, "sorting": "desc"},
            lambda result: (result or {}).get("trades") or [],
            _orders_from_trades,
        ),
    )
    for method, params, rows_of, as_orders in searches:
        for historical in ("false", "true"):
            reply = await method({**params, "historical": historical})
            found = _labelled(rows_of(reply.get("result")), label)
            if found:
                return list(as_orders(found))
    return []


def _labelled(rows: Sequence[Mapping[str, Any]], label: str) -> list[Mapping[str, Any]]:
    return [row for row in rows if row.get("label") == label]


def _orders_from_trades(trades: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One order object per order id, from that order's trades."""
    by_order: dict[str, list[Mapping[str, Any]]] = {}
    for trade in trades:
        by_order.setdefault(str(trade["order_id"]), []).append(trade)
    return [_order_of(order_id, rows) for order_id, rows in sorted(by_order.items())]


def _order_of(order_id: str, trades: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    filled = sum(float(t["amount"]) for t in trades)
    average = sum(float(t["amount"]) * float(t["price"]) for t in trades) / filled
    first, last = min(t["timestamp"] for t in trades), max(t["timestamp"] for t in trades)
    return {
        "order_id": order_id,
        "label": trades[0]["label"],
        "instrument_name": trades[0]["instrument_name"],
        "direction": trades[0]["direction"],
        "order_type": trades[0].get("order_type", "limit"),
        "order_state": "cancelled",
        "amount": filled,
        "filled_amount": filled,
        "average_price": average,
        "price": average,
        "creation_timestamp": first,
        "last_update_timestamp": last,
    }
