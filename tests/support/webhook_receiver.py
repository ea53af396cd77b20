"""A webhook receiver on loopback: records every POST, answers as told, and lets tests
await a number of deliveries instead of sleeping."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from sim.anvil import free_port


@dataclass
class Received:
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class Behaviour:
    status: int = 200
    hold: asyncio.Event | None = None  # answer only once set


@dataclass
class WebhookReceiver:
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    behaviour: dict[str, Behaviour] = field(default_factory=dict)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Any]:
        return [r.body for r in self.received if r.path == path]

    async def wait_for(self, count: int, path: str | None = None) -> list[Received]:
        """Return once ``count`` posts (to ``path``, if given) have arrived."""

        def matching() -> list[Received]:
            return [r for r in self.received if path is None or r.path == path]

        async with self._changed:
            await self._changed.wait_for(lambda: len(matching()) >= count)
        return matching()

    async def __aenter__(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for behaviour in self.behaviour.values():
            if behaviour.hold is not None:
                behaviour.hold.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        behaviour = self.behaviour.get(request.path, Behaviour())
        if behaviour.hold is not None:
            await behaviour.hold.wait()
        body = await request.json()
        async with self._changed:
            self.received.append(Received(request.path, body, dict(request.headers)))
            self._changed.notify_all()
        return web.json_response({"ok": behaviour.status < 300}, status=behaviour.status)
