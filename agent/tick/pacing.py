"""When the next tick starts: every ``tick_interval_s``, and also on each new block
(never sooner than ``min_tick_interval_s`` after the last tick) when the config asks
for it. The head is polled every ``block_poll_s``; a failed poll only delays."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from agent.config.models import AgentSettings
from agent.errors import BallastError
from agent.ports import Clock
from agent.tick.warm_up import collect_between_ticks, collector_paused

log = structlog.get_logger(__name__)
Report = TypeVar("Report")


async def run_paced(
    tick: Callable[[], Awaitable[Report]],
    stop: asyncio.Event,
    settings: AgentSettings,
    clock: Clock,
    head: Callable[[], Awaitable[int]] | None,
    *,
    on_tick: Callable[[Report], None] | None = None,
) -> None:
    new_block = asyncio.Event()
    async with asyncio.TaskGroup() as group:
        watcher = None
        if settings.tick_on_new_blocks and head is not None:
            watcher = group.create_task(_watch_heads(head, stop, new_block, settings.block_poll_s))
        while not stop.is_set():
            started = clock.monotonic()
            new_block.clear()
            with collector_paused():
                report = await tick()
            collect_between_ticks()
            if on_tick is not None:
                on_tick(report)
            await _wait_next(stop, new_block, started, settings, clock)
        if watcher is not None:
            watcher.cancel()


async def _wait_next(
    stop: asyncio.Event,
    new_block: asyncio.Event,
    started: float,
    settings: AgentSettings,
    clock: Clock,
) -> None:
    floor = started + settings.min_tick_interval_s
    deadline = started + settings.tick_interval_s
    while not stop.is_set() and clock.monotonic() < deadline:
        if new_block.is_set() and clock.monotonic() >= floor:
            return
        wake = min(deadline, floor) if new_block.is_set() else deadline
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(new_block.wait())]
        try:
            await asyncio.wait(
                waits,
                timeout=max(wake - clock.monotonic(), 0.0),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in waits:
                waiter.cancel()


async def _watch_heads(
    head: Callable[[], Awaitable[int]], stop: asyncio.Event, new_block: asyncio.Event, poll_s: float
) -> None:
    last = -1
    while not stop.is_set():
        try:
            number = await head()
        except BallastError as error:
            log.warning("head_poll_failed", error=str(error))
        else:
            if number > last:
                last = number
                new_block.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll_s)
