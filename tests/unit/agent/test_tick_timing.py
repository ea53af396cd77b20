"""The loop ticks on its interval, and on new blocks no sooner than the floor."""

from __future__ import annotations

import asyncio
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
