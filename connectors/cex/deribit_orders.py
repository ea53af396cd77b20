"""Deribit's orders through ccxt: placing, finding by label, cancelling, listing, and
the fees and liquidations of our trades (the read side is ``deribit.py``).

Orders carry the client id as Deribit's ``label`` (at most 64 characters) and are found
by label, and after the venue forgets the label in its order and trade history
(``deribit_lookup.py``). Fees are in the settlement currency (Deribit API 2.1.1
reference), converted to USD at the index the reads learnt (``_usd_per``), or at the
fill price for an inverse future.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

import ccxt.async_support as ccxt
import structlog

from agent.errors import InvariantViolation
from agent.model import Side
from agent.ports import OrderRequest, OrderState
from connectors.cex.deribit_lookup import labelled_orders
from connectors.cex.liquidations import deribit_liquidations
from connectors.cex.markets import number, price_on_tick
from connectors.cex.units import OrderUnits, deribit_units
from connectors.cex.venue import CcxtVenue, together

_log = structlog.get_logger("connectors.cex.deribit")


class DeribitOrders(CcxtVenue):
    """The order side of a Deribit account; ``DeribitVenue`` adds the reads."""

    currencies: tuple[str, ...]
    _indices: dict[str, float]  # coin -> USD index, learnt from each snapshot

    def _usd_per(self, currency: str) -> float:
        """USD value of one unit of ``currency`` (index; 1 for USDC)."""
        return self._indices.get(currency, 0.0)

    def units(self, symbol: str) -> OrderUnits:
        return deribit_units(self.exchange.market(symbol))

    def _state(self, raw: Mapping[str, Any], client_order_id: str) -> OrderState:
        filled_amount = number(raw.get("filled"), 0.0) or 0.0
        average = number(raw.get("average")) if filled_amount else None
        filled = self.filled_coin(str(raw["symbol"]), filled_amount, client_order_id, average)
        fee = number((raw.get("fee") or {}).get("cost"), 0.0) or 0.0
        return OrderState(
            client_order_id=client_order_id,
            venue_order_id=None if raw.get("id") is None else str(raw["id"]),
            symbol=str(raw["symbol"]),
            status=self.status_of(raw.get("status")),
            filled_quantity=filled,
            average_price=average,
            fee_usd=fee * self._fee_usd_per(str(raw["symbol"]), average),
        )

    def _fee_usd_per(self, symbol: str, average: float | None) -> float:
        """USD per unit of the fee currency (the settlement currency)."""
        market = self.exchange.market(symbol)
        if not market.get("option") and market.get("inverse") and average:
            return average
        return self._usd_per(str(market["settle"]))

    async def liquidations(self, since_ms: int, until_ms: int) -> list[str]:
        """Evidence of our trades from ``since_ms`` to ``until_ms`` that liquidated us, per
        currency (``private/get_user_trades_by_currency`` with start and end timestamps,
        at most 1000 a call: Deribit API 2.1.1 reference)."""
        window = {"start_timestamp": since_ms, "end_timestamp": until_ms, "count": 1000}
        method = self.exchange.privateGetGetUserTradesByCurrency
        replies = await together(
            *(
                self._read(f"user_trades.{code}", bind(method, {"currency": code, **window}))
                for code in self.currencies
            )
        )
        trades = [t for reply in replies for t in (reply.get("result") or {}).get("trades") or []]
        return deribit_liquidations(trades, since_ms, until_ms)

    async def _with_fees(self, state: OrderState) -> OrderState:
        """``state`` with its fees from its trades: Deribit's order object carries none
        (API reference 2.1.1; fees are each trade's ``fee`` in ``fee_currency``)."""
        if state.filled_quantity <= 0 or state.fee_usd > 0 or state.venue_order_id is None:
            return state
        try:
            reply = await self.exchange.privateGetGetUserTradesByOrder(
                {"order_id": state.venue_order_id}
            )
        except ccxt.BaseError as error:  # the order stands; only its cost is unknown
            _log.warning(
                "order_fees_unknown", venue=self.name, client_order_id=state.client_order_id,
                error=f"{type(error).__name__}: {error}",
            )  # fmt: skip
            return state
        fee = sum(number(t.get("fee"), 0.0) or 0.0 for t in reply.get("result") or [])
        return replace(state, fee_usd=fee * self._fee_usd_per(state.symbol, state.average_price))

    async def _submit(self, order: OrderRequest, amount: float) -> OrderState:
        params: dict[str, Any] = {
            "label": order.client_order_id,
            "timeInForce": order.time_in_force,
        }
        if order.reduce_only:
            params["reduceOnly"] = True
        kind = "market" if order.limit_price is None else "limit"
        price = order.limit_price
        if price is not None:
            market = self.exchange.market(order.symbol)
            price = price_on_tick(market, price, buy=order.side is Side.BUY)
        raw = await self.exchange.create_order(
            order.symbol, kind, order.side.value, amount, price, params
        )
        return await self._with_fees(self._state(raw, order.client_order_id))

    async def _lookup(self, client_order_id: str, symbol: str) -> OrderState | None:
        market = self.exchange.market(symbol)
        kind = "option" if market.get("option") else "future"
        orders = await labelled_orders(self.exchange, market["settle"], kind, client_order_id)
        if not orders:
            return None
        if len(orders) > 1:
            ids = sorted(str(o.get("order_id")) for o in orders)
            raise InvariantViolation(
                f"{self.name}: {len(orders)} orders share client id {client_order_id}: {ids}"
            )
        return await self._with_fees(
            self._state(self.exchange.parse_order(orders[0]), client_order_id)
        )

    async def _cancel(self, state: OrderState) -> None:
        await self.exchange.cancel_order(state.venue_order_id, state.symbol)

    async def _list_open(self) -> list[OrderState]:
        replies = await together(
            *(
                self.exchange.privateGetGetOpenOrdersByCurrency({"currency": code})
                for code in self.currencies
            )
        )
        found = []
        for reply in replies:
            for raw in reply.get("result") or []:
                parsed = self.exchange.parse_order(raw)
                found.append(self._state(parsed, str(raw.get("label") or parsed.get("id"))))
        return found


def bind(
    method: Callable[[dict[str, Any]], Awaitable[Any]], params: dict[str, Any]
) -> Callable[[], Awaitable[Any]]:
    """Bind ``params`` to one of ccxt's implicit API methods."""
    return lambda: method(params)
