"""The blackholing TCP proxy the database cut-off drill puts in front of PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
async def echo() -> AsyncIterator[int]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(100):
            writer.write(data)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()


async def ask(port: int, text: bytes, *, timeout_s: float = 2.0) -> bytes | None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(text)
        await writer.drain()
        try:
            return await asyncio.wait_for(reader.read(100), timeout_s)
        except TimeoutError:
            return None
    finally:
        writer.close()


async def test_forwards_then_swallows_everything_then_forwards_new_connections(echo: int) -> None:
    async with TcpProxy("127.0.0.1", echo) as proxy:
        assert await ask(proxy.port, b"hello") == b"hello"
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        proxy.blackhole()
        writer.write(b"lost")
        await writer.drain()
        with pytest.raises(TimeoutError):  # an open connection hears nothing...
            await asyncio.wait_for(reader.read(100), 0.5)
        assert await ask(proxy.port, b"new", timeout_s=0.5) is None  # ...nor a new one
        assert await ask(echo, b"direct") == b"direct"  # other clients are not cut off
        proxy.restore()
        assert await ask(proxy.port, b"back") == b"back"
        writer.close()
