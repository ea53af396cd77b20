"""A venue dies mid-run: ticks go on, the venue is reported, the kill switch tightens as
configured, and the other venues are still read and acted on (issue 8 acceptance)."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from agent.intents import KillState
from agent.wiring import build_daemon
from sim.stack import LocalStack, WorldClock

pytestmark = pytest.mark.e2e


async def test_a_dead_venue_degrades_the_tick_and_tightens_the_kill_switch(
    seeded_stack: LocalStack,
) -> None:
    stack = seeded_stack
    assert stack.config is not None
    assert stack.hyperliquid is not None
    config = stack.config.model_copy(
        update={"agent": stack.config.agent.model_copy(update={"venue_timeout_s": 0.5})}
    )
    async with AsyncExitStack() as resources:
        daemon = await build_daemon(config, resources, clock=WorldClock(stack.driver))
        healthy = await daemon.tick()
        assert healthy.reads["hyperliquid"].fresh
        stack.hyperliquid.faults.slow_replies(delay_s=5.0)  # every reply now misses the timeout
        reports = []
        for _ in range(3):
            await stack.driver.advance(20)  # venue_down_after_s is 30 s of chain time
            reports.append(await daemon.tick())
        state = daemon.parts.controls.killswitch.state

    assert all(r.error is None for r in reports), [r.error for r in reports]
    for report in reports:
        read = report.reads["hyperliquid"]
        assert not read.fresh
        assert read.error is not None
        assert read.error.startswith("no answer within")
        assert read.snapshot is healthy.reads["hyperliquid"].snapshot, "last good snapshot kept"
        assert any(
            p.venue == "hyperliquid" and p.code == "venue_down" for p in report.inputs.problems
        )
        assert all(report.reads[v].fresh for v in ("aave", "gmx", "deribit", "chainlink"))
        assert report.assessment is not None, "the book is still measured"
    assert reports[0].kill_state is KillState.ACTIVE, "within its grace a dead venue only degrades"
    assert state is KillState.REDUCE_ONLY
