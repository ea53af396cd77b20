"""A thin book end to end: an order that fills 40% books 40%, and the rest is planned
again on the next tick, once.

The seeded book holds a 25 ETH Hyperliquid short; the operator's FLATTEN closes it in two
12.5 ETH slices. Hyperliquid's book is thinned to 5 ETH for the step: the first slice
fills 5 (40%), the second meets an empty book and is refused as Hyperliquid refuses it.
The next tick plans exactly the 20 ETH still open (nothing counted twice, nothing lost),
and once the book is deep again the short is closed. Positions are read from the
simulator, not the agent's logs.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from agent.intents import OutcomeStatus
from agent.wiring import build_daemon
from sim.stack import LocalStack, WorldClock
from sim.venues.hyperliquid import HyperliquidSimulator
from tests.e2e.world_view import hyperliquid_eth

pytestmark = pytest.mark.e2e

STEP_S = 30


def thin_eth_book(simulator: HyperliquidSimulator, coin: float) -> None:
    """Leave ``coin`` ETH of asks for the coming step (one level at the touch)."""
    house = simulator.house
    depth = house.depth
    depth.levels, depth.calm_vol = 1, {}
    depth.level_usd = coin * house.touch(house.by_name["ETH"])[1] * 1.000001


async def test_a_partial_fill_is_booked_once_and_the_rest_planned_next_tick(
    seeded_stack: LocalStack,
) -> None:
    stack = seeded_stack
    assert stack.config is not None
    assert stack.world.manifest is not None
    assert stack.hyperliquid is not None
    agent = stack.world.manifest.accounts["agent"]
    assert hyperliquid_eth(stack, agent) == pytest.approx(-25.0)
    async with AsyncExitStack() as resources:
        daemon = await build_daemon(stack.config, resources, clock=WorldClock(stack.driver))
        await daemon.start_up()
        await daemon.parts.controls.flatten("test", "drill: unwind into a thin book")
        thin_eth_book(stack.hyperliquid, 5.0)
        first = await daemon.tick()
        assert first.error is None, first.error
        after_first = hyperliquid_eth(stack, agent)
        await stack.driver.advance(STEP_S)
        thin_eth_book(stack.hyperliquid, 5.0)
        second = await daemon.tick()
        assert second.error is None, second.error
        after_second = hyperliquid_eth(stack, agent)
        await stack.driver.advance(STEP_S)
        stack.hyperliquid.house.depth.levels = 10
        stack.hyperliquid.house.depth.level_usd = 500_000.0
        third = await daemon.tick()
        assert third.error is None, third.error

    first_hl = [o for o in first.outcomes if o.venue == "hyperliquid"]
    assert [o.status for o in first_hl] == [OutcomeStatus.PARTIAL, OutcomeStatus.REJECTED]
    assert first_hl[0].filled_quantity == pytest.approx(5.0)  # 40% of the 12.5 slice
    assert after_first == pytest.approx(-20.0)  # booked on the venue: the 40%, once
    planned = [i.quantity for i in second.intents if i.venue == "hyperliquid"]
    assert sum(planned) == pytest.approx(20.0)  # the rest, planned again, once
    assert after_second == pytest.approx(-15.0)
    assert hyperliquid_eth(stack, agent) == pytest.approx(0.0, abs=1e-9)
    assert stack.hyperliquid.liquidations == []
