"""Serving a venue simulator over HTTP on loopback, with faults and a request log.

Each simulator builds an ``aiohttp`` application; ``VenueServer`` binds it to
127.0.0.1 on a free port, records every request (so tests can count them) and applies
the ``FaultPlan`` in one middleware: 429 with Retry-After, slow replies, and dropping
the reply to an accepted order by closing the connection after the order is applied.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web

from sim.venues.faults import FaultPlan

ORDER_ACCEPTED = web.RequestKey("ballast.order_accepted", bool)
"""Request key a handler sets once it has applied an order (so its reply may be dropped)."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the simulator saw it; ``at_s`` is ``time.monotonic()``."""

    method: str
    path: str
    operation: str
    at_s: float
    status: int


class VenueServer:
    """Runs ``app`` on 127.0.0.1 (free port) until closed.

    ``operation_of`` names a request for the log (a JSON-RPC method, an info type);
    ``rate_limited`` builds the venue's own 429 reply.
    """

    def __init__(
        self,
        app: web.Application,
        *,
        faults: FaultPlan,
        operation_of: Callable[[web.Request], Awaitable[str]],
        rate_limited: Callable[[int], web.Response],
    ) -> None:
        self.faults = faults
        self.requests: list[RecordedRequest] = []
        self._operation_of = operation_of
        self._rate_limited = rate_limited
        app.middlewares.append(self._middleware)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self._url: str | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; only valid while started."""
        if self._url is None:
            raise RuntimeError("venue server is not started")
        return self._url

    def count(self, operation: str | None = None) -> int:
        """Requests seen so far, optionally only those of ``operation``."""
        return sum(1 for r in self.requests if operation is None or r.operation == operation)

    async def start(self) -> str:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only through the server
        assert isinstance(server, asyncio.Server)
        port = server.sockets[0].getsockname()[1]
        self._url = f"http://127.0.0.1:{port}"
        return self._url

    async def close(self) -> None:
        await self._runner.cleanup()
        self._url = None

    async def __aenter__(self) -> VenueServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        operation = await self._operation_of(request)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            # a stream's connection: the fault plan is for requests (the hub has its own)
            upgraded = await handler(request)
            self._record(request, operation, upgraded.status)
            return upgraded
        retry_after = self.faults.take_rate_limit()
        if retry_after is not None:
            response: web.StreamResponse = self._rate_limited(retry_after)
            response.set_status(self.faults.rate_limit_status)
        else:
            response = await handler(request)
        self._record(request, operation, response.status)
        delay = self.faults.take_delay() if retry_after is None else 0.0
        if delay > 0:
            await asyncio.sleep(delay)
        if request.get(ORDER_ACCEPTED) and self.faults.take_drop():
            if request.transport is not None:
                request.transport.abort()
            return web.Response()
        return response

    def _record(self, request: web.Request, operation: str, status: int) -> None:
        self.requests.append(
            RecordedRequest(request.method, request.path, operation, time.monotonic(), status)
        )


class ServedVenue:
    """What every venue simulator shares: serving its ``VenueServer`` and its request log.

    A subclass builds its API and sets ``self._server``; it is then an async context
    manager that serves on loopback until the block ends.
    """

    _server: VenueServer

    @property
    def url(self) -> str:
        """Base URL to put in every one of ccxt's ``urls['api']`` entries."""
        return self._server.url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def count(self, operation: str | None = None) -> int:
        """Requests served so far (``"private/buy"``, ``"exchange/order"`` ...), all if None."""
        return self._server.count(operation)

    async def start(self) -> str:
        return await self._server.start()

    async def close(self) -> None:
        await self._server.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
