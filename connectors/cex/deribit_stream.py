"""Deribit's ticker channels over its WebSocket API, kept in a cache the snapshot reads.

One connection (``wss://www.deribit.com/ws/api/v2``, testnet ``wss://test.deribit.com/
ws/api/v2``: Deribit's WebSocket servers, as ccxt.pro's deribit names them), JSON-RPC
2.0 (https://docs.deribit.com/articles/notifications):

- ``public/set_heartbeat`` at connect: the server then sends ``{"method": "heartbeat",
  "params": {"type": "test_request"}}`` every interval and closes the connection unless
  each is answered with a ``public/test`` request (https://docs.deribit.com/
  api-reference/session-management/public-set_heartbeat; the interval is at least 10 s).
  Nothing at all heard for two intervals (and a second) means the connection is dead:
  it is closed and made again.
- ``public/subscribe`` with the channels tracked (at most ~32 KB a message: Deribit
  refuses bigger ones, "Message Too Big: limit 32768B", as ccxt.pro's deribit notes), and
  ``public/unsubscribe`` for those no longer tracked. The reply lists the channels
  subscribed; one the venue left out keeps its currency on REST (logged) until the next
  connection asks again.
- Notifications ``{"method": "subscription", "params": {"channel", "data"}}``; each is
  checked (``deribit_tickers.checked``) before it replaces the channel's entry, so a
  malformed one is logged with its channel and field and changes nothing.

Freshness (``read``): every channel asked for heard from on the current connection, its
venue ``timestamp`` at most ``max_age_s`` behind our clock, and the connection alive.
A disconnect forgets every entry, so no mark from before it is ever served. The
connection is made again with jittered exponential back-off (``backoff_s`` doubling to
``max_backoff_s``) and every tracked channel subscribed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import aiohttp
import structlog

from connectors.cex.deribit_tickers import StreamDataError, Ticker, checked
from connectors.cex.endpoint import Endpoint

_log = structlog.get_logger(__name__)
_WS_PATH = "/ws/api/v2"
_URLS = {"live": "wss://www.deribit.com/ws/api/v2", "testnet": "wss://test.deribit.com/ws/api/v2"}
_MAX_MESSAGE_CHARS = 30_000  # under Deribit's 32,768-byte message limit


def stream_url(endpoint: Endpoint) -> str:
    """Deribit's WebSocket URL for ``endpoint`` (a simulator's own path on loopback)."""
    if endpoint.mode == "local":
        assert endpoint.local_url is not None
        return endpoint.local_url.rstrip("/").replace("http", "ws", 1) + _WS_PATH
    return _URLS[endpoint.mode]


class MarksStream:
    """The ticker channels of one Deribit connection; start it, track channels, read."""

    def __init__(
        self,
        url: str,
        *,
        venue: str,
        now: Callable[[], datetime],
        max_age_s: float,
        heartbeat_s: float,
        connect_timeout_s: float = 10.0,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url, self.venue = url, venue
        self.max_age_s, self.heartbeat_s = max_age_s, heartbeat_s
        self._now, self._monotonic, self._sleep = now, monotonic, sleep
        self._connect_timeout_s = connect_timeout_s
        self._backoff = (backoff_s, max_backoff_s)
        self._tracked: set[str] = set()
        self._options: set[str] = set()  # tracked channels of options (more fields checked)
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one sender at a time
        self._changed = asyncio.Condition()
        self._forget()
        self.connections = 0  # connections made so far
        self.malformed = 0  # notifications refused
        self.last_error: str | None = None

    def _forget(self) -> None:
        """Drop everything the current connection said (at a disconnect)."""
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._cache: dict[str, Ticker] = {}
        self._pending: set[str] = set()  # subscribe sent, no reply yet
        self._subscribed: set[str] = set()
        self._refused: set[str] = set()  # left out of the venue's reply
        self._calls: dict[int, tuple[str, list[str]]] = {}
        self._next_id = 0
        self._heard_at = -float("inf")

    # --- lifecycle ----------------------------------------------------------------------

    def start(self, session: aiohttp.ClientSession) -> None:
        """Connect (and keep connecting) in a task owned by this stream until ``close``."""
        self._task = asyncio.create_task(self._run(session), name=f"{self.venue}-marks-stream")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._forget()

    # --- what the connector asks ----------------------------------------------------------

    async def track(self, channels: Iterable[str], options: Iterable[str] = ()) -> None:
        """Follow exactly ``channels`` (``options``: those of options) from now on:
        subscribe the new ones, unsubscribe the rest. Does not wait for the replies."""
        wanted = set(channels)
        gone = self._tracked - wanted
        self._tracked, self._options = wanted, set(options)
        for channel in gone:
            self._cache.pop(channel, None)
        self._subscribed -= gone
        await self._send_channels("public/unsubscribe", sorted(gone))
        await self._send_channels("public/subscribe", sorted(self._unasked()))

    def _unasked(self) -> set[str]:
        return self._tracked - self._subscribed - self._pending - self._refused

    def read(self, channels: Iterable[str]) -> dict[str, Ticker] | str:
        """The latest ticker of each of ``channels`` if all are fresh, else why not."""
        if not self.connected:
            return "not connected"
        silent_s = self._monotonic() - self._heard_at
        if silent_s > self._liveness_s:
            return f"connection silent for {silent_s:.1f} s"
        now_ms = self._now().timestamp() * 1000.0
        found: dict[str, Ticker] = {}
        for channel in channels:
            if channel in self._refused:  # never guess what REST would have said
                return f"the venue refused {channel}"
            ticker = self._cache.get(channel)
            if ticker is None:
                return f"{channel} not heard from"
            age_s = (now_ms - ticker.timestamp_ms) / 1000.0
            if age_s > self.max_age_s:
                return f"{channel} is {age_s:.1f} s old"
            found[channel] = ticker
        return found

    @property
    def tracked(self) -> frozenset[str]:
        return frozenset(self._tracked)

    @property
    def connected(self) -> bool:
        return self._socket is not None and not self._socket.closed

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition()`` holds, checked after each message and disconnect
        (for tests and tools: ``lambda: stream.connections >= 2 and ...``)."""
        async with self._changed:
            await self._changed.wait_for(condition)

    async def wait_heard(self, channels: Iterable[str], connection: int = 1) -> None:
        """Wait until connection number ``connection`` (or a later one) has heard from
        every one of ``channels``."""
        wanted = set(channels)
        await self.wait_until(
            lambda: (
                self.connections >= connection
                and self.connected
                and wanted <= (set(self._cache) | self._refused)
            )
        )

    def heard(self, channel: str) -> Ticker | None:
        """The latest checked ticker of ``channel`` on this connection, if any."""
        return self._cache.get(channel)

    @property
    def _liveness_s(self) -> float:
        """Silence that means a dead connection: two heartbeat intervals and a second of
        slack for our own scheduling (a test_request comes every interval)."""
        return 2.0 * self.heartbeat_s + 1.0

    # --- the connection -----------------------------------------------------------------

    async def _run(self, session: aiohttp.ClientSession) -> None:
        delay = self._backoff[0]
        while True:
            heard = False
            try:
                heard = await self._connection(session)
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                _log.warning("stream_disconnected", venue=self.venue, error=repr(error))
            except Exception as error:  # a bug: say so; the snapshot falls back to REST
                _log.exception("stream_failed", venue=self.venue, error=repr(error))
            finally:
                self._forget()
                await self._notify()
            if heard:
                delay = self._backoff[0]
            await self._sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter only
            delay = min(delay * 2.0, self._backoff[1])

    async def _connection(self, session: aiohttp.ClientSession) -> bool:
        """One connection, until it closes; whether anything was heard on it."""
        async with asyncio.timeout(self._connect_timeout_s):
            socket = await session.ws_connect(self.url, autoping=True)
        heard = False
        async with socket:
            self._socket = socket
            self.connections += 1
            self._heard_at = self._monotonic()
            await self._send_call("public/set_heartbeat", {"interval": self.heartbeat_s})
            await self._send_channels("public/subscribe", sorted(self._unasked()))
            while True:
                message = await socket.receive(timeout=self._liveness_s)
                if message.type != aiohttp.WSMsgType.TEXT:
                    _log.warning("stream_closed", venue=self.venue, kind=message.type.name)
                    return heard
                heard = True
                self._heard_at = self._monotonic()
                await self._on_text(message.data)
                await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _send_call(self, method: str, params: Mapping[str, Any]) -> None:
        socket = self._socket
        if socket is None or socket.closed:
            return  # the next connection asks again
        self._next_id += 1
        if method.endswith("subscribe"):
            self._calls[self._next_id] = (method, list(params["channels"]))
        body = {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params}
        async with self._lock:
            with contextlib.suppress(ConnectionResetError, aiohttp.ClientError):
                await socket.send_str(json.dumps(body))

    async def _send_channels(self, method: str, channels: Sequence[str]) -> None:
        """(Un)subscribe ``channels``; a chunk counts as pending once sent, so a tick
        cancelled mid-way (its venue timeout) leaves the rest to the next tick."""
        if self._socket is None:
            return
        for chunk in _chunks(channels):
            await self._send_call(method, {"channels": chunk})
            if method == "public/subscribe":  # no await since the send: before any reply
                self._pending.update(chunk)

    async def _on_text(self, text: str) -> None:
        try:
            body = json.loads(text)
        except ValueError:
            self._refuse(f"deribit stream: a message is not JSON: {text[:80]!r}")
            return
        if not isinstance(body, dict):
            self._refuse(f"deribit stream: a message is {type(body).__name__}, not an object")
            return
        method = body.get("method")
        params = body.get("params")
        if not isinstance(params, dict):
            params = {}
        if method == "heartbeat":
            if params.get("type") == "test_request":
                await self._send_call("public/test", {})
        elif method == "subscription":
            self._on_notification(params.get("channel"), params.get("data"))
        elif isinstance(body.get("id"), int):
            self._on_reply(body)

    def _on_reply(self, body: Mapping[str, Any]) -> None:
        method, channels = self._calls.pop(body["id"], ("", []))
        if "error" in body:
            _log.error("stream_call_refused", venue=self.venue, method=method, error=body["error"])
        if method != "public/subscribe":
            return
        self._pending.difference_update(channels)
        result = body.get("result")
        if isinstance(result, list):
            done = set(result) & set(channels)
            self._subscribed |= done & self._tracked
            self._refused |= set(channels) - done
            if set(channels) - done:
                _log.warning(
                    "stream_channels_refused", venue=self.venue,
                    channels=sorted(set(channels) - done)[:5],
                )  # fmt: skip

    def _on_notification(self, channel: object, data: object) -> None:
        if not isinstance(channel, str) or channel not in self._subscribed | self._pending:
            return  # not (or no longer) ours
        try:
            ticker = checked(channel, data, option=channel in self._options)
        except StreamDataError as error:
            self._refuse(str(error))
            return
        known = self._cache.get(channel)
        if known is None or ticker.timestamp_ms >= known.timestamp_ms:
            self._cache[channel] = ticker

    def _refuse(self, problem: str) -> None:
        self.malformed += 1
        self.last_error = problem
        _log.error("stream_data_refused", venue=self.venue, problem=problem)


def _chunks(channels: Sequence[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    size = _MAX_MESSAGE_CHARS
    for channel in channels:
        if size + len(channel) + 4 > _MAX_MESSAGE_CHARS:
            chunks.append([])
            size = 100  # the envelope
        chunks[-1].append(channel)
        size += len(channel) + 4
    return chunks
