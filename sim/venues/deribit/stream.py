"""Deribit API v2 over WebSocket (``/ws/api/v2``): subscriptions and heartbeats.

What the simulator serves on its WebSocket, with Deribit's shapes:

- ``public/subscribe`` / ``public/unsubscribe`` with ``{"channels": [...]}``, answered
  with the list of channels now (un)subscribed; a channel the venue does not serve is
  left out of that list (https://docs.deribit.com/api-reference/subscription-management/
  public-subscribe). Served: ``ticker.{instrument_name}.{interval}`` with interval
  ``100ms`` or ``agg2`` (``raw`` is for authorised connections only: docs.deribit.com/
  subscriptions/market-data/tickerinstrument_nameinterval).
- Notifications: ``{"jsonrpc": "2.0", "method": "subscription", "params": {"channel":
  ..., "data": ...}}`` without an id (https://docs.deribit.com/articles/notifications).
  A ticker's data is ``public/ticker``'s result (same fields: the ticker channel's
  schema, TickerNotification, is the ticker's), built by ``views.ticker`` from the
  exchange's one pricer, as the REST book summaries are: one source of truth. Sent for
  each new channel at once (the current state) and for every subscribed channel after
  each market step; between steps nothing changes, so nothing is sent.
- ``public/set_heartbeat`` ``{"interval": s}`` (not less than 10 s: docs.deribit.com/
  api-reference/session-management/public-set_heartbeat): every interval the server
  sends ``{"method": "heartbeat", "params": {"type": "test_request"}}``, and closes
  the connection if the previous one was not answered by a ``public/test`` request.
  ``public/disable_heartbeat`` stops them.

Faults for tests: ``silence`` (notifications stop; heartbeats go on), ``drop_all``
(close every connection), ``refuse`` (answer upgrades with 503), ``publish`` (send any
data on a channel, e.g. malformed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from sim.venues.deribit import views
from sim.venues.deribit.exchange import DeribitExchange
from sim.venues.deribit.orders import DeribitError

PATH = "/ws/api/v2"
MIN_HEARTBEAT_S = 10.0  # public/set_heartbeat: "not less than 10" (Deribit API 2.1.1)
_INTERVALS = ("100ms", "agg2")  # "raw" needs an authorised connection (ticker channel docs)


@dataclass(eq=False)
class _Connection:
    socket: web.WebSocketResponse
    channels: set[str] = field(default_factory=set)
    heartbeat: asyncio.Task[None] | None = None
    answered: bool = True  # the last test_request was answered


class StreamHub:
    """The WebSocket endpoint of one simulated Deribit."""

    def __init__(self, exchange: DeribitExchange, min_heartbeat_s: float = MIN_HEARTBEAT_S):
        self.exchange = exchange
        self.min_heartbeat_s = min_heartbeat_s
        self.calls: Counter[str] = Counter()  # JSON-RPC calls received, by method
        self.connections_served = 0
        self.silenced = False
        self.refusing = False
        self._open: set[_Connection] = set()

    def attach(self, app: web.Application) -> None:
        app.router.add_get(PATH, self._handle)
        app.on_shutdown.append(self._shutdown)

    @property
    def open_connections(self) -> int:
        return len(self._open)

    def subscribers(self, channel: str) -> int:
        return sum(1 for c in self._open if channel in c.channels)

    # --- faults ---------------------------------------------------------------------

    def silence(self, silenced: bool = True) -> None:
        """Stop (or resume) sending notifications; heartbeats and replies go on."""
        self.silenced = silenced

    def refuse(self, refusing: bool = True) -> None:
        """Answer new WebSocket upgrades with HTTP 503 (or accept them again)."""
        self.refusing = refusing

    async def drop_all(self) -> None:
        """Close every connection from the server's side."""
        for connection in list(self._open):
            await connection.socket.close(code=1011, message=b"dropped by the simulator")

    async def publish(self, channel: str, data: object) -> None:
        """Send ``data`` as a notification on ``channel`` to its subscribers, as is."""
        for connection in list(self._open):
            if channel in connection.channels:
                await _send(connection, _notification(channel, data))

    # --- the market ----------------------------------------------------------------------

    async def on_market(self) -> None:
        """Push every subscribed channel's state after a market step."""
        if self.silenced:
            return
        for connection in list(self._open):
            await self._push(connection, sorted(connection.channels))

    async def _push(self, connection: _Connection, channels: Iterable[str]) -> None:
        if self.silenced:
            return
        for channel in channels:
            data = self._data(channel)
            if data is not None:
                await _send(connection, _notification(channel, data))

    def _data(self, channel: str) -> dict[str, object] | None:
        """The channel's current data; None for a channel not served (or expired)."""
        parts = channel.split(".")
        if len(parts) != 3 or parts[0] != "ticker" or parts[2] not in _INTERVALS:
            return None
        instrument = self.exchange.instruments.get(parts[1])
        if instrument is None:
            return None
        if not instrument.perpetual and instrument.expiry_ms <= self.exchange.now_ms:
            return None
        return views.ticker(self.exchange, instrument)

    # --- one connection ------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.refusing:
            return web.Response(status=503, text="Service Unavailable")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        connection = _Connection(socket)
        self._open.add(connection)
        self.connections_served += 1
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                await self._call(connection, message.data)
        finally:
            self._open.discard(connection)
            if connection.heartbeat is not None:
                connection.heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await connection.heartbeat
        return socket

    async def _call(self, connection: _Connection, text: str) -> None:
        try:
            body = json.loads(text)
            method = str(body.get("method"))
            params = body.get("params") or {}
            rpc_id = body.get("id")
        except (ValueError, AttributeError):
            error = DeribitError(-32700, "Parse error")
            await _send(connection, {"jsonrpc": "2.0", "error": error.to_json()})
            return
        self.calls[method] += 1
        handlers: dict[str, Callable[[_Connection, dict[str, object]], object]] = {
            "public/subscribe": self._subscribe,
            "public/unsubscribe": self._unsubscribe,
            "public/set_heartbeat": self._set_heartbeat,
            "public/disable_heartbeat": self._disable_heartbeat,
            "public/test": self._test,
        }
        handler = handlers.get(method)
        reply: dict[str, object]
        try:
            if handler is None:
                raise DeribitError(-32601, "Method not found", method)
            result = handler(connection, params)
        except DeribitError as error:
            reply = {"jsonrpc": "2.0", "error": error.to_json()}
        else:
            reply = {"jsonrpc": "2.0", "result": result}
        if rpc_id is not None:
            reply["id"] = rpc_id
        await _send(connection, {**reply, "testnet": False})
        if method == "public/subscribe" and handler is not None and "result" in reply:
            await self._push(connection, result)  # type: ignore[arg-type]

    def _subscribe(self, connection: _Connection, params: dict[str, object]) -> object:
        added = [c for c in _channels(params) if self._data(c) is not None]
        connection.channels.update(added)
        return added

    def _unsubscribe(self, connection: _Connection, params: dict[str, object]) -> object:
        removed = [c for c in _channels(params) if c in connection.channels]
        connection.channels.difference_update(removed)
        return removed

    def _set_heartbeat(self, connection: _Connection, params: dict[str, object]) -> object:
        try:
            interval = float(params.get("interval"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise DeribitError(-32602, "Invalid params", "interval") from None
        if interval < self.min_heartbeat_s:
            raise DeribitError(-32602, "Invalid params", f"interval below {self.min_heartbeat_s}")
        self._disable_heartbeat(connection, params)
        connection.answered = True
        connection.heartbeat = asyncio.create_task(self._beat(connection, interval))
        return "ok"

    def _disable_heartbeat(self, connection: _Connection, params: dict[str, object]) -> object:
        if connection.heartbeat is not None:
            connection.heartbeat.cancel()
            connection.heartbeat = None
        return "ok"

    def _test(self, connection: _Connection, params: dict[str, object]) -> object:
        connection.answered = True
        return {"version": "2.1.1"}

    async def _beat(self, connection: _Connection, interval: float) -> None:
        while not connection.socket.closed:
            await asyncio.sleep(interval)
            if not connection.answered:  # "the API server will immediately close"
                await connection.socket.close(code=1000, message=b"heartbeat not answered")
                return
            connection.answered = False
            await _send(
                connection,
                {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}},
            )

    async def _shutdown(self, app: web.Application) -> None:
        await self.drop_all()


def _channels(params: dict[str, object]) -> list[str]:
    channels = params.get("channels")
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise DeribitError(-32602, "Invalid params", "channels")
    return list(channels)


def _notification(channel: str, data: object) -> dict[str, object]:
    return {
        "jsonrpc": "2.0",
        "method": "subscription",
        "params": {"channel": channel, "data": data},
    }


async def _send(connection: _Connection, body: dict[str, object]) -> None:
    if connection.socket.closed:
        return
    with contextlib.suppress(ConnectionResetError):  # the client went away meanwhile
        await connection.socket.send_str(json.dumps(body))
