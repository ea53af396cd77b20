"""A JSON-RPC proxy on loopback that breaks on demand (RELIABILITY rows 1, 2, 6, 16, 17).

It sits between the agent and anvil and can: forward a request but drop the reply
(the agent cannot know whether a send was accepted), refuse a request with a JSON-RPC
error or an HTTP status (nothing reached the node), lag, hold a method until released,
answer a wrong chainId or a head that lags, run a hook just before forwarding (to
let "another tool" act at an exact moment), or be down altogether (every request
answered 503 at once, as a load balancer with no healthy node does: scenarios' RPC
outages). Every forwarded request is logged with the monotonic time it reached the node.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from sim.anvil import free_port

Hook = Callable[[list[Any]], Awaitable[None]]


@dataclass
class Forwarded:
    at: float  # time.monotonic() when the request was sent on to the node
    method: str
    params: list[Any]


@dataclass
class Faults:
    drop_reply: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reject: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    http_status: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    lag_s: dict[str, float] = field(default_factory=dict)
    hold: dict[str, asyncio.Event] = field(default_factory=dict)
    hooks: dict[str, Hook] = field(default_factory=dict)
    chain_id: int | None = None
    head_lag_blocks: int = 0
    frozen_head: int | None = None  # eth_blockNumber answers this, whatever the node has
    down: bool = False  # every request answered HTTP 503, nothing forwarded


class RpcFaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.faults = Faults()
        self.forwarded: list[Forwarded] = []
        self.arrived: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._open = asyncio.Event()
        self._open.set()
        self._through = 0  # requests past the pause gate and not yet answered
        self._quiet = asyncio.Event()
        self._quiet.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> RpcFaultProxy:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)  # providers put API keys in paths
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for event in self.faults.hold.values():
            event.set()
        self._open.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    # --- faults -------------------------------------------------------------------------

    def drop_reply(self, method: str, times: int = 1) -> None:
        """Forward the next ``times`` calls of ``method`` but never answer them."""
        self.faults.drop_reply[method] += times

    def reject(self, method: str, message: str, code: int = -32000, times: int = 1) -> None:
        """Answer the next calls of ``method`` with a JSON-RPC error, without forwarding."""
        self.faults.reject[method] += [(code, message)] * times

    def http_error(self, method: str, status: int = 503, times: int = 1) -> None:
        self.faults.http_status[method] += [status] * times

    def outage(self, down: bool = True) -> None:
        """While ``down``, answer every request with HTTP 503 without forwarding it."""
        self.faults.down = down

    def freeze_head(self, number: int | None) -> None:
        """Answer ``eth_blockNumber`` with ``number`` (None: the node's head again)."""
        self.faults.frozen_head = number

    def hold(self, method: str) -> asyncio.Event:
        """Keep calls of ``method`` waiting until the returned event is set."""
        event = asyncio.Event()
        self.faults.hold[method] = event
        return event

    def on_call(self, method: str, number: int, hook: Hook) -> None:
        """Run ``hook`` right before the ``number``-th call of ``method`` (1-based) is
        forwarded (counting from now)."""
        seen = 0

        async def counting(params: list[Any]) -> None:
            nonlocal seen
            seen += 1
            if seen == number:
                await hook(params)
            else:
                self.faults.hooks[method] = counting

        self.faults.hooks[method] = counting

    def sends(self) -> list[Forwarded]:
        return [f for f in self.forwarded if f.method == "eth_sendRawTransaction"]

    # --- the proxy ----------------------------------------------------------------------

    def pause(self) -> None:
        """Hold every request until ``resume``: the node can be changed behind the agent."""
        self._open.clear()

    async def paused(self) -> None:
        """``pause``, then wait until every request already past the gate has its reply
        (a send on its way to the node is there): from then on, until ``resume``, the
        node changes only by the caller's hand."""
        self.pause()
        await self._quiet.wait()

    def resume(self) -> None:
        self._open.set()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        payload = await request.json()
        await self._open.wait()
        self._through += 1
        self._quiet.clear()
        try:
            return await self._answer(request, payload)
        finally:
            self._through -= 1
            if not self._through:
                self._quiet.set()

    async def _answer(self, request: web.Request, payload: Any) -> web.StreamResponse:
        if self.faults.down:
            return web.Response(status=503, text="no healthy upstream")
        # A JSON-RPC batch is one HTTP request: an HTTP fault or a lost reply set for
        # any of its methods hits the whole batch, as it would on a real load balancer.
        items = payload if isinstance(payload, list) else [payload]
        methods = [item["method"] for item in items]
        for method in methods:
            self.arrived[method].set()
        for method in methods:
            statuses = self.faults.http_status.get(method)
            if statuses:
                return web.Response(status=statuses.pop(0), text="unavailable")
        replies = [await self._one(item) for item in items]
        dropped = [m for m in methods if self.faults.drop_reply.get(m, 0) > 0]
        if dropped:
            self.faults.drop_reply[dropped[0]] -= 1
            assert request.transport is not None
            request.transport.abort()  # the node has it; the agent never hears back
        return web.json_response(replies if isinstance(payload, list) else replies[0])

    async def _one(self, payload: dict[str, Any]) -> dict[str, Any]:
        method, ident = payload["method"], payload.get("id")
        rejections = self.faults.reject.get(method)
        if rejections:
            code, message = rejections.pop(0)
            return {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}
        if method in self.faults.hold:
            await self.faults.hold[method].wait()
        if method in self.faults.lag_s:
            await asyncio.sleep(self.faults.lag_s[method])
        hook = self.faults.hooks.pop(method, None)
        if hook is not None:
            await hook(payload.get("params", []))
        if method == "eth_chainId" and self.faults.chain_id is not None:
            return {"jsonrpc": "2.0", "id": ident, "result": hex(self.faults.chain_id)}
        if method == "eth_blockNumber" and self.faults.frozen_head is not None:
            return {"jsonrpc": "2.0", "id": ident, "result": hex(self.faults.frozen_head)}
        reply = await self._forward(payload)
        if method == "eth_blockNumber" and self.faults.head_lag_blocks and "result" in reply:
            head = int(reply["result"], 16) - self.faults.head_lag_blocks
            reply["result"] = hex(max(head, 0))
        return reply

    async def _forward(self, payload: dict[str, Any]) -> dict[str, Any]:
        assert self._session is not None
        self.forwarded.append(
            Forwarded(time.monotonic(), payload["method"], list(payload.get("params", [])))
        )
        async with self._session.post(self.upstream, json=payload) as response:
            reply: dict[str, Any] = await response.json(content_type=None)
            return reply
