"""The loop ticks on its interval, and on new blocks no sooner than the floor."""

from __future__ import annotations

import asyncio
import gc
import itertools
import time
from typing import Any

from agent.config import validate
from agent.daemon import Daemon, DaemonParts
from agent.tick.report import TickReport


class Clock:
    def now(self) -> Any:
        return None

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _daemon(**agent: Any) -> tuple[Daemon, list[float]]:
    config = validate(
        {
            "agent": agent,
            "venues": {},
            "underlyings": {},
            "limits": {
                "max_notional_per_action_usd": 1,
                "max_notional_per_hour_usd": 1,
                "venue_caps": {},
            },
        },
        source="test",
    )
    heads = iter(range(1_000_000))

    async def head() -> int:
        return next(heads)

    parts = DaemonParts(
        config=config,
        clock=Clock(),
        reader=None,
        profiles={},
        executor=None,
        controls=None,
        head=head,
    )  # type: ignore[arg-type]
    daemon = Daemon(parts)
    ticks: list[float] = []

    async def tick() -> TickReport:
        ticks.append(time.monotonic())
        return None  # type: ignore[return-value]

    daemon.tick = tick  # type: ignore[method-assign]
    return daemon, ticks


async def _run_for(daemon: Daemon, seconds: float) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    await daemon.run(stop)


async def test_without_blocks_the_interval_paces_the_loop() -> None:
    daemon, ticks = _daemon(tick_interval_s=0.2)
    await _run_for(daemon, 0.5)
    assert len(ticks) >= 2
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(ticks))


async def test_new_blocks_tick_sooner_but_not_before_the_floor() -> None:
    daemon, ticks = _daemon(
        tick_interval_s=10, tick_on_new_blocks=True, min_tick_interval_s=0.1, block_poll_s=0.02
    )
    await _run_for(daemon, 0.55)
    assert len(ticks) >= 2, "new blocks tick long before the 10 s interval"
    assert len(ticks) <= 6, "a new block each poll: a tick each floor, not each block"
    assert all(b - a >= 0.095 for a, b in itertools.pairwise(ticks))


async def test_the_garbage_collector_waits_for_the_end_of_each_tick() -> None:
    daemon, _ = _daemon(tick_interval_s=0.05)
    seen: list[tuple[bool, int]] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    async def tick() -> TickReport:
        for _ in range(10_000):  # garbage in cycles: past gen 0's threshold many times
            Cycle()
        seen.append((gc.isenabled(), gc.get_count()[0]))
        return None  # type: ignore[return-value]

    daemon.tick = tick  # type: ignore[method-assign]
    assert gc.isenabled()
    await _run_for(daemon, 0.2)
    assert len(seen) >= 2
    # Inside each tick the collector is off: its 10,000 young objects all wait there
    # (with it on, gen 0 would have been collected every 700 allocations)...
    assert all(not enabled and young >= 10_000 for enabled, young in seen)
    # ...and after the loop it is on again, the ticks' garbage collected between them.
    assert gc.isenabled()
    assert gc.get_count()[0] < 10_000
