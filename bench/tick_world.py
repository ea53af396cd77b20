"""The tick benchmark's world in a process of its own, as the venues are in production.

The simulators (Deribit, Hyperliquid) answer from the local world's event loop. In one
process with the daemon they would charge their own work (pricing every option of a
book summary, serialising it) to the daemon's tick; a real venue does that on its own
machines. So the world (anvil, the protocols, the seeded book, the 225 extra Aave
accounts and both simulators) starts in a child process, and the daemon and the naive
peer read it from the parent, over the same local HTTP as before. The child answers two
commands over a pipe: the requests each simulator has served so far, by operation, and
stop.

The world's clock does not move during the benchmark (no market step is taken), so the
parent's clock is the world's time when it was ready. Deribit's marks then come from its
WebSocket ticker channels, pushed once at subscription: the simulator sends nothing
more because nothing changes, and by wall time the stream would look silent. Freshness
is judged by the venue's timestamps against the daemon's clock, as in production, and
both stand at the world's time: the streamed marks are the market's current ones, the
same values a REST book summary would return (tests/integration/cex/
test_deribit_stream.py). The connection's liveness is judged by wall time, and the
heartbeats (every 10 s, answered) keep it alive: no special case for the benchmark.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from types import TracebackType

from agent.config.models import Config
from agent.ops.logs import configure_logging
from sim.manifest import Manifest
from sim.stack import LocalStack, StackOptions

SIMULATORS = ("deribit", "hyperliquid")
_READY_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class WorldReady:
    """What the parent needs of the started world."""

    config: Config
    manifest: Manifest
    timestamp: float  # the world's time: the market driver's, fixed during the benchmark
    extras: list[str]  # the child's setup's result (the extra Aave accounts)


class FixedClock:
    """The ``Clock`` port at the world's time, which the benchmark never steps."""

    def __init__(self, timestamp: float) -> None:
        self._now = datetime.fromtimestamp(timestamp, tz=UTC)

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


Setup = Callable[[LocalStack], Awaitable[list[str]]]


def _served(stack: LocalStack) -> dict[str, Counter[str]]:
    """HTTP requests by operation; for Deribit also the JSON-RPC calls its WebSocket
    connections sent (``ws public/test``: heartbeat answers, ``ws public/subscribe``)."""
    servers = {"deribit": stack.deribit, "hyperliquid": stack.hyperliquid}
    served = {
        name: Counter(request.operation for request in server.requests)
        for name, server in servers.items()
        if server is not None
    }
    if stack.deribit is not None:
        served["deribit"].update({f"ws {m}": n for m, n in stack.deribit.stream.calls.items()})
    return served


async def _serve(connection: Connection, options: StackOptions, setup: Setup) -> None:
    async with LocalStack(options) as stack:
        assert stack.config is not None
        assert stack.world.manifest is not None
        extras = await setup(stack)
        timestamp = stack.driver.state.timestamp
        connection.send(WorldReady(stack.config, stack.world.manifest, timestamp, extras))
        loop = asyncio.get_running_loop()
        while True:  # the simulators keep answering on this loop while we wait
            command = await loop.run_in_executor(None, connection.recv)
            if command == "served":
                connection.send(_served(stack))
            else:
                break


def _child(connection: Connection, options: StackOptions, setup: Setup) -> None:
    configure_logging(json_lines=False, level="warning")
    asyncio.run(_serve(connection, options, setup))


class WorldProcess:
    """``async with WorldProcess(options, setup) as ready``: the world runs in a child
    process until the block ends; ``served()`` counts the simulators' requests."""

    def __init__(self, options: StackOptions, setup: Setup) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_child, args=(child, options, setup))

    async def __aenter__(self) -> WorldReady:
        self._process.start()
        loop = asyncio.get_running_loop()
        ready = await loop.run_in_executor(None, self._wait_ready)
        if not isinstance(ready, WorldReady):
            raise RuntimeError(f"the benchmark's world did not start: {ready!r}")
        return ready

    def _wait_ready(self) -> object:
        if not self._connection.poll(_READY_TIMEOUT_S):
            return f"no answer in {_READY_TIMEOUT_S:g} s (exit code {self._process.exitcode})"
        try:
            return self._connection.recv()
        except EOFError:
            self._process.join(10)
            return f"the world's process ended (exit code {self._process.exitcode})"

    def served(self) -> dict[str, Counter[str]]:
        """Requests each simulator has served so far, by operation."""
        self._connection.send("served")
        answer: dict[str, Counter[str]] = self._connection.recv()
        return answer

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process.is_alive():
            self._connection.send("stop")
            await asyncio.get_running_loop().run_in_executor(None, self._process.join, 60)
        if self._process.is_alive():  # anvil's own exit waits on the child's clean-up
            self._process.terminate()
            self._process.join(10)
        self._connection.close()
