"""A TCP proxy on 127.0.0.1 in front of one server, that can blackhole its clients.

One proxy per client (e.g. one daemon's connection to PostgreSQL): ``blackhole()`` cuts
that client off the way a broken network does - connections stay open, bytes in either
direction are swallowed, new connections are accepted and hear nothing - while other
clients, on their own proxies or directly, go on working. ``restore()`` forwards again
(connections opened during the blackhole stay dead; the client reconnects).
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

CHUNK = 65536


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target_host``:``target_port``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.blackholed = False
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task

    def blackhole(self) -> None:
        """From now on nothing passes, in either direction, on any connection."""
        self.blackholed = True

    def restore(self) -> None:
        self.blackholed = False

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        dead = self.blackholed  # a connection opened in the blackhole never works
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.add(upstream_writer)
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.ensure_future(self._pipe(source, sink, dead=dead))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, dead: bool
    ) -> None:
        try:
            while data := await source.read(CHUNK):
                if dead or self.blackholed:
                    continue  # swallowed, as by a broken network
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            if not (dead or self.blackholed):
                sink.close()
