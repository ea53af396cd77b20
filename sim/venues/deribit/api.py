"""Deribit API v2 over HTTP: the subset ccxt uses, same paths, params and JSON shapes.

``GET /api/v2/{public|private}/{method}?params`` (what ccxt sends) and JSON-RPC
``POST /api/v2`` both work. Private methods need Deribit's ``deri-hmac-sha256``
signature (HMAC-SHA256 of ``ts\\nnonce\\nMETHOD\\nURI\\nbody\\n`` with the client
secret) or a bearer token from ``public/auth``. Errors are JSON-RPC error objects with
Deribit's codes, sent with HTTP 400; a rate limit is HTTP 429 with ``Retry-After``
and error 10028.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from sim.venues.deribit import history, stream, views
from sim.venues.deribit.exchange import Account, DeribitExchange
from sim.venues.deribit.instruments import Instrument
from sim.venues.deribit.liquidation import estimated_liquidation_price
from sim.venues.deribit.orders import TIME_IN_FORCE, DeribitError, Order
from sim.venues.faults import FaultPlan
from sim.venues.server import ORDER_ACCEPTED

_SIGNATURE_WINDOW_MS = 60_000


@dataclass(slots=True)
class Call:
    """One JSON-RPC call: its params, and the authenticated account for private ones."""

    request: web.Request
    params: Mapping[str, object]
    account: Account | None = None
    rpc_id: object = None

    def text(self, key: str, default: str | None = None) -> str:
        found = self.params.get(key, default)
        if found is None:
            raise DeribitError(-32602, "Invalid params", f"missing {key}")
        return str(found)

    def number(self, key: str, default: float | None = None) -> float:
        try:
            return float(self.text(key, None if default is None else str(default)))
        except ValueError:
            raise DeribitError(-32602, "Invalid params", f"{key} is not a number") from None

    def flag(self, key: str) -> bool:
        return str(self.params.get(key, "false")).lower() == "true"

    @property
    def me(self) -> Account:
        assert self.account is not None
        return self.account


Method = Callable[[Call], object]


@dataclass
class DeribitApi:
    """Routes requests to ``exchange``, applying ``faults`` to order lookups."""

    exchange: DeribitExchange
    faults: FaultPlan
    tokens: dict[str, str] = field(default_factory=dict)

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/v2/{scope}/{method}", self._handle_path)
        app.router.add_post("/api/v2", self._handle_rpc)
        app.router.add_post("/api/v2/", self._handle_rpc)
        return app

    @staticmethod
    async def operation_of(request: web.Request) -> str:
        if request.path == stream.PATH:  # one record per WebSocket connection
            return "ws/api/v2"
        if "method" in request.match_info:
            return f"{request.match_info['scope']}/{request.match_info['method']}"
        try:
            return str(json.loads(await request.text()).get("method", "?"))
        except ValueError:
            return "?"

    @staticmethod
    def rate_limited(retry_after_s: int) -> web.Response:
        error = DeribitError(10028, "too_many_requests")
        body = {"jsonrpc": "2.0", "error": error.to_json(), "testnet": False}
        return web.json_response(body, status=429, headers={"Retry-After": str(retry_after_s)})

    async def _handle_path(self, request: web.Request) -> web.StreamResponse:
        name = f"{request.match_info['scope']}/{request.match_info['method']}"
        if request.method == "POST" and request.can_read_body:
            body = json.loads(await request.text() or "{}")
            return await self._dispatch(request, name, body.get("params", {}), body.get("id"))
        return await self._dispatch(request, name, request.query, None)

    async def _handle_rpc(self, request: web.Request) -> web.StreamResponse:
        body = json.loads(await request.text() or "{}")
        return await self._dispatch(
            request, str(body.get("method")), body.get("params", {}), body.get("id")
        )

    async def _dispatch(
        self, request: web.Request, name: str, params: Mapping[str, object], rpc_id: object
    ) -> web.StreamResponse:
        started = time.time_ns() // 1000
        call = Call(request, params, rpc_id=rpc_id)
        try:
            method = self._methods().get(name)
            if method is None:
                raise DeribitError(-32601, "Method not found", name)
            if name.startswith("private/"):
                call.account = await self._authenticate(request)
            result = method(call)
        except DeribitError as error:
            return self._reply(rpc_id, started, {"error": error.to_json()}, status=400)
        except _NotFound:
            return web.Response(status=404, text="Not Found")
        return self._reply(rpc_id, started, {"result": result})

    @staticmethod
    def _reply(
        rpc_id: object, started_us: int, payload: dict[str, object], status: int = 200
    ) -> web.Response:
        finished = time.time_ns() // 1000
        body: dict[str, object] = {"jsonrpc": "2.0", **payload, "testnet": False}
        body.update(usIn=started_us, usOut=finished, usDiff=finished - started_us)
        if rpc_id is not None:
            body["id"] = rpc_id
        return web.json_response(body, status=status)

    # --- authentication -------------------------------------------------------------

    async def _authenticate(self, request: web.Request) -> Account:
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "bearer" and credentials in self.tokens:
            return self.exchange.accounts[self.tokens[credentials]]
        if scheme != "deri-hmac-sha256":
            raise DeribitError(13009, "unauthorized")
        fields = dict(part.split("=", 1) for part in credentials.split(",") if "=" in part)
        account = self.exchange.accounts.get(fields.get("id", ""))
        if account is None:
            raise DeribitError(13004, "invalid_credentials")
        timestamp = int(fields.get("ts", "0"))
        if abs(timestamp - time.time() * 1000) > _SIGNATURE_WINDOW_MS:
            raise DeribitError(13009, "unauthorized", "stale timestamp")
        body = await request.text()
        request_data = f"{request.method}\n{request.raw_path}\n{body}\n"
        signed = f"{fields['ts']}\n{fields.get('nonce', '')}\n{request_data}"
        expected = hmac.new(account.client_secret.encode(), signed.encode(), hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest(), fields.get("sig", "")):
            raise DeribitError(13004, "invalid_credentials", "bad signature")
        return account

    def _auth(self, call: Call) -> object:
        grant = call.text("grant_type")
        account = self.exchange.accounts.get(call.text("client_id", ""))
        secret = call.text("client_secret", "")
        if grant != "client_credentials" or account is None:
            raise DeribitError(13004, "invalid_credentials")
        if not hmac.compare_digest(account.client_secret, secret):
            raise DeribitError(13004, "invalid_credentials")
        token = secrets.token_hex(16)
        self.tokens[token] = account.client_id
        return {
            "access_token": token,
            "refresh_token": secrets.token_hex(16),
            "expires_in": 900,
            "scope": "account:read trade:read_write",
            "token_type": "bearer",
        }

    # --- methods --------------------------------------------------------------------

    def _methods(self) -> dict[str, Method]:
        exchange = self.exchange
        return {
            "public/auth": self._auth,
            "public/get_time": lambda call: exchange.now_ms,
            "public/test": lambda call: {"version": "2.1.1"},
            "public/get_currencies": lambda call: [views.currency(c) for c in exchange.currencies],
            "public/get_instruments": self._instruments,
            "public/ticker": lambda call: views.ticker(
                exchange, exchange.instrument(call.text("instrument_name"))
            ),
            "public/get_book_summary_by_currency": self._book_summaries,
            "public/get_order_book": self._order_book,
            "public/get_funding_rate_value": self._funding_value,
            "private/get_positions": self._positions,
            "private/get_account_summary": lambda call: views.account_summary(
                exchange, call.me, self._currency(call)
            ),
            "private/get_account_summaries": self._summaries,
            "private/buy": lambda call: self._order(call, "buy"),
            "private/sell": lambda call: self._order(call, "sell"),
            "private/cancel": lambda call: exchange.cancel(
                call.me, call.text("order_id")
            ).to_json(),
            "private/cancel_all": lambda call: exchange.cancel_all(call.me),
            "private/cancel_all_by_currency": lambda call: exchange.cancel_all(
                call.me, self._currency(call)
            ),
            "private/get_order_state": self._order_state,
            "private/get_order_state_by_label": self._orders_by_label,
            "private/get_open_orders_by_currency": self._open_orders,
            "private/get_open_orders_by_instrument": self._open_orders,
            "private/get_order_history_by_currency": lambda call: [
                order
                for order in history.order_history(
                    exchange, call.me, self._currency(call), call.params
                )
                if not self.faults.peek_hidden(str(order["label"]))  # hidden everywhere
            ],
            "private/get_user_trades_by_currency": self._user_trades,
            "private/get_user_trades_by_order": lambda call: [
                trade.to_json()
                for trade in call.me.trades
                if trade.order.order_id == call.text("order_id")
            ],
        }

    def _currency(self, call: Call) -> str:
        code = call.text("currency")
        if code not in self.exchange.currencies:
            raise DeribitError(-32602, "Invalid params", f"invalid currency {code}")
        return code

    def _selected(self, call: Call) -> list[Instrument]:
        code = str(call.params.get("currency", "any"))
        kind = call.params.get("kind")
        return [
            item
            for item in self.exchange.instruments.values()
            if code in ("any", item.settle)
            and kind in (None, "any", item.kind)
            and item.expiry_ms > self.exchange.now_ms
        ]

    def _instruments(self, call: Call) -> object:
        return [item.to_json() for item in self._selected(call)]

    def _book_summaries(self, call: Call) -> object:
        self._currency(call)
        return [views.book_summary(self.exchange, item) for item in self._selected(call)]

    def _order_book(self, call: Call) -> object:
        instrument = self.exchange.instrument(call.text("instrument_name"))
        return views.order_book(self.exchange, instrument, int(call.number("depth", 5)))

    def _funding_value(self, call: Call) -> object:
        instrument = self.exchange.instrument(call.text("instrument_name"))
        span_ms = call.number("end_timestamp") - call.number("start_timestamp")
        return self.exchange.pricer.funding_8h(instrument) * span_ms / (8 * 3600 * 1000.0)

    def _positions(self, call: Call) -> object:
        exchange = self.exchange
        code = call.params.get("currency")
        kind = call.params.get("kind")
        found = []
        for currency in exchange.currencies:
            if code not in (None, "any", currency):
                continue
            for instrument, holding in exchange.holdings(call.me, currency):
                if kind not in (None, "any", instrument.kind):
                    continue
                level = None
                if instrument.kind == "future":
                    level = estimated_liquidation_price(
                        exchange, call.me, currency, instrument.base
                    )
                found.append(views.position(exchange, instrument, holding, level))
        return found

    def _summaries(self, call: Call) -> object:
        summaries = [
            views.account_summary(self.exchange, call.me, c) for c in self.exchange.currencies
        ]
        return {"id": zlib.crc32(call.me.client_id.encode()) % 10**6, "summaries": summaries}

    def _order(self, call: Call, direction: str) -> object:
        order_type = str(call.params.get("type", "limit"))
        if order_type not in ("limit", "market"):
            raise DeribitError(11029, "invalid_arguments", f"unsupported order type {order_type}")
        time_in_force = TIME_IN_FORCE.get(
            str(call.params.get("time_in_force", "good_til_cancelled"))
        )
        if time_in_force is None:
            raise DeribitError(11029, "invalid_arguments", "time_in_force")
        order, trades = self.exchange.place(
            call.me,
            call.text("instrument_name"),
            direction,
            call.number("amount"),
            price=call.number("price") if order_type == "limit" else None,
            label=str(call.params.get("label", "")),
            time_in_force=time_in_force,
            post_only=call.flag("post_only"),
            reduce_only=call.flag("reduce_only"),
        )
        call.request[ORDER_ACCEPTED] = True
        return {"order": order.to_json(), "trades": [trade.to_json() for trade in trades]}

    def _order_state(self, call: Call) -> object:
        order = call.me.orders.get(call.text("order_id"))
        if order is None or self._hidden(order):
            raise DeribitError(10004, "order_not_found")
        return order.to_json()

    def _orders_by_label(self, call: Call) -> object:
        orders = history.by_label(self.exchange, call.me, self._currency(call), call.text("label"))
        return [order.to_json() for order in orders if not self._hidden(order)]

    def _open_orders(self, call: Call) -> object:
        code = call.params.get("currency")
        name = call.params.get("instrument_name")
        return [
            order.to_json()
            for order in call.me.orders.values()
            if order.state == "open"
            and code in (None, "any", order.instrument.settle)
            and name in (None, order.instrument.name)
            and not self.faults.peek_hidden(order.label)
        ]

    def _user_trades(self, call: Call) -> object:
        reply = history.user_trades(self.exchange, call.me, self._currency(call), call.params)
        trades = [t for t in reply["trades"] if not self.faults.peek_hidden(str(t["label"]))]
        return {**reply, "trades": trades}

    def _hidden(self, order: Order) -> bool:
        rule = self.faults.hidden(order.label)
        if rule is not None and rule.as_http_404:
            raise _NotFound
        return rule is not None


class _NotFound(Exception):
    """Answer a bare HTTP 404 (the "order not found" fault in its HTTP form)."""
